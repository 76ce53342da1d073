"""After an escalation is raised: sent again as urgent, more actions agreed later, and a closed one."""

from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from messages.reply import Tone
from models.audit import AuditEvent
from models.escalations import Escalation
from tests.conftest import ADMIN, CHAIR, DEPUTY_CHAIR, POLICE, POLICE_DEPUTY, PRACTITIONER

EMMA = "emma.clarke@bu.example.org"
HANDLERS = {ADMIN, EMMA, CHAIR, DEPUTY_CHAIR}
ROUTINE = "escalate routine capacity: no cover for safeguarding named nurse this month"
URGENT = "escalate urgent capacity: no cover for safeguarding named nurse this month"
FIRST = "HV and SW joint visit by Fri; CSC to review closure decision"
SECOND = "Strategy discussion to be reconvened"


def the_escalation(engine, number: int) -> Escalation:
    with Session(engine) as session:
        return session.get(Escalation, number)


def how_many_escalations(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Escalation)).one()


def events(engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def audit_count(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AuditEvent)).one()


# --- the same escalation sent again as urgent ---------------------------------------------------------

async def test_a_routine_escalation_sent_again_as_urgent_is_made_urgent_and_its_handlers_told(chat, demo, clock):
    saved = await chat(PRACTITIONER, ROUTINE)
    assert saved.title == "Escalation E2 saved" and the_escalation(demo, 2).urgency == "routine"
    chat.sent.clear()
    clock.moment += timedelta(minutes=2)

    again = await chat(PRACTITIONER, URGENT)

    assert again.changed and again.tone == Tone.WARNING and not again.is_error
    assert again.title == "Escalation E2 is now urgent"
    assert "E2 is now urgent" in again.text and "Nothing new was saved" not in again.text
    assert "999" in again.text  # every escalation's reply says where immediate risk goes
    assert the_escalation(demo, 2).urgency == "urgent" and how_many_escalations(demo) == 2
    [event] = events(demo, "escalation.urgency")
    assert (event.entity, event.entity_id) == ("escalation", 2)
    assert (event.before, event.after) == ({"urgency": "routine"}, {"urgency": "urgent"})
    # Each handler is sent it again, as urgent, as a new urgent escalation would be.
    assert {member.email for member, _ in chat.sent} == HANDLERS
    for email in HANDLERS:
        [card] = chat.notices_to(email)
        assert card.title.startswith("Now urgent: E2 (urgent,") and card.tone == Tone.WARNING
        assert card.escalation.urgency == "urgent" and card.escalation.number == 2
        assert card.buttons[0].command == "escalation ack 2"

    listed = await chat(ADMIN, "escalations")
    assert listed.items[0].key == "escalation:2" and listed.items[0].text.startswith("E2 URGENT ")


async def test_sent_again_as_urgent_from_the_form_it_is_made_urgent_and_whoever_it_is_assigned_to_told(chat, demo,
                                                                                                     clock):
    form = {"category": "capacity", "urgency": "routine", "summary": "No cover for the named nurse this month"}
    assert (await chat(PRACTITIONER, "escalate", form=form)).changed
    assert (await chat(ADMIN, f"escalation assign 2 {POLICE}")).changed
    chat.sent.clear()
    clock.moment += timedelta(minutes=5)

    again = await chat(PRACTITIONER, "escalate", form={**form, "urgency": "urgent"})

    assert again.changed and "now urgent" in again.text and again.form is None
    assert the_escalation(demo, 2).urgency == "urgent"
    assert {member.email for member, _ in chat.sent} == HANDLERS | {POLICE}
    assert chat.notices_to(POLICE)[0].title.startswith("Now urgent: E2")


async def test_an_urgent_escalation_sent_again_as_routine_stays_urgent(chat, demo, clock):
    assert (await chat(PRACTITIONER, URGENT)).changed
    chat.sent.clear()
    before = audit_count(demo)
    clock.moment += timedelta(minutes=1)

    again = await chat(PRACTITIONER, ROUTINE)

    assert not again.changed and "Nothing new was saved" in again.text
    assert "stays urgent" in again.text
    assert the_escalation(demo, 2).urgency == "urgent" and how_many_escalations(demo) == 2
    assert chat.sent == [] and audit_count(demo) == before


async def test_once_made_urgent_sending_it_again_as_urgent_tells_nobody_twice(chat, demo, clock):
    await chat(PRACTITIONER, ROUTINE)
    clock.moment += timedelta(minutes=1)
    assert (await chat(PRACTITIONER, URGENT)).changed
    told = len(chat.sent)

    again = await chat(PRACTITIONER, URGENT)

    assert not again.changed and "already saved as E2 (urgent, capacity)" in again.text
    assert "stays urgent" not in again.text
    assert len(chat.sent) == told and len(events(demo, "escalation.urgency")) == 1


# --- actions agreed, added to -------------------------------------------------------------------------

async def test_a_later_agreement_is_added_to_the_earlier_one_each_with_its_day(chat, demo, clock):
    first = await chat(ADMIN, f"escalation agree 1 {FIRST}")
    assert first.changed and the_escalation(demo, 1).actions_agreed == f"Mon 23 Nov 2026: {FIRST}"
    clock.moment += timedelta(days=1)

    second = await chat(ADMIN, f"escalation agree 1 {SECOND}")

    both = f"Mon 23 Nov 2026: {FIRST}\nTue 24 Nov 2026: {SECOND}"
    assert second.changed and the_escalation(demo, 1).actions_agreed == both
    assert second.text == f"Recorded the actions agreed on E1, added to those agreed before. Now agreed:\n{both}"
    [_, news] = chat.notices_to(PRACTITIONER)
    assert news.text == f"Actions agreed on your escalation E1, added to those agreed before. Now agreed:\n{both}"
    listed = await chat(ADMIN, "escalations")
    assert ("Actions agreed", both) in next(i for i in listed.items if i.key == "escalation:1").fields
    # The audit trail counts the agreements, and keeps none of their words.
    agreed = events(demo, "escalation.actions_agreed")
    assert [(e.before["agreements"], e.after["agreements"]) for e in agreed] == [(0, 1), (1, 2)]
    assert all(FIRST not in str(e.after) and SECOND not in str(e.after) for e in agreed)


async def test_actions_already_agreed_are_not_added_again(chat, demo, clock):
    await chat(ADMIN, f"escalation agree 1 {FIRST}")
    clock.moment += timedelta(days=2)

    again = await chat(ADMIN, f"escalation agree 1 {FIRST.upper()}")

    assert not again.changed and not again.is_error
    assert again.text == "Those actions are already recorded on E1 (agreed on Mon 23 Nov 2026). Nothing changed."
    assert the_escalation(demo, 1).actions_agreed == f"Mon 23 Nov 2026: {FIRST}"


async def test_actions_that_do_not_fit_are_refused_saying_how_much_room_is_left(chat, demo):
    long = "Review " + "x" * 1893  # 1,900 characters
    assert (await chat(ADMIN, f"escalation agree 1 {long}")).changed
    before = audit_count(demo)
    held = the_escalation(demo, 1).actions_agreed
    room = 2000 - len(held) - len("\nMon 23 Nov 2026: ")  # 65

    refused = await chat(ADMIN, f"escalation agree 1 {'y' * 100}")

    assert refused.is_error and not refused.changed
    assert f"There is room for {room} more characters of actions on E1" in refused.text
    assert "these are 100" in refused.text and "Nothing was saved" in refused.text
    assert the_escalation(demo, 1).actions_agreed == held and audit_count(demo) == before

    fits = await chat(ADMIN, f"escalation agree 1 {'z' * room}")
    assert fits.changed and len(the_escalation(demo, 1).actions_agreed) == 2000

    full = await chat(ADMIN, "escalation agree 1 One more")
    assert full.is_error and "There is no room left for more actions on E1" in full.text
    assert "escalation stage 1 1 NOTE" in full.text
    assert len(the_escalation(demo, 1).actions_agreed) == 2000


async def test_a_first_agreement_too_long_for_its_day_is_refused_with_the_most_it_may_be(chat, demo):
    refused = await chat(ADMIN, f"escalation agree 1 {'a' * 1990}")
    assert refused.is_error and "the most is 1,983" in refused.text and "1,990" in refused.text
    assert the_escalation(demo, 1).actions_agreed is None


# --- a closed escalation ------------------------------------------------------------------------------

@pytest.fixture
async def closed(chat, demo, clock):
    """E1 (raised by Jo Walsh) assigned to Mark Evans, who acknowledges and closes it; the next day."""
    assert (await chat(ADMIN, f"escalation assign 1 {POLICE}")).changed
    assert (await chat(POLICE, "escalation ack 1")).changed
    assert (await chat(POLICE, "escalation close 1 Joint visit done; CSC kept the case open")).changed
    clock.moment += timedelta(days=1)
    chat.sent.clear()
    return demo


@pytest.mark.parametrize("who", [POLICE, ADMIN, PRACTITIONER])
@pytest.mark.parametrize("line, instead", [
    ("escalation agree 1 joint visit", "Actions are not added to a closed escalation."),
    ("escalation ack 1", "A closed escalation needs no acknowledging."),
    ("escalation stage 1 2 Managers to meet", "A closed escalation does not move between stages"),
    (f"escalation assign 1 {CHAIR}", "A closed escalation is not passed on to anyone."),
    ("escalation close 1 Resolved again", "Nothing changed."),
])
async def test_a_command_on_a_closed_escalation_says_it_is_closed_when_and_what_to_do_instead(chat, closed, who,
                                                                                            line, instead):
    before = audit_count(closed)

    reply = await chat(who, line)

    assert reply.is_error and not reply.changed
    assert "Only the people who handle escalations" not in reply.text
    assert "yours because you raised it" not in reply.text
    closed_words = "is already closed" if line.startswith("escalation close") else "is closed"
    assert reply.text.startswith(f"E1 {closed_words}: it was closed on Mon 23 Nov 2026, with the outcome: "
                                 f"Joint visit done; CSC kept the case open.")
    assert instead in reply.text
    assert "raise a new escalation with `escalate` and mention E1" in reply.text
    assert audit_count(closed) == before and chat.sent == []
    row = the_escalation(closed, 1)
    assert (row.outcome, row.actions_agreed, row.stage) == ("Joint visit done; CSC kept the case open", None, 1)


async def test_the_person_it_was_assigned_to_is_told_it_is_closed_and_someone_not_involved_is_told_nothing(chat,
                                                                                                         closed):
    mark = await chat(POLICE, "escalation agree 1 joint visit")
    assert mark.is_error and mark.text.startswith("E1 is closed: it was closed on Mon 23 Nov 2026")
    other = await chat(POLICE_DEPUTY, "escalation agree 1 joint visit")
    assert other.is_error and "closed" not in other.text and "E1" not in other.text
    assert the_escalation(closed, 1).actions_agreed is None
