"""return reopen and paper reopen: a return or paper marked in by mistake is chased again."""

from datetime import timedelta

from sqlmodel import Session, select

from models.audit import AuditEvent
from models.meetings import Paper
from models.work import DataReturn
from tests.conftest import ADMIN, CHAIR, HOUSING, POLICE


def events(engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def submitted(engine, model, row_id: int):
    with Session(engine) as session:
        return session.get(model, row_id).submitted_at


async def test_a_return_marked_submitted_by_mistake_is_undone_and_chased_again(chat, demo):
    done = await chat(CHAIR, "return done 4")
    [undo] = done.buttons
    assert done.changed and undo.label == "Undo" and undo.command.startswith("return reopen 4 marked=2026112")

    undone = await chat(CHAIR, done.buttons[0].command)

    assert undone.changed and not undone.is_error
    assert undone.text == ("Return #4 \"Section 11 self-assessment\" (2026/27) is outstanding again (it was marked "
                           "submitted on Mon 23 Nov 2026). Due Tue 17 Nov 2026, late by 4 working days; reminders for "
                           "it start again.")
    assert "return done 4" in [b.command for b in undone.buttons]
    assert submitted(demo, DataReturn, 4) is None
    with Session(demo) as session:
        assert session.get(DataReturn, 4).submitted_by_id is None
    [event] = events(demo, "return.reopened")
    assert (event.entity, event.entity_id) == ("data_return", 4)
    assert event.before["submitted_at"] is not None and event.after == {"submitted_at": None, "submitted_by_id": None}
    listing = await chat(CHAIR, "returns")
    assert "2 returns outstanding, 1 late" in listing.text


async def test_a_return_not_marked_submitted_is_left_as_it_is(chat, demo):
    reply = await chat(CHAIR, "return reopen 4")
    assert not reply.changed and not reply.is_error and "is not marked submitted. Nothing changed." in reply.text
    assert events(demo, "return.reopened") == []


async def test_another_agencys_return_cannot_be_undone(chat, demo):
    assert (await chat(POLICE, "return done 1")).changed
    reply = await chat(HOUSING, "return reopen 1")
    assert reply.is_error and "belongs to another agency" in reply.text
    assert submitted(demo, DataReturn, 1) is not None and events(demo, "return.reopened") == []
    assert (await chat(ADMIN, "return reopen 1")).changed  # the business unit may


async def test_a_paper_marked_in_by_mistake_is_undone_by_its_owner_or_the_chair(chat, demo):
    done = await chat(HOUSING, "paper done 4")
    [undo] = done.buttons
    assert undo.label == "Undo" and undo.command.startswith("paper reopen 4 marked=")

    undone = await chat(HOUSING, undo.command)

    assert undone.changed
    assert undone.text.startswith("\"Housing complaints themes\" is not in after all (it was marked in on Mon 23 Nov "
                                  "2026): papers for Assurance and Review Group on Wed 2 Dec 2026 are due by ")
    assert undone.text.endswith("reminders for it start again.")
    assert [b.command for b in undone.buttons][0] == "paper done 4"
    assert submitted(demo, Paper, 4) is None
    [event] = events(demo, "paper.reopened")
    assert event.entity_id == 4 and event.after == {"submitted_at": None}

    assert (await chat(HOUSING, "paper done 4")).changed
    by_chair = await chat(CHAIR, "paper reopen 4")
    assert by_chair.changed and [b.command for b in by_chair.buttons] == ["paper done 4"]  # no snoozes of hers


async def test_someone_else_cannot_undo_my_paper(chat, demo):
    assert (await chat(HOUSING, "paper done 4")).changed
    reply = await chat(POLICE, "paper reopen 4")
    assert reply.is_error and "belongs to Aisha Rahman" in reply.text
    assert submitted(demo, Paper, 4) is not None


async def test_a_paper_for_a_meeting_already_held_is_not_said_to_be_chased(chat, demo, clock):
    assert (await chat(HOUSING, "paper done 4")).changed
    clock.moment += timedelta(days=10)  # past the meeting on Wed 2 Dec
    reply = await chat(HOUSING, "paper reopen 4")
    assert reply.changed
    assert "the meeting of Assurance and Review Group was on Wed 2 Dec 2026, so it gets no reminders" in reply.text
    assert "start again" not in reply.text


async def test_an_undo_from_an_older_message_does_not_undo_a_later_marking(chat, demo, clock):
    first = await chat(CHAIR, "return done 4")
    assert (await chat(CHAIR, first.buttons[0].command)).changed  # undone
    clock.moment += timedelta(hours=2)
    assert (await chat(CHAIR, "return done 4")).changed  # marked again, for real

    stale = await chat(CHAIR, first.buttons[0].command)  # the first message's Undo, pressed again

    assert not stale.changed and "since that message (recorded for " in stale.text
    assert "so that button changed nothing" in stale.text
    assert "`return reopen 4`" in stale.text
    assert submitted(demo, DataReturn, 4) is not None
    assert len(events(demo, "return.reopened")) == 1
    assert (await chat(CHAIR, "return reopen 4")).changed  # typed, it undoes the marking there is


async def test_a_papers_old_undo_leaves_a_later_marking_alone(chat, demo, clock):
    first = await chat(HOUSING, "paper done 4")
    assert (await chat(HOUSING, first.buttons[0].command)).changed
    clock.moment += timedelta(minutes=5)
    assert (await chat(HOUSING, "paper done 4")).changed
    stale = await chat(HOUSING, first.buttons[0].command)
    assert not stale.changed and "button changed nothing" in stale.text and submitted(demo, Paper, 4) is not None


async def test_an_old_undo_of_a_backdated_marking_leaves_a_later_one_for_the_same_day_alone(chat, demo, clock):
    first = await chat(CHAIR, "return done 4 yesterday")
    assert (await chat(CHAIR, first.buttons[0].command)).changed
    clock.moment += timedelta(minutes=5)
    again = await chat(CHAIR, "return done 4 yesterday")  # the same day given, marked again
    assert again.changed and again.buttons[0].command != first.buttons[0].command

    stale = await chat(CHAIR, first.buttons[0].command)

    assert not stale.changed and "button changed nothing" in stale.text
    kept = submitted(demo, DataReturn, 4)
    assert kept is not None and kept.date() == (clock.now() - timedelta(days=1)).date()
