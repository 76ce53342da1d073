"""The day something was done, when it was not today: `minutes 1 on 6/11/2026`, `return done 4
30/11/2026`, `action done 12 completed Friday`, `paper done 3 yesterday`.

These used to save today whatever followed the number: minutes sent on time were recorded as
late, a return sent before its due date as overdue in the returns report, with no way to put it
right. A day is now read, looking back; a day to come, a day before the meeting, or words that
are not a day are refused and nothing is saved.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, select

from models.calendar import calendar_for
from models.partnership import Member
from models.meetings import Meeting, Paper
from models.work import Action, ActionStatus, DataReturn
from tests.conftest import ADMIN, CHAIR, POLICE

TODAY = date(2026, 11, 23)  # the clock's day, a Monday


def local_day(moment) -> date | None:
    return calendar_for("england-and-wales").local_date(moment) if moment is not None else None


def row(engine, table, row_id: int):
    with Session(engine) as session:
        return session.get(table, row_id)


def open_action(engine, owner_email: str) -> Action:
    with Session(engine) as session:
        owner = session.exec(select(Member).where(Member.email == owner_email)).one()
        return session.exec(select(Action).where(Action.owner_id == owner.id,
                                                 Action.status == ActionStatus.OPEN.value)).first()


def held_meeting(engine) -> Meeting:
    with Session(engine) as session:
        return session.exec(select(Meeting).where(Meeting.minutes_circulated_at.is_(None),
                                                  Meeting.starts_at < datetime(2026, 11, 23, tzinfo=timezone.utc))
                               .order_by(Meeting.starts_at.desc())).first()


async def test_a_return_submitted_on_an_earlier_day_is_saved_on_that_day(chat, demo):
    reply = await chat(POLICE, "return done 1 submitted 20/11/2026")
    assert reply.changed and "marked submitted on Fri 20 Nov 2026" in reply.text
    assert local_day(row(demo, DataReturn, 1).submitted_at) == date(2026, 11, 20)


@pytest.mark.parametrize(("typed", "day"), [
    ("completed on Friday", date(2026, 11, 20)),
    ("yesterday", date(2026, 11, 22)),
    ("on 2 November 2026", date(2026, 11, 2)),
    ("", TODAY),
])
async def test_an_action_done_on_a_day_given_in_any_way_dates_read_is_saved_on_it(chat, demo, typed, day):
    action = open_action(demo, POLICE)
    reply = await chat(POLICE, f"action done {action.id} {typed}")
    assert reply.changed, reply.text
    assert local_day(row(demo, Action, action.id).completed_at) == day


async def test_minutes_sent_on_time_are_recorded_as_on_time(chat, demo):
    meeting = held_meeting(demo)
    held = local_day(meeting.starts_at)
    sent = date.fromordinal(held.toordinal() + 7)
    reply = await chat(CHAIR, f"minutes {meeting.id} on {sent:%d/%m/%Y}")
    assert reply.changed and f"circulated on {sent:%a} {sent.day} {sent:%b %Y}, 7 days after" in reply.text
    assert local_day(row(demo, Meeting, meeting.id).minutes_circulated_at) == sent


async def test_minutes_before_the_meeting_are_refused(chat, demo):
    meeting = held_meeting(demo)
    before = date.fromordinal(local_day(meeting.starts_at).toordinal() - 1)
    reply = await chat(CHAIR, f"minutes {meeting.id} {before:%d/%m/%Y}")
    assert reply.is_error and "Nothing was saved" in reply.text
    assert row(demo, Meeting, meeting.id).minutes_circulated_at is None


@pytest.mark.parametrize("typed", ["tomorrow", "flibble", "next week"])
async def test_a_day_to_come_or_words_that_are_not_a_day_save_nothing(chat, demo, typed):
    action = open_action(demo, POLICE)
    reply = await chat(POLICE, f"action done {action.id} {typed}")
    assert reply.is_error and "Nothing was saved" in reply.text
    assert row(demo, Action, action.id).status == ActionStatus.OPEN.value


async def test_a_paper_sent_in_yesterday_is_saved_yesterday(chat, demo):
    with Session(demo) as session:
        paper = session.exec(select(Paper).where(Paper.submitted_at.is_(None))).first()
        owner = session.get(Member, paper.owner_id)
    reply = await chat(owner.email if owner.active else ADMIN, f"paper done {paper.id} yesterday")
    assert reply.changed, reply.text
    assert local_day(row(demo, Paper, paper.id).submitted_at) == date(2026, 11, 22)
