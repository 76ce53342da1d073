"""Working days counted the fast way, for a sweep that asks the same question of thousands of dates.

The calendar walks day by day; a sweep asks "how many working days from here" for every item,
so it counts once over a range of dates and answers by subtraction.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from models.calendar import WorkingCalendar


class WorkingDayCount:
    """Working days between two dates at a glance, for a range of dates (the calendar walks day by day)."""

    def __init__(self, calendar: WorkingCalendar, first: date, last: date):
        self.calendar = calendar
        self.first, self.last = first, last
        running, self._upto = 0, []
        for offset in range((last - first).days + 1):
            running += calendar.is_working_day(first + timedelta(offset))
            self._upto.append(running)

    def reach_back(self, first: date) -> None:
        """Cover dates back to `first` as well (the oldest open item may be years old)."""
        if first < self.first:
            self.__init__(self.calendar, first, self.last)

    def between(self, start: date, end: date) -> int:
        """As WorkingCalendar.working_days_between: working days after `start` up to and including `end`."""
        if self.first <= start <= self.last and self.first <= end <= self.last:
            return self._upto[(end - self.first).days] - self._upto[(start - self.first).days]
        return self.calendar.working_days_between(start, end)

    def when(self, due: date, today: date) -> tuple[str, int]:
        """("ahead", n), ("today", 0) or ("overdue", n): where a date stands from today, in working days.

        A date on a weekend or bank holiday counts as today on the working day before it.
        """
        if due >= today:
            lead = self.between(today, due)
            return ("today", 0) if lead == 0 else ("ahead", lead)
        return "overdue", self.between(due, today)


def start_of_day(day: date, calendar: WorkingCalendar) -> datetime:
    """Local midnight at the start of a day, as a UTC moment."""
    return datetime.combine(day, time(0, 0), tzinfo=calendar.zone).astimezone(timezone.utc)


def is_report_day(calendar: WorkingCalendar, day: date, weekday: int) -> bool:
    """The weekly report goes on its weekday, or on the first working day after it that week."""
    if not calendar.is_working_day(day) or day.weekday() < weekday:
        return False
    monday = day - timedelta(day.weekday())
    earlier = (monday + timedelta(d) for d in range(weekday, day.weekday()))
    return not any(calendar.is_working_day(d) for d in earlier)
