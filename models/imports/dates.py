"""Reading the due dates people put in spreadsheet cells: an Excel date however it is stored, or
text read as everywhere else (models.dates), in the UK order.

Due dates come as Excel dates, as text ("31/03/2027", "31st March 2027"), or as a month alone,
which means its last day. Words that depend on the day the file is read (tomorrow, Friday,
2 March without a year) are refused, as is a date that can't be read, with words saying how to
write it; nothing is guessed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from models.dates import parse_date
from models.imports.reading import cell_text


def parse_day(value: Any, *, month_end: bool = True) -> date:
    """A due date from a cell: an Excel date, or text in the UK order (31/03/2027, 31 March 2027).

    A month alone ("March 2027") means its last day (refused without `month_end`). Raises
    DateError, a ValueError with words for people.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 30000 <= value <= 80000:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()  # an Excel date serial in a cell without a date format
    return parse_date(cell_text(value), today=None, month_end=month_end)
