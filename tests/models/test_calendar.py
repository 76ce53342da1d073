"""Working days on real dates, with each nation's own bank holidays."""

import random
from datetime import date, timedelta

import pytest

from models.calendar import WorkingCalendar

ENGLAND = WorkingCalendar("england-and-wales")
SCOTLAND = WorkingCalendar("scotland")
NORTHERN_IRELAND = WorkingCalendar("northern-ireland")


def test_arg_on_5_january_2027_needs_papers_by_christmas_eve():
    # 25 and 28 December and 1 January are bank holidays in England.
    assert ENGLAND.papers_due(date(2027, 1, 5), 5) == date(2026, 12, 24)


def test_five_clear_working_days_moves_the_deadline_one_working_day_earlier():
    assert ENGLAND.papers_due(date(2027, 1, 5), 5, clear_days=True) == date(2026, 12, 23)


def test_easter_2027_good_friday_and_easter_monday_are_not_working_days():
    assert not ENGLAND.is_working_day(date(2027, 3, 26))  # Good Friday
    assert not ENGLAND.is_working_day(date(2027, 3, 29))  # Easter Monday
    # A meeting on Thursday 1 April 2027: five working days back skips both.
    assert ENGLAND.papers_due(date(2027, 4, 1), 5) == date(2027, 3, 23)


def test_may_bank_holidays_2027():
    assert ENGLAND.bank_holiday(date(2027, 5, 3))  # Early May
    assert ENGLAND.bank_holiday(date(2027, 5, 31))  # Spring
    assert ENGLAND.add_working_days(date(2027, 4, 30), 1) == date(2027, 5, 4)


def test_st_andrews_day_is_a_holiday_in_scotland_only():
    assert SCOTLAND.bank_holiday(date(2026, 11, 30)) is not None
    assert ENGLAND.is_working_day(date(2026, 11, 30))
    assert not SCOTLAND.is_working_day(date(2026, 11, 30))
    # A Scottish meeting on Friday 4 December 2026 loses a day to St Andrew's Day.
    assert SCOTLAND.papers_due(date(2026, 12, 4), 5) == date(2026, 11, 26)
    assert ENGLAND.papers_due(date(2026, 12, 4), 5) == date(2026, 11, 27)


def test_northern_ireland_has_st_patricks_day_and_the_twelfth():
    assert not NORTHERN_IRELAND.is_working_day(date(2027, 3, 17))
    assert not NORTHERN_IRELAND.is_working_day(date(2027, 7, 12))
    assert ENGLAND.is_working_day(date(2027, 3, 17))


def test_scotland_keeps_2_january_and_england_does_not():
    assert not SCOTLAND.is_working_day(date(2026, 1, 2))
    assert ENGLAND.is_working_day(date(2026, 1, 2))


def test_counting_working_days_across_christmas():
    assert ENGLAND.working_days_between(date(2026, 12, 24), date(2027, 1, 5)) == 5
    assert ENGLAND.working_days_between(date(2027, 1, 5), date(2026, 12, 24)) == -5
    assert ENGLAND.add_working_days(date(2026, 12, 24), 5) == date(2027, 1, 5)


def test_weekends_are_never_working_days():
    assert not ENGLAND.is_working_day(date(2026, 11, 21))
    assert ENGLAND.next_working_day(date(2026, 11, 21)) == date(2026, 11, 23)


def test_an_unknown_nation_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="england-and-wales"):
        WorkingCalendar("wales-only")


@pytest.mark.parametrize("nation", ["england-and-wales", "scotland", "northern-ireland"])
def test_working_days_counted_are_the_days_walked_one_by_one(nation):
    """Counting (weekdays less weekday bank holidays) agrees with asking each day in turn, across
    year ends, Easter, substitute days and both directions."""
    calendar = WorkingCalendar(nation)
    rng = random.Random(11)

    def walked(start: date, end: date) -> int:
        lo, hi = sorted((start, end))
        days = sum(calendar.is_working_day(lo + timedelta(days=n)) for n in range(1, (hi - lo).days + 1))
        return days if end >= start else -days

    pairs = [(date(2026, 12, 24), date(2027, 1, 5)), (date(2027, 3, 25), date(2027, 3, 29)),
             (date(2026, 8, 28), date(2026, 8, 31)), (date(2027, 7, 9), date(2027, 7, 13))]
    for _ in range(400):
        start = date(2025, 1, 1) + timedelta(days=rng.randint(0, 1200))
        pairs.append((start, start + timedelta(days=rng.randint(-500, 500))))
    for start, end in pairs:
        assert calendar.working_days_between(start, end) == walked(start, end), (start, end)
