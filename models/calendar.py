"""Working days: Monday to Friday, less the bank holidays of the partnership's nation."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from models.partnership import Nation

# The `holidays` package names the UK's nations by subdivision code.
_SUBDIVISION = {
    Nation.ENGLAND_AND_WALES: "ENG",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}


class WorkingCalendar:
    """Counts working days for one nation. Bank holidays come from the `holidays` package."""

    def __init__(self, nation: str | Nation = Nation.ENGLAND_AND_WALES, timezone: str = "Europe/London"):
        try:
            self.nation = Nation(nation)
        except ValueError:
            known = ", ".join(n.value for n in Nation)
            raise ValueError(f"unknown nation {nation!r}; use one of: {known}") from None
        self.zone = ZoneInfo(timezone)
        self._bank_holidays: Any = None
        self._by_year: dict[int, list[date]] = {}

    @property
    def _holidays(self) -> Any:
        """The nation's bank holidays, loaded when a working day is first counted: the `holidays`
        package loads every country it knows, which a command that counts no days need not wait for."""
        if self._bank_holidays is None:
            import holidays

            self._bank_holidays = holidays.country_holidays("GB", subdiv=_SUBDIVISION[self.nation])
        return self._bank_holidays

    def bank_holiday(self, day: date) -> str | None:
        """The name of the bank holiday on this day, or None."""
        return self._holidays.get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def add_working_days(self, day: date, n: int) -> date:
        """The date n working days after `day` (before it when n is negative). n=0 gives `day`."""
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        current = day
        while remaining:
            current += timedelta(days=step)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative if end is earlier).
        Counted, not walked: the weekdays in between, less the bank holidays that fall on one (a
        list of every action's lateness asks this hundreds of times)."""
        if end == start:
            return 0
        sign = 1 if end > start else -1
        lo, hi = (start, end) if sign > 0 else (end, start)
        holidays = 0
        for year in range(lo.year, hi.year + 1):
            days = self._weekday_holidays(year)
            holidays += bisect_right(days, hi) - bisect_right(days, lo)
        return sign * (_weekdays_through(hi) - _weekdays_through(lo) - holidays)

    def _weekday_holidays(self, year: int) -> list[date]:
        """The bank holidays of a year that fall Monday to Friday, in order (worked out once a year)."""
        found = self._by_year.get(year)
        if found is None:
            first = date(year, 1, 1)
            every_day = (first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days))
            found = self._by_year[year] = [day for day in every_day if day.weekday() < 5 and day in self._holidays]
        return found

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def papers_due(self, meeting_day: date, notice_working_days: int = 5, clear_days: bool = False) -> date:
        """The day papers must go out: N working days before the meeting, one earlier if clear days."""
        return self.add_working_days(meeting_day, -(notice_working_days + (1 if clear_days else 0)))

    def local_date(self, moment: datetime) -> date:
        """The date of a UTC moment in the partnership's zone."""
        return moment.astimezone(self.zone).date()

    def local_datetime(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)


def _weekdays_through(day: date) -> int:
    """Monday-to-Friday days from 1 January of year 1 (a Monday) up to and including `day`."""
    weeks, rest = divmod(day.toordinal(), 7)
    return 5 * weeks + min(rest, 5)


@lru_cache(maxsize=16)
def calendar_for(nation: str, timezone: str = "Europe/London") -> WorkingCalendar:
    """A shared calendar per nation and zone (building the holiday table is not free)."""
    return WorkingCalendar(nation, timezone)
