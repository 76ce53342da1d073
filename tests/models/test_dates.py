"""One way of reading dates and times everywhere: every form people write, the words that depend
on the day (read against a fixed today), dates that do not exist, and the words of each refusal."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from models.dates import (DateError, ImpossibleDate, date_value, format_day, moment_value, parse_date, parse_moment,
                          parse_time, take_date, take_time)
from models.imports import parse_day as cell_day

WEDNESDAY = date(2027, 3, 3)
FRIDAY = date(2027, 3, 5)
NEW_YEARS_EVE_EVE = date(2026, 12, 30)  # a Wednesday
NEW_YEARS_DAY = date(2027, 1, 1)  # a Friday
HOW = "write it like 2 March 2027 or 02/03/2027"


@pytest.mark.parametrize("text", [
    "2027-03-02", "2027/03/02", "2027-3-2", "2027-03-02T10:00", "2027-03-02 00:00:00",
    "02/03/2027", "2/3/2027", "2/3/27", "02-03-2027", "2-3-27", "02.03.2027", "2.3.27",
    "2 March 2027", "2 Mar 2027", "2 mar 27", "2 MARCH 2027", "2nd March 2027", "2nd of March 2027",
    "March 2 2027", "March 2nd, 2027", "Tue 2 Mar 2027", "Tuesday 2 March 2027", "Tue, 2nd Mar. 2027",
    "tues 2 mar 2027", "  2   March   2027  ",
])
def test_every_way_of_writing_a_date_in_full(text):
    assert parse_date(text, today=WEDNESDAY) == date(2027, 3, 2)
    assert parse_date(text, today=None) == date(2027, 3, 2)  # none of these depends on the day


@pytest.mark.parametrize("text, expected", [
    ("31st Mar 2027", date(2027, 3, 31)),
    ("1st Jan 2028", date(2028, 1, 1)),
    ("22nd Sept 2027", date(2027, 9, 22)),
    ("23rd December 2027", date(2027, 12, 23)),
    ("29/02/2028", date(2028, 2, 29)),
    ("31/12/99", date(2099, 12, 31)),  # a two-digit year is this century
    ("May 5 2027", date(2027, 5, 5)),
])
def test_ordinals_short_month_names_leap_days_and_two_digit_years(text, expected):
    assert parse_date(text, today=WEDNESDAY) == expected


@pytest.mark.parametrize("today, text, expected", [
    (WEDNESDAY, "today", WEDNESDAY),
    (WEDNESDAY, "Today", WEDNESDAY),
    (WEDNESDAY, "tomorrow", date(2027, 3, 4)),
    (WEDNESDAY, "yesterday", date(2027, 3, 2)),
    (WEDNESDAY, "in 3 days", date(2027, 3, 6)),
    (WEDNESDAY, "in 1 day", date(2027, 3, 4)),
    (WEDNESDAY, "in 2 weeks", date(2027, 3, 17)),
    (WEDNESDAY, "in a week", date(2027, 3, 10)),
    (WEDNESDAY, "in a fortnight", date(2027, 3, 17)),
    (WEDNESDAY, "3 days ago", date(2027, 2, 28)),
    (WEDNESDAY, "a week ago", date(2027, 2, 24)),
    (NEW_YEARS_EVE_EVE, "tomorrow", date(2026, 12, 31)),
    (NEW_YEARS_EVE_EVE, "in 3 days", date(2027, 1, 2)),
    (NEW_YEARS_EVE_EVE, "in 2 weeks", date(2027, 1, 13)),
    (NEW_YEARS_DAY, "yesterday", date(2026, 12, 31)),
])
def test_words_for_days_are_counted_from_today(today, text, expected):
    assert parse_date(text, today=today) == expected


@pytest.mark.parametrize("today, text, expected", [
    # From Wednesday 3 March 2027: a weekday alone is the next one after today.
    (WEDNESDAY, "Friday", date(2027, 3, 5)),
    (WEDNESDAY, "fri", date(2027, 3, 5)),
    (WEDNESDAY, "Thursday", date(2027, 3, 4)),
    (WEDNESDAY, "Wednesday", date(2027, 3, 10)),  # today's weekday is a week today
    (WEDNESDAY, "Monday", date(2027, 3, 8)),
    (WEDNESDAY, "Tuesday", date(2027, 3, 9)),
    # this / next / last: that weekday in this, next or last week, Monday to Sunday.
    (WEDNESDAY, "next Tuesday", date(2027, 3, 9)),
    (WEDNESDAY, "next Friday", date(2027, 3, 12)),
    (WEDNESDAY, "next Monday", date(2027, 3, 8)),
    (WEDNESDAY, "this Friday", date(2027, 3, 5)),
    (WEDNESDAY, "this Tuesday", date(2027, 3, 2)),
    (WEDNESDAY, "this Wednesday", WEDNESDAY),
    (WEDNESDAY, "last Friday", date(2027, 2, 26)),
    (WEDNESDAY, "Next TUESDAY", date(2027, 3, 9)),
    # From Friday 5 March 2027.
    (FRIDAY, "Friday", date(2027, 3, 12)),
    (FRIDAY, "Saturday", date(2027, 3, 6)),
    (FRIDAY, "Monday", date(2027, 3, 8)),
    (FRIDAY, "next Monday", date(2027, 3, 8)),
    (FRIDAY, "next Friday", date(2027, 3, 12)),
    (FRIDAY, "this Friday", FRIDAY),
    (FRIDAY, "last Monday", date(2027, 2, 22)),
    # Across the end of the year.
    (NEW_YEARS_EVE_EVE, "Friday", date(2027, 1, 1)),
    (NEW_YEARS_EVE_EVE, "Monday", date(2027, 1, 4)),
    (NEW_YEARS_EVE_EVE, "next Monday", date(2027, 1, 4)),
    (NEW_YEARS_EVE_EVE, "next Wednesday", date(2027, 1, 6)),
    (NEW_YEARS_DAY, "Friday", date(2027, 1, 8)),
    (NEW_YEARS_DAY, "last Thursday", date(2026, 12, 24)),
    (NEW_YEARS_DAY, "this Monday", date(2026, 12, 28)),
])
def test_weekday_words(today, text, expected):
    assert parse_date(text, today=today) == expected


@pytest.mark.parametrize("today, text, expected", [
    (WEDNESDAY, "4 March", date(2027, 3, 4)),
    (WEDNESDAY, "3 March", WEDNESDAY),  # today is not yet past
    (WEDNESDAY, "2 March", date(2028, 3, 2)),  # yesterday's date comes round next year
    (WEDNESDAY, "2nd Mar", date(2028, 3, 2)),
    (WEDNESDAY, "31 December", date(2027, 12, 31)),
    (WEDNESDAY, "29 Feb", date(2028, 2, 29)),  # the next 29 February there is
    (WEDNESDAY, "Sat 6 Mar", date(2027, 3, 6)),
    (WEDNESDAY, "March 4", date(2027, 3, 4)),
    (WEDNESDAY, "4/3", date(2027, 3, 4)),
    (WEDNESDAY, "2/3", date(2028, 3, 2)),
    (NEW_YEARS_EVE_EVE, "2 January", date(2027, 1, 2)),
    (NEW_YEARS_EVE_EVE, "31 Dec", date(2026, 12, 31)),
    (NEW_YEARS_EVE_EVE, "30/12", NEW_YEARS_EVE_EVE),
    (NEW_YEARS_EVE_EVE, "29/12", date(2027, 12, 29)),
])
def test_a_date_without_a_year_is_the_next_one_not_before_today(today, text, expected):
    assert parse_date(text, today=today) == expected


@pytest.mark.parametrize("today, text, expected", [
    (date(2026, 11, 23), "1 April", date(2026, 4, 1)),
    (date(2026, 11, 23), "23 November", date(2026, 11, 23)),
    (date(2026, 11, 23), "24 November", date(2025, 11, 24)),
    (NEW_YEARS_EVE_EVE, "2 January", date(2026, 1, 2)),
    (NEW_YEARS_DAY, "24/12", date(2026, 12, 24)),
    (WEDNESDAY, "29 Feb", date(2024, 2, 29)),
    (WEDNESDAY, "Friday", date(2027, 2, 26)),
    (WEDNESDAY, "Wednesday", date(2027, 2, 24)),
    (WEDNESDAY, "Tuesday", date(2027, 3, 2)),
    (WEDNESDAY, "next Tuesday", date(2027, 3, 9)),  # this/next/last name a week either way
    (WEDNESDAY, "tomorrow", date(2027, 3, 4)),
])
def test_looking_back_a_date_without_a_year_or_a_weekday_is_the_last_one(today, text, expected):
    assert parse_date(text, today=today, past=True) == expected


@pytest.mark.parametrize("text, says", [
    ("31/02/2027", "there is no 31 February 2027"),
    ("31 February 2027", "there is no 31 February 2027"),
    ("2027-02-31", "there is no 31 February 2027"),
    ("29/02/2027", "there is no 29 February 2027; 2027 is not a leap year"),
    ("29 Feb 2027", "there is no 29 February 2027; 2027 is not a leap year"),
    ("31 April 2027", "there is no 31 April 2027"),
    ("32 March 2027", "there is no 32 March 2027"),
    ("0/3/2027", "there is no day 0"),
    ("2026-13-01", "there is no month 13"),
    ("01/13/2027", "there is no month 13"),
    ("12.13.27", "there is no month 13"),
    ("2027-00-10", "there is no month 0"),
    ("31 April", "there is no 31 April"),
    ("30 Feb", "there is no 30 February"),
    ("31/11", "there is no 31 November"),
    ("Fri 2 Mar 2027", "2 March 2027 is a Tuesday, not a Friday"),
    ("Monday 2nd March", "2 March 2028 is a Thursday, not a Monday"),
])
def test_a_date_that_does_not_exist_is_named_as_impossible(text, says):
    with pytest.raises(ImpossibleDate) as refused:
        parse_date(text, today=WEDNESDAY)
    assert refused.value.message == says


@pytest.mark.parametrize("text, says", [
    ("soon", f"'soon' is not a date; {HOW}"),
    ("2 Marhc 2027", f"'2 Marhc 2027' is not a date; {HOW}"),
    ("03/02/2027/1", f"'03/02/2027/1' is not a date; {HOW}"),
    ("20270302", f"'20270302' is not a date; {HOW}"),
    ("next", f"'next' is not a date; {HOW}"),
    ("", f"no date given; {HOW}"),
    ("   ", f"no date given; {HOW}"),
    ("March 2027", "'March 2027' is a month; give the day too, like 31 March 2027"),
    ("2 March 1000", f"'2 March 1000' is not a date I can use: the year must be between 1900 and 2199; {HOW}"),
    ("x" * 41, f"that is not a date; {HOW}"),
    ("in 99999 weeks", f"'in 99999 weeks' is too far off to be a date I can use; {HOW}"),
])
def test_a_date_that_cannot_be_read_says_how_to_write_it(text, says):
    with pytest.raises(DateError) as refused:
        parse_date(text, today=WEDNESDAY)
    assert refused.value.message == says
    assert not isinstance(refused.value, ImpossibleDate)


@pytest.mark.parametrize("text, says", [
    ("tomorrow", f"'tomorrow' depends on the day it is read; {HOW}"),
    ("Friday", f"'Friday' depends on the day it is read; {HOW}"),
    ("next Tuesday", f"'next Tuesday' depends on the day it is read; {HOW}"),
    ("in 3 days", f"'in 3 days' depends on the day it is read; {HOW}"),
    ("2 March", f"'2 March' needs a year; {HOW}"),
    ("2/3", f"'2/3' needs a year; {HOW}"),
])
def test_without_today_the_words_that_depend_on_the_day_are_refused(text, says):
    with pytest.raises(DateError) as refused:
        parse_date(text, today=None)
    assert refused.value.message == says


def test_an_error_is_a_value_error_with_a_sentence_for_people():
    with pytest.raises(ValueError) as refused:
        parse_date("31/02/2027", today=WEDNESDAY)
    assert refused.value.sentence == "There is no 31 February 2027."
    assert str(refused.value) == "there is no 31 February 2027"


@pytest.mark.parametrize("text, expected", [
    ("March 2027", date(2027, 3, 31)),
    ("Feb 2028", date(2028, 2, 29)),
    ("02/2027", date(2027, 2, 28)),
    ("31/03/2027", date(2027, 3, 31)),
])
def test_with_month_end_a_month_alone_means_its_last_day(text, expected):
    assert parse_date(text, today=None, month_end=True) == expected


@pytest.mark.parametrize("text, expected", [
    ("10:00", time(10, 0)),
    ("9:05", time(9, 5)),
    ("10.00", time(10, 0)),
    ("1000", time(10, 0)),
    ("0930", time(9, 30)),
    ("14:30", time(14, 30)),
    ("14h30", time(14, 30)),
    ("14h", time(14, 0)),
    ("10:00:30", time(10, 0, 30)),
    ("10am", time(10, 0)),
    ("10 AM", time(10, 0)),
    ("2.30pm", time(14, 30)),
    ("2:30 pm", time(14, 30)),
    ("2.30 p.m.", time(14, 30)),
    ("12pm", time(12, 0)),
    ("12.15am", time(0, 15)),
    ("noon", time(12, 0)),
    ("Midday", time(12, 0)),
    ("midnight", time(0, 0)),
    ("00:00", time(0, 0)),
    ("23:59", time(23, 59)),
])
def test_every_way_of_writing_a_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text, says, impossible", [
    ("25:00", "there is no 25:00; the day runs from 00:00 to 23:59", True),
    ("24:00", "there is no 24:00; the day runs from 00:00 to 23:59", True),
    ("10:60", "there is no 10:60; the minutes of an hour go from 00 to 59", True),
    ("13pm", "there is no 13pm; with am or pm the hours go from 1 to 12", True),
    ("0am", "there is no 0am; with am or pm the hours go from 1 to 12", True),
    ("10", "'10' is not a time; write it like 10:00, 14:30 or 2.30pm", False),  # morning or evening?
    ("teatime", "'teatime' is not a time; write it like 10:00, 14:30 or 2.30pm", False),
    ("", "no time given; write it like 10:00, 14:30 or 2.30pm", False),
])
def test_a_bad_time_says_what_is_wrong(text, says, impossible):
    with pytest.raises(DateError) as refused:
        parse_time(text)
    assert refused.value.message == says
    assert isinstance(refused.value, ImpossibleDate) == impossible


@pytest.mark.parametrize("line, expected, rest", [
    ("2027-03-02 10:00 Council House", date(2027, 3, 2), ["10:00", "Council", "House"]),
    ("02/03/2027 10am Council House", date(2027, 3, 2), ["10am", "Council", "House"]),
    ("2 March 2027 2.30 pm Room 4", date(2027, 3, 2), ["2.30", "pm", "Room", "4"]),
    ("Tue 2 Mar 2027 10:00", date(2027, 3, 2), ["10:00"]),
    ("next Tuesday 10:00", date(2027, 3, 9), ["10:00"]),
    ("in 2 weeks", date(2027, 3, 17), []),
    ("tomorrow noon", date(2027, 3, 4), ["noon"]),
    ("4 March 10am", date(2027, 3, 4), ["10am"]),
])
def test_a_date_is_taken_from_the_start_of_a_line_of_words(line, expected, rest):
    assert take_date(line.split(), today=WEDNESDAY) == (expected, rest)


@pytest.mark.parametrize("line, says", [
    ("31 February 2027 10am", "there is no 31 February 2027"),
    ("2 Marhc 2027 10am Council House", f"'2 Marhc 2027' is not a date; {HOW}"),
    ("2/3/27x 10:00", f"'2/3/27x' is not a date; {HOW}"),
    ("soon to 2027-03-31", f"'soon' is not a date; {HOW}"),
])
def test_taking_a_date_that_is_not_there_names_the_words(line, says):
    with pytest.raises(DateError) as refused:
        take_date(line.split(), today=WEDNESDAY)
    assert refused.value.message == says


def test_a_time_is_taken_as_one_word_or_two():
    assert take_time(["2.30", "pm", "Room", "4"]) == (time(14, 30), ["Room", "4"])
    assert take_time(["14:30", "Room", "4"]) == (time(14, 30), ["Room", "4"])


@pytest.mark.parametrize("text, expected", [
    ("2027-03-02T10:00", datetime(2027, 3, 2, 10, 0)),
    ("2027-03-02 10:00", datetime(2027, 3, 2, 10, 0)),
    ("2027-03-02T10:00+00:00", datetime(2027, 3, 2, 10, 0, tzinfo=timezone.utc)),
    ("2 March 2027 10am", datetime(2027, 3, 2, 10, 0)),
    ("02/03/2027 at 2.30 pm", datetime(2027, 3, 2, 14, 30)),
])
def test_a_date_and_time_together(text, expected):
    assert parse_moment(text, today=None) == expected


@pytest.mark.parametrize("text, says", [
    ("next tuesday", "'next tuesday' is not a date and time; write it like 2 March 2027 10:00 or 2027-03-02T10:00"),
    ("2027-03-02", "'2027-03-02' has no time; write it like 2 March 2027 10:00 or 2027-03-02T10:00"),
    ("2027-13-01T10:00", "there is no month 13"),
    ("2027-03-02 25:00", "there is no 25:00; the day runs from 00:00 to 23:59"),
    ("2 March 2027 10am sharp", "'2 March 2027 10am sharp' is not a date and time; write it like 2 March 2027 10:00 "
                                "or 2027-03-02T10:00"),
])
def test_a_bad_date_and_time_says_what_is_wrong(text, says):
    with pytest.raises(DateError) as refused:
        parse_moment(text, today=None)
    assert refused.value.message == says


def test_values_read_from_a_file_may_already_be_dates():
    assert date_value(date(2027, 3, 2)) == date(2027, 3, 2)
    assert date_value(datetime(2027, 3, 2, 10, 0)) == date(2027, 3, 2)
    assert date_value("02/03/2027") == date(2027, 3, 2)
    with pytest.raises(DateError, match="depends on the day"):
        date_value("tomorrow")
    assert moment_value(datetime(2027, 3, 2, 10, 0)) == datetime(2027, 3, 2, 10, 0)
    assert moment_value(date(2027, 3, 2), default_time=time(10, 0)) == datetime(2027, 3, 2, 10, 0)
    assert moment_value("2027-03-02", default_time=time(10, 0)) == datetime(2027, 3, 2, 10, 0)
    with pytest.raises(DateError, match="Tue 2 Mar 2027 has no time"):
        moment_value(date(2027, 3, 2))


def test_the_house_style_for_showing_a_date():
    assert format_day(date(2027, 3, 2)) == "Tue 2 Mar 2027"
    assert format_day(datetime(2026, 12, 24, 15, 0)) == "Thu 24 Dec 2026"


@pytest.mark.parametrize("cell, expected", [
    ("Tue 2 Mar 2027", date(2027, 3, 2)),
    ("2nd of March 2027", date(2027, 3, 2)),
    ("2.3.27", date(2027, 3, 2)),
    ("March 2027", date(2027, 3, 31)),
    (46000, date(2025, 12, 9)),
    (datetime(2027, 3, 2, 0, 0), date(2027, 3, 2)),
])
def test_spreadsheet_cells_are_read_with_the_same_grammar(cell, expected):
    assert cell_day(cell) == expected


@pytest.mark.parametrize("cell, says", [
    ("31/02/2027", "there is no 31 February 2027"),
    ("Fri 2 Mar 2027", "2 March 2027 is a Tuesday, not a Friday"),
    ("tomorrow", f"'tomorrow' depends on the day it is read; {HOW}"),
    ("when possible", f"'when possible' is not a date; {HOW}"),
])
def test_spreadsheet_cells_are_refused_in_the_same_words(cell, says):
    with pytest.raises(ValueError) as refused:
        cell_day(cell)
    assert str(refused.value) == says
