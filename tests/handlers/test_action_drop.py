"""action drop and action reopen: an action no longer needed is closed with its reason, by a chair or
the business unit, and can be opened again; its owner stops being reminded in between."""

from sqlmodel import Session, select

from models.audit import AuditEvent
from models.work import Action
from tests.conftest import ADMIN, CHAIR, HOUSING, POLICE


async def test_a_chair_drops_an_action_with_the_reason_and_it_leaves_the_owners_list(chat, demo):
    reply = await chat(CHAIR, "action drop 2 Superseded by the neglect strategy's plan")
    assert reply.changed and "Dropped action #2" in reply.text
    with Session(demo) as session:
        action = session.get(Action, 2)
        assert (action.status, action.dropped_reason) == ("dropped", "Superseded by the neglect strategy's plan")
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "action.dropped")).one()
    assert event.entity_id == 2 and event.after["dropped_reason"] == "Superseded by the neglect strategy's plan"
    assert [i.text[:3] for i in (await chat(CHAIR, "actions")).items] == ["#4 "]
    refused = await chat(CHAIR, "action done 2")
    assert refused.is_error and "`action reopen 2`" in refused.text


async def test_without_a_reason_a_form_asks_for_one_and_nothing_changes(chat, demo):
    reply = await chat(ADMIN, "action drop 2")
    assert reply.form is not None and [f.name for f in reply.form.fields] == ["reason"]
    assert not reply.changed
    saved = await chat(ADMIN, "action drop 2", form={"reason": "No longer required after the re-inspection"})
    assert saved.changed
    with Session(demo) as session:
        assert session.get(Action, 2).dropped_reason == "No longer required after the re-inspection"


async def test_a_reopened_action_is_open_and_reminded_again(chat, demo):
    await chat(CHAIR, "action done 2")
    reply = await chat(ADMIN, "action reopen 2")
    assert reply.changed and "is open again" in reply.text
    with Session(demo) as session:
        action = session.get(Action, 2)
        assert (action.status, action.completed_at, action.dropped_reason) == ("open", None, None)
    assert "open already" in (await chat(ADMIN, "action reopen 2")).text


async def test_an_owner_cannot_drop_their_own_action_and_a_childs_details_are_not_kept(chat, demo):
    refused = await chat(POLICE, "action drop 3 not doing it")
    assert refused.is_error and "Only chairs and the business unit" in refused.text
    masked = await chat(CHAIR, "action drop 2 see NHS 943 476 5919")
    assert masked.is_error and "943 476 5919" not in masked.text
    with Session(demo) as session:
        assert session.get(Action, 2).status == "open"


async def test_a_dropped_action_reopened_can_be_marked_done_and_cannot_be_dropped_twice(chat, demo):
    await chat(CHAIR, "action drop 2 Superseded")
    again = await chat(CHAIR, "action drop 2 Superseded again")
    assert again.is_error and "already dropped" in again.text and "`action reopen 2`" in again.text
    assert (await chat(ADMIN, "action reopen 2")).changed
    done = await chat(CHAIR, "action done 2")
    assert done.changed and "is done" in done.text
    with Session(demo) as session:
        assert (session.get(Action, 2).status, session.get(Action, 2).dropped_reason) == ("done", None)


async def test_an_owner_who_marked_an_action_done_by_mistake_undoes_it(chat, demo):
    done = await chat(POLICE, "action done 3")
    [undo] = done.buttons
    assert done.changed and undo.label == "Undo" and undo.command.startswith("action reopen 3 marked=")

    undone = await chat(POLICE, done.buttons[0].command)

    assert undone.changed and "You get reminders for it as before" in undone.text
    assert [b.command for b in undone.buttons][0] == "action done 3"
    assert "action drop 3" not in [b.command for b in undone.buttons]  # dropping is for chairs
    with Session(demo) as session:
        assert (session.get(Action, 3).status, session.get(Action, 3).completed_at) == ("open", None)
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "action.reopened")).all()
    assert event.actor_id is not None and event.entity_id == 3


async def test_only_those_who_may_mark_it_done_may_undo_it_and_a_dropped_one_stays_with_the_chairs(chat, demo):
    assert (await chat(POLICE, "action done 3")).changed
    theirs = await chat(HOUSING, "action reopen 3")
    assert theirs.is_error and "belongs to DI Mark Evans" in theirs.text
    assert (await chat(ADMIN, "action reopen 3")).changed
    assert (await chat(ADMIN, "action drop 3 Covered by the new audit plan")).changed
    dropped = await chat(POLICE, "action reopen 3")
    assert dropped.is_error and "only chairs and the business unit can open it again" in dropped.text
    with Session(demo) as session:
        assert session.get(Action, 3).status == "dropped"


async def test_an_old_undo_does_not_reopen_an_action_marked_done_again_or_dropped_since(chat, demo, clock):
    from datetime import timedelta

    first = await chat(POLICE, "action done 3")
    assert (await chat(POLICE, first.buttons[0].command)).changed
    clock.moment += timedelta(minutes=3)
    assert (await chat(POLICE, "action done 3")).changed
    stale = await chat(POLICE, first.buttons[0].command)
    assert not stale.changed and "has been marked done again since that message" in stale.text
    assert (await chat(ADMIN, "action reopen 3")).changed
    assert (await chat(ADMIN, "action drop 3 Covered by the new audit plan")).changed
    dropped = await chat(ADMIN, first.buttons[0].command)
    assert not dropped.changed and "has been dropped since that message" in dropped.text
    with Session(demo) as session:
        assert session.get(Action, 3).status == "dropped"


async def test_an_overdue_action_reopened_says_how_overdue_it_is(chat, demo):
    from datetime import date

    with Session(demo) as session:
        action = session.get(Action, 3)
        action.due_date = date(2026, 11, 16)  # a Monday: five working days before the clock's Mon 23 Nov
        session.add(action)
        session.commit()
    assert (await chat(POLICE, "action done 3")).changed
    reply = await chat(POLICE, "action reopen 3")
    assert reply.changed and "is open again, due Mon 16 Nov 2026 (overdue by 5 working days)." in reply.text
