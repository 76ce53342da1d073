"""A meeting added or moved in chat at a time the clocks skip is refused, saying why, rather than
saved an hour later than the reply said; the hour that comes twice is the first, as it is shown.
The clock stands at Monday 23 November 2026, 09:00."""

from datetime import datetime, timezone

from sqlmodel import Session, select

from models.meetings import Meeting
from tests.conftest import ADMIN, CHAIR, POLICE

SKIPPED = ("01:30 does not exist on Sun 28 Mar 2027 in the UK: the clocks go forward from 01:00 to 02:00. "
           "Choose another time.")


def starts(engine) -> list[datetime]:
    with Session(engine) as session:
        return list(session.exec(select(Meeting.starts_at).order_by(Meeting.id)))


async def test_a_meeting_at_a_time_the_clocks_skip_is_refused_saying_why(chat, demo):
    before = starts(demo)

    for line in ("meeting add arg 2027-03-28 01:30", "meeting add arg 2027-03-28 01:30 confirm=yes",
                 "meeting add arg 28 March 2027 1.30am Council House"):
        reply = await chat(ADMIN, line)
        assert reply.is_error and not reply.changed, line
        assert reply.text == SKIPPED, line

    assert starts(demo) == before


async def test_the_meeting_form_names_the_time_the_clocks_skip(chat, demo):
    form = (await chat(ADMIN, "meeting add")).form
    reply = await chat(ADMIN, form.command, form={"group": "arg", "date": "28/03/2027", "time": "1.30am",
                                                  "location": "Council House"})
    assert reply.is_error and reply.errors["time"] == SKIPPED
    assert {f.name: f.initial for f in reply.form.fields}["location"] == "Council House"


async def test_moving_a_meeting_to_a_time_the_clocks_skip_is_refused_and_nobody_is_told(chat, demo):
    before = starts(demo)

    reply = await chat(CHAIR, "meeting move 2 2027-03-28 01:30 confirm=yes")

    assert reply.is_error and not reply.changed and reply.text == SKIPPED
    assert starts(demo) == before and chat.sent == []


async def test_the_time_after_the_clocks_go_forward_is_saved_and_listed_as_given(chat, demo):
    added = await chat(ADMIN, "meeting add arg 2027-03-28 02:30 confirm=yes")
    assert added.changed and "Sun 28 Mar 2027 02:30" in added.text
    assert starts(demo)[-1] == datetime(2027, 3, 28, 1, 30, tzinfo=timezone.utc)
    listing = await chat(POLICE, "meetings arg")
    assert any("Sun 28 Mar 2027 02:30" in item.text for item in listing.items)


async def test_the_hour_that_comes_twice_is_the_first_and_is_listed_as_given(chat, demo):
    added = await chat(ADMIN, "meeting add arg 2027-10-31 01:30 confirm=yes")
    assert added.changed and "Sun 31 Oct 2027 01:30" in added.text
    assert starts(demo)[-1] == datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)  # still summer time
    listing = await chat(POLICE, "meetings arg")
    assert any("Sun 31 Oct 2027 01:30" in item.text for item in listing.items)

    moved = await chat(CHAIR, "meeting move 2 2027-10-31 01:45 confirm=yes")
    assert moved.changed and "to Sun 31 Oct 2027 01:45" in moved.text
    with Session(demo) as session:
        assert session.get(Meeting, 2).starts_at == datetime(2027, 10, 31, 0, 45, tzinfo=timezone.utc)
