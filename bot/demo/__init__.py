"""The demo partnership shipped with AssureBot, with dates placed relative to today."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, StrictUndefined

from models.calendar import WorkingCalendar

TEMPLATE = Path(__file__).parent / "partnership.yaml.j2"
DEMO_CHAIR = "helen.carter@council.example.org"
DEMO_KEY = "riverside"


def why_not_replace(path: Path) -> str | None:
    """Why the demo must not replace this file, or None: only a missing or empty file, an empty
    SQLite database, or an earlier demo may be replaced."""
    import sqlite3

    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return None
    if not path.is_file():
        return f"{path} is not a file"
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            keys = ([row[0] for row in connection.execute("SELECT key FROM partnership ORDER BY key")]
                    if "partnership" in tables else [])
    except sqlite3.Error:
        return f"{path} is not a SQLite database"
    others = [key for key in keys if key != DEMO_KEY]
    if others:
        return f"{path} holds the partnership {', '.join(others)}"
    if tables and "partnership" not in tables:
        return f"{path} is another program's database"
    return None


def demo_yaml(today: date, *, history: bool = False) -> str:
    """The demo partnership's YAML for a given day: meetings, deadlines and actions around it, and
    with `history` a year of what has already happened."""
    calendar = WorkingCalendar("england-and-wales")
    anchor = calendar.next_working_day(today)

    def wd(n: int) -> str:
        return calendar.add_working_days(anchor, n).isoformat()

    # The financial year's quarter, as partnerships name dataset periods (Q3 2026/27).
    fy = today.year if today.month >= 4 else today.year - 1
    quarter = f"Q{((today.month - 4) % 12) // 3 + 1} {fy}/{str(fy + 1)[2:]}"

    def quarter_before(n: int) -> str:
        """The name of the financial quarter n quarters before today's (Q2 2026/27)."""
        index = (today.year * 12 + today.month - 1 - 3 * n)
        year, month = divmod(index, 12)
        start = year if month + 1 >= 4 else year - 1
        return f"Q{(month + 1 - 4) % 12 // 3 + 1} {start}/{str(start + 1)[2:]}"

    env = Environment(undefined=StrictUndefined, keep_trailing_newline=True)
    return env.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        wd=wd, quarter=quarter, quarter_before=quarter_before, year=f"{fy}/{str(fy + 1)[2:]}", history=history)
