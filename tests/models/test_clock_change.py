"""A meeting's local time is the time the clocks show. One the clocks skip when they go forward
(01:30 on Sunday 28 March 2027 in the UK) is refused, never moved; one that comes twice when they go
back (01:30 on Sunday 31 October 2027) is the first, in summer time, wherever it is written."""

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from models import Meeting
from models.dates import DateError, local_moment
from models.loader import LoadError, load_text
from tests.models.test_loader import GOOD, counts

LONDON = ZoneInfo("Europe/London")
SKIPPED = ("01:30 does not exist on Sun 28 Mar 2027 in the UK: the clocks go forward from 01:00 to 02:00; "
           "choose another time")


def test_a_time_the_clocks_skip_is_refused_saying_why():
    with pytest.raises(DateError) as error:
        local_moment(date(2027, 3, 28), time(1, 30), LONDON)
    assert error.value.message == SKIPPED
    assert error.value.sentence == ("01:30 does not exist on Sun 28 Mar 2027 in the UK: the clocks go forward from "
                                    "01:00 to 02:00. Choose another time.")
    for skipped in (time(1, 0), time(1, 59)):
        with pytest.raises(DateError):
            local_moment(date(2027, 3, 28), skipped, LONDON)


def test_the_times_either_side_of_the_change_are_kept_as_the_clocks_show_them():
    assert local_moment(date(2027, 3, 28), time(0, 59), LONDON).astimezone(timezone.utc) == datetime(
        2027, 3, 28, 0, 59, tzinfo=timezone.utc)
    after = local_moment(date(2027, 3, 28), time(2, 0), LONDON)
    assert after.astimezone(timezone.utc) == datetime(2027, 3, 28, 1, 0, tzinfo=timezone.utc)
    assert f"{after:%H:%M}" == "02:00"


def test_the_hour_that_comes_twice_is_the_first_in_summer_time():
    first = local_moment(date(2027, 10, 31), time(1, 30), LONDON)
    assert first.astimezone(timezone.utc) == datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)
    assert f"{first.astimezone(timezone.utc).astimezone(LONDON):%H:%M}" == "01:30"  # shown back as given


def test_another_zone_names_its_own_clocks():
    with pytest.raises(DateError) as error:
        local_moment(date(2027, 3, 14), time(2, 30), ZoneInfo("America/New_York"))
    assert error.value.message == ("02:30 does not exist on Sun 14 Mar 2027 in the America/New_York time zone: the "
                                   "clocks go forward from 02:00 to 03:00; choose another time")


def test_a_meeting_at_a_time_the_clocks_skip_is_refused_by_line_and_nothing_loads(engine):
    text = GOOD.replace("starts: 2027-01-12T10:00", "starts: 2027-03-28T01:30").replace(
        "meeting: 2027-01-12", "meeting: 2027-03-28")
    with Session(engine) as session, pytest.raises(LoadError) as error:
        load_text(text, session=session)
    assert error.value.problems == [f"line 18: meetings[0].starts: {SKIPPED}",
                                    "line 19: papers[0].meeting: qp has no meeting on 2027-03-28",
                                    "line 20: attendance[0].meeting: qp has no meeting on 2027-03-28"]
    assert counts(engine)["Meeting"] == counts(engine)["Group"] == 0


def test_other_moments_in_the_file_are_read_the_same_way(engine):
    text = GOOD.replace("starts: 2027-01-12T10:00, location: Online}", "starts: 2027-01-12T10:00, location: Online, "
                        "minutes: 2027-03-28 01:15}")
    with Session(engine) as session, pytest.raises(LoadError) as error:
        load_text(text, session=session)
    assert error.value.problems == [
        ("line 18: meetings[0].minutes: 01:15 does not exist on Sun 28 Mar 2027 in the UK: the clocks go forward "
         "from 01:00 to 02:00; choose another time")]


def test_a_moment_written_with_its_offset_is_taken_as_written(engine):
    text = GOOD.replace("starts: 2027-01-12T10:00", "starts: '2027-03-28T01:30+00:00'").replace(
        "meeting: 2027-01-12", "meeting: 2027-03-28")
    with Session(engine) as session:
        load_text(text, session=session)
        assert session.exec(select(Meeting.starts_at)).one() == datetime(2027, 3, 28, 1, 30, tzinfo=timezone.utc)


def test_the_hour_that_comes_twice_loads_as_chat_adds_it(engine):
    text = GOOD.replace("starts: 2027-01-12T10:00", "starts: 2027-10-31T01:30").replace(
        "meeting: 2027-01-12", "meeting: 2027-10-31")
    with Session(engine) as session:
        load_text(text, session=session)
        assert session.exec(select(Meeting.starts_at)).one() == datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)
