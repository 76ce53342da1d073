"""When someone else marks what is yours done, reopens it or drops it, you hear of it.

A chair or the business unit marking an action done, a colleague marking the agency's return
submitted, a chair marking a paper in: the owner is told privately, by whom, with a button to put
it right if it was a mistake. The person making the change is told that the owner was told.
Nobody is told of their own change, and nobody who has left.
"""

from __future__ import annotations

from sqlmodel import Session, select

from models.meetings import Paper
from models.partnership import Member
from models.work import Action, ActionStatus, DataReturn
from tests.conftest import ADMIN, CHAIR, HOUSING, POLICE

COLLEAGUE = "sam.patel@police.example.org"  # police, like the owner of return 1


def owner_of(engine, model, row_id: int) -> str:
    with Session(engine) as session:
        return session.get(Member, session.get(model, row_id).owner_id).email


def status_of(engine, action_id: int) -> str:
    with Session(engine) as session:
        return session.get(Action, action_id).status


async def test_an_action_marked_done_by_the_business_unit_is_told_to_its_owner_who_can_undo_it(chat, demo):
    assert owner_of(demo, Action, 6) == HOUSING

    done = await chat(ADMIN, "action done 6")

    assert done.changed and done.text.endswith("I've told Aisha Rahman.")
    [notice] = chat.notices_to(HOUSING)
    assert notice.title == "Your action is marked done" and notice.private
    assert notice.text.startswith("Priya Shah marked your action #6 \"Brief housing officers on escalation policy\" "
                                  "done, on ")
    [undo] = notice.buttons
    assert undo.label == "Not done after all" and undo.command.startswith("action reopen 6 marked=")
    reopened = await chat(HOUSING, undo.command)
    assert reopened.changed and status_of(demo, 6) == ActionStatus.OPEN.value


async def test_an_action_reopened_or_dropped_by_a_chair_is_told_to_its_owner(chat, demo):
    await chat(ADMIN, "action done 6")
    chat.sent.clear()

    await chat(CHAIR, "action reopen 6")
    [opened] = chat.notices_to(HOUSING)
    assert opened.title == "Your action is open again" and opened.text.startswith("Helen Carter opened your action #6")
    assert [b.label for b in opened.buttons] == ["Done", "Add update", "Snooze 1 day", "Snooze 1 week"]
    chat.sent.clear()

    dropped = await chat(CHAIR, "action drop 6 Superseded by the housing review")
    assert dropped.changed and dropped.text.endswith("I've told Aisha Rahman.")
    [notice] = chat.notices_to(HOUSING)
    assert notice.title == "Your action was dropped" and "Superseded by the housing review" in notice.text
    assert notice.buttons == []  # only the chairs and the business unit open a dropped action again


async def test_nobody_is_told_of_their_own_change(chat, demo):
    mine = await chat(HOUSING, "action done 6")
    assert mine.changed and "I've told" not in mine.text
    await chat(HOUSING, mine.buttons[0].command)
    await chat(HOUSING, "paper done 4")
    assert chat.sent == []


async def test_a_paper_marked_in_and_out_by_the_chair_is_told_to_its_owner(chat, demo):
    assert owner_of(demo, Paper, 4) == HOUSING

    done = await chat(CHAIR, "paper done 4")

    assert done.changed and done.text.endswith("I've told Aisha Rahman.")
    [notice] = chat.notices_to(HOUSING)
    assert notice.title == "Your paper is marked in" and "Helen Carter marked your paper \"Housing complaints" \
        in notice.text
    assert [b.label for b in notice.buttons] == ["Not in after all"]
    chat.sent.clear()

    await chat(CHAIR, "paper reopen 4")
    [again] = chat.notices_to(HOUSING)
    assert again.title == "Your paper is not in after all"
    assert [b.command for b in again.buttons] == ["paper done 4", "snooze paper 4 day", "snooze paper 4 week"]


async def test_a_return_marked_by_a_colleague_is_told_to_the_person_responsible(chat, demo):
    assert owner_of(demo, DataReturn, 1) == POLICE

    done = await chat(COLLEAGUE, "return done 1")

    assert done.changed and done.text.endswith("I've told DI Mark Evans.")
    [notice] = chat.notices_to(POLICE)
    assert notice.title == "Your return is marked submitted"
    assert notice.text.startswith("DS Sam Patel marked the return #1 \"Multi-agency dataset figures and commentary\" "
                                  "(Q3 2026/27), which you are responsible for, submitted on ")
    [undo] = notice.buttons
    assert undo.command.startswith("return reopen 1 marked=")
    chat.sent.clear()

    await chat(COLLEAGUE, "return reopen 1")
    [again] = chat.notices_to(POLICE)
    assert again.title == "Your return is outstanding again"
    assert [b.command for b in again.buttons] == ["return done 1", "snooze return 1 day", "snooze return 1 week"]


async def test_an_owner_who_has_left_is_not_told(chat, demo):
    asked = await chat(ADMIN, f"member remove {HOUSING}")
    await chat(ADMIN, asked.buttons[0].command)
    with Session(demo) as session:
        still_theirs = session.exec(select(Paper).where(Paper.id == 4)).one().owner_id
        assert session.get(Member, still_theirs).email == HOUSING
    chat.sent.clear()

    done = await chat(CHAIR, "paper done 4")

    assert done.changed and "I've told" not in done.text
    assert chat.sent == []


async def test_whoever_marked_it_done_is_told_when_the_owner_says_it_is_not(chat, demo):
    done = await chat(ADMIN, "action done 6")
    [notice] = chat.notices_to(HOUSING)
    chat.sent.clear()

    reopened = await chat(HOUSING, notice.buttons[0].command)  # Not done after all

    assert reopened.changed and reopened.text.endswith("I've told Priya Shah.")
    [told] = chat.notices_to(ADMIN)
    assert told.title == "An action you marked done is open again"
    assert told.text.startswith("Aisha Rahman opened action #6 \"Brief housing officers on escalation policy\" again, "
                                "which you had marked done")
    assert done.changed


async def test_whoever_marked_a_paper_or_a_return_is_told_when_it_is_reopened(chat, demo):
    await chat(CHAIR, "paper done 4")
    await chat(COLLEAGUE, "return done 1")
    chat.sent.clear()

    await chat(HOUSING, "paper reopen 4")
    await chat(POLICE, "return reopen 1")

    [paper] = chat.notices_to(CHAIR)
    assert paper.title == "A paper you marked in is not in after all" and "Aisha Rahman marked the paper" in paper.text
    [ret] = chat.notices_to(COLLEAGUE)
    assert ret.title == "A return you marked submitted is outstanding again"
    assert ret.text.startswith("DI Mark Evans marked the return #1 ")


async def test_an_owner_reopening_their_own_marking_tells_nobody(chat, demo):
    await chat(HOUSING, "action done 6")
    reopened = await chat(HOUSING, "action reopen 6")
    assert reopened.changed and "I've told" not in reopened.text and chat.sent == []


async def test_an_old_not_done_after_all_says_plainly_that_it_changed_nothing(chat, demo, clock):
    await chat(ADMIN, "action done 6")
    [notice] = chat.notices_to(HOUSING)
    await chat(ADMIN, "action reopen 6")
    await chat(ADMIN, "action done 6 yesterday")  # marked again since, for a day before the notice

    stale = await chat(HOUSING, notice.buttons[0].command)

    assert not stale.changed and status_of(demo, 6) == ActionStatus.DONE.value
    assert stale.text.startswith("Action #6 has been marked done again since that message (recorded for ")
    assert "so that button changed nothing" in stale.text and "Undo" not in stale.text


async def test_nobody_is_told_they_marked_it_when_a_later_change_was_not_theirs(chat, demo):
    from models.audit import record

    await chat(ADMIN, "action done 6")
    await chat(CHAIR, "action reopen 6")
    with Session(demo) as session:  # an action plan import marks it done again, in its own name
        action = session.get(Action, 6)
        action.status = ActionStatus.DONE.value
        session.add(action)
        record(session, actor_id=None, actor_label="import", action="action.changed", entity="action",
               entity_id=6, before={"status": "open"}, after={"status": "done"})
        session.commit()
    chat.sent.clear()

    reopened = await chat(HOUSING, "action reopen 6")

    assert reopened.changed and "I've told" not in reopened.text
    assert chat.notices_to(ADMIN) == []


async def test_the_owner_and_whoever_marked_it_are_told_in_one_sentence(chat, demo):
    await chat(CHAIR, "action done 6")
    reopened = await chat(ADMIN, "action reopen 6")
    assert reopened.text.endswith("I've told Aisha Rahman and Helen Carter.")


async def test_reopening_an_action_whose_owner_has_left_says_the_business_unit_is_reminded(chat, demo):
    await chat(CHAIR, "action done 6")
    asked = await chat(ADMIN, f"member remove {HOUSING}")
    await chat(ADMIN, asked.buttons[0].command)
    chat.sent.clear()

    reopened = await chat(ADMIN, "action reopen 6")

    assert "Its owner has left, so the business unit gets reminders for it as before." in reopened.text
    [told] = chat.notices_to(CHAIR)  # who marked it; the owner, gone, is not told
    assert told.text.endswith("Its owner has left, so the business unit gets reminders for it again.")
