"""Reading the dates people type in cells, in the UK order, or an Excel date however it is stored.

Due dates come as Excel dates, as text ("31/03/2027", "31st March 2027"), or as a month alone;
a date that can't be read is refused with words saying how to write it, never guessed.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime
from typing import Any

from models.imports.reading import cell_text

_DAY_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y", "%d %B %y", "%d %b %y",
                "%a %d %b %Y", "%A %d %B %Y", "%B %d %Y", "%b %d %Y")
_MONTH_FORMATS = ("%B %Y", "%b %Y", "%m/%Y")


def parse_day(value: Any) -> date:
    """A due date from a cell: an Excel date, or text in the UK order (31/03/2027, 31 March 2027).

    A month alone ("March 2027") means its last day. Raises ValueError with words for people.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 30000 <= value <= 80000:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()  # an Excel date serial in a cell without a date format
    text = cell_text(value)
    if not text:
        raise ValueError("no date given")
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(",", " "), flags=re.IGNORECASE)
    cleaned = " ".join(cleaned.split())
    try:
        return datetime.fromisoformat(cleaned).date()
    except ValueError:
        pass
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    for fmt in _MONTH_FORMATS:
        try:
            month = datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
        return month.replace(day=monthrange(month.year, month.month)[1])
    raise ValueError(f"'{text}' is not a date; write it like 31/03/2027")
