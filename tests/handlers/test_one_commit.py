"""A command saves in one commit, after its reply and notices are read: what the person is told is
what the database holds.

A handler saves through functions that commit, then reads on (the names and card for its reply,
whom to tell), and the dispatcher reads after it (the buttons each person may press, the notices'
recipients). A failure in that reading, such as a connection lost, used to answer "nothing was
saved" over a saved record, and drop every notice: an urgent escalation nobody was alerted to,
a deputy never told they were named, a cancelled meeting people still went to. Here the
connection fails at the first read after the record is written; the record must then not be
there, and sent again it is saved and everyone told.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, func
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from handlers.core import parse_command
from handlers.dispatch import Dispatcher, Who
from models.escalations import Escalation
from models.meetings import AttendanceAnswer, Meeting, MeetingStatus
from models.submits import FormSubmit
from models.work import Action
from tests.conftest import ADMIN, CHAIR, POLICE, POLICE_DEPUTY, PRACTITIONER

NOTHING_SAVED = "nothing was saved"


@contextmanager
def lost_after_writing(engine, table: str):
    """The connection fails at the first SELECT after a row of `table` is written (once)."""
    state = {"written": False, "failed": 0}

    def before(conn, cursor, statement, params, context, executemany):
        words = statement.lstrip().upper().replace('"', "")
        if state["written"] and not state["failed"] and words.startswith("SELECT"):
            state["failed"] += 1
            raise OperationalError(statement[:60], params, Exception("connection lost"))
        if words.startswith((f"INSERT INTO {table.upper()} ", f"UPDATE {table.upper()} ")):
            state["written"] = True

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield state
    finally:
        event.remove(engine, "before_cursor_execute", before)


def rows(engine, table, *where) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table).where(*where)).one()


async def test_an_escalation_is_not_left_saved_when_the_reply_could_not_be_made(chat, demo):
    before = rows(demo, Escalation)
    line = "escalate urgent capacity: health visiting caseloads above safe level"
    with lost_after_writing(demo, "escalation") as lost:
        reply = await chat(PRACTITIONER, line)
    assert lost["failed"] == 1
    assert reply.is_error and NOTHING_SAVED in reply.text
    assert rows(demo, Escalation) == before  # told nothing was saved: nothing is
    assert chat.sent == []

    again = await chat(PRACTITIONER, line)  # sent again, it is saved, and those who handle it are alerted
    assert again.changed and "already saved" not in again.text
    assert rows(demo, Escalation) == before + 1
    assert {member.email for member, _ in chat.sent} >= {CHAIR, ADMIN}


async def test_a_named_deputy_is_told_when_the_answer_is_saved_and_not_otherwise(chat, demo):
    deputies = rows(demo, AttendanceAnswer, AttendanceAnswer.answer == "deputy")
    with lost_after_writing(demo, "attendance_answer") as lost:
        reply = await chat(POLICE, f"attend arg deputy {POLICE_DEPUTY}")
    assert lost["failed"] == 1 and reply.is_error and NOTHING_SAVED in reply.text
    assert rows(demo, AttendanceAnswer, AttendanceAnswer.answer == "deputy") == deputies
    assert chat.notices_to(POLICE_DEPUTY) == []

    again = await chat(POLICE, f"attend arg deputy {POLICE_DEPUTY}")
    assert again.changed and "already have" not in again.text
    assert len(chat.notices_to(POLICE_DEPUTY)) == 1


async def test_a_cancelled_meeting_is_cancelled_only_with_those_who_answered_told(chat, demo):
    with Session(demo) as session:
        meeting = session.exec(select(Meeting).where(Meeting.status != MeetingStatus.CANCELLED.value)
                               .order_by(Meeting.starts_at.desc())).first()
    with lost_after_writing(demo, "meeting") as lost:
        reply = await chat(CHAIR, f"meeting cancel {meeting.id}")
    assert lost["failed"] == 1 and reply.is_error
    with Session(demo) as session:
        assert session.get(Meeting, meeting.id).status == meeting.status
    again = await chat(CHAIR, f"meeting cancel {meeting.id}")
    assert again.changed and "already cancelled" not in again.text


async def test_a_failure_finding_whom_to_tell_saves_nothing(chat, demo, monkeypatch):
    def cannot_reach(self, reply, place, scope, session):
        raise OperationalError("SELECT member", {}, Exception("connection lost"))

    before = rows(demo, Action)
    monkeypatch.setattr(Dispatcher, "_notices", cannot_reach)
    reply = await chat(CHAIR, f"action add owner={POLICE} due=2027-01-29 Refresh the neglect toolkit")
    assert reply.is_error and NOTHING_SAVED in reply.text
    assert rows(demo, Action) == before  # sent again, it is added once, not twice


async def test_a_tap_whose_saving_failed_can_be_tapped_again(chat, demo):
    """The tap's claim is written with the answer: when the answer is not saved, neither is the claim,
    so the same button pressed again records it rather than answering "already recorded"."""
    who = Who(platform="console", email=POLICE)
    with lost_after_writing(demo, "attendance_answer") as lost:
        reply = await chat.dispatcher.handle(parse_command("attend arg yes"), who, once="tap-1")
    assert lost["failed"] == 1 and reply.is_error
    assert rows(demo, FormSubmit) == 0
    again = await chat.dispatcher.handle(parse_command("attend arg yes"), who, once="tap-1")
    assert again.changed
    assert rows(demo, FormSubmit) == 1
