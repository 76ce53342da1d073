"""The permission table, command by command and role by role.

Each row: who asks, what they type, whether it is allowed. A refusal must name who can do it.
"""

import pytest

from tests.conftest import ADMIN, AUDIT_CHAIR, CHAIR, DEPUTY_CHAIR, HOUSING, POLICE, PRACTITIONER

TABLE = [
    # a member: their own answers, actions, papers and their agency's returns
    (HOUSING, "attend arg yes", True),
    (HOUSING, "paper done 4", True),
    (HOUSING, "action done 6", True),
    (HOUSING, "return done 5", True),
    (HOUSING, "quorum arg", True),
    (HOUSING, "attendance arg", False),
    (HOUSING, "actions all", False),
    (HOUSING, "paper done 1", False),
    (HOUSING, "action done 1", False),
    (HOUSING, "return done 4", False),
    (HOUSING, "escalation ack 1", False),
    # a chair: their group
    (CHAIR, "attendance arg", True),
    (CHAIR, "actions all", True),
    (CHAIR, "action done 6", True),
    (CHAIR, "paper done 1", True),
    (CHAIR, "attendance audit", False),
    (AUDIT_CHAIR, "attendance audit", True),
    (AUDIT_CHAIR, "attendance arg", False),
    (DEPUTY_CHAIR, "attendance arg", True),
    # chairs of the ARG and admins handle escalations; the audit chair does not
    (CHAIR, "escalation ack 1", True),
    (DEPUTY_CHAIR, "escalation assign 1 emma.clarke@bu.example.org", True),
    (AUDIT_CHAIR, "escalation ack 1", False),
    (POLICE, "escalations", True),
    # admins: everything
    (ADMIN, "attendance audit", True),
    (ADMIN, "actions agency la", True),
    (ADMIN, "return done 1", True),
    (ADMIN, "action done 1", True),
    (ADMIN, "escalation close 1 Resolved", True),
    # a practitioner: raise escalations, nothing else of others'
    (PRACTITIONER, "escalate routine practice: disagreement on closure", True),
    (PRACTITIONER, "quorum arg", False),
    (PRACTITIONER, "actions agency la", False),
]


@pytest.mark.parametrize("email, line, allowed", TABLE, ids=[f"{e.split('@')[0]}: {l}" for e, l, _ in TABLE])
async def test_permission_table(chat, email, line, allowed):
    reply = await chat(email, line)
    if allowed:
        assert not reply.is_error, reply.text
    else:
        assert reply.is_error
        assert not reply.changed
        assert any(word in reply.text for word in ("Only", "only", "don't sit", "belongs to", "can't find")), reply.text


# --- what people are offered is what they may do ---------------------------------------------------

from handlers.core import REGISTRY  # noqa: E402

PEOPLE = [ADMIN, CHAIR, AUDIT_CHAIR, DEPUTY_CHAIR, POLICE, HOUSING, PRACTITIONER, "nadia.ali@vcs.example.org"]
LOOKING = ["help", "home", "actions", "actions all", "returns", "papers arg", "meetings", "meetings arg",
           "escalations", "attendance arg", "quorum arg", "attend arg"]
REFUSALS = ("Only ", "You don't", "This belongs to", "someone else's", "You raised")


def refused(reply) -> bool:
    return reply.is_error and reply.text.startswith(REFUSALS)


def listed_in_help(reply) -> set[str]:
    return {verb for verb in REGISTRY if f"\n  {REGISTRY[verb].usage}:" in "\n" + reply.text}


async def test_help_lists_exactly_the_commands_that_are_not_refused(chat):
    for email in PEOPLE:
        listed = listed_in_help(await chat(email, "help all"))
        for name in REGISTRY:
            reply = await chat(email, name)
            if name in listed:
                assert not refused(reply), f"{email}: help lists `{name}` but it says: {reply.text}"
            else:
                assert refused(reply) and reply.form is None, f"{email}: `{name}` is not in help but: {reply.text}"


async def test_a_chair_is_not_offered_what_only_the_business_unit_does(chat):
    chair = listed_in_help(await chat(CHAIR, "help all"))
    admin = listed_in_help(await chat(ADMIN, "help all"))
    assert {"return add", "member add"} <= admin and not {"return add", "member add"} & chair
    assert "paper add" in chair
    form = (await chat(AUDIT_CHAIR, "paper add")).form
    assert [c.value for c in form.fields[0].options] == ["audit"]  # only the groups she runs


async def test_a_form_is_refused_before_its_first_question(chat):
    reply = await chat(HOUSING, "paper add")
    assert refused(reply) and reply.form is None
    reply = await chat(POLICE, "member add")
    assert refused(reply) and reply.form is None


async def test_every_button_anyone_is_shown_can_be_pressed_by_them(chat):
    for email in PEOPLE:
        buttons = []
        for line in LOOKING:
            reply = await chat(email, line)
            buttons += [b for b in reply.buttons] + [b for item in reply.items for b in item.buttons]
        for button in buttons:
            pressed = await chat(email, button.command)
            assert not refused(pressed), f"{email} was shown [{button.label}: {button.command}]: {pressed.text}"
    for member, notice in chat.sent:  # notices carry only buttons their reader may press
        for button in notice.buttons + [b for item in notice.items for b in item.buttons]:
            pressed = await chat(member.email, button.command)
            assert not refused(pressed), f"{member.email} was sent [{button.label}]: {pressed.text}"


async def test_a_named_deputy_is_offered_only_their_own_answer_and_only_for_that_meeting(chat):
    # Jo Walsh is Tom Hughes's named deputy at the next ARG, where she has no seat of her own.
    reply = await chat(PRACTITIONER, "meetings arg")
    first, *later = reply.items
    assert [b.command for b in first.buttons] == ["attend arg yes", "attend arg no"]
    assert dict(first.fields)["You are deputising for"] == "Tom Hughes"
    assert later and all(not item.buttons and "Your answer" not in dict(item.fields) for item in later)
    for button in first.buttons:  # what she is offered, she may press
        assert not (await chat(PRACTITIONER, button.command)).is_error


async def test_the_person_an_escalation_is_assigned_to_sees_it_and_can_act_on_it(chat):
    reply = await chat(ADMIN, f"escalation assign 1 {POLICE}")
    assert reply.changed
    card = chat.notices_to(POLICE)[-1]
    assert [b.command for b in card.buttons] == ["escalation ack 1"]
    listed = await chat(POLICE, "escalations")
    assert [item.key for item in listed.items] == ["escalation:1"]
    assert "escalation ack" in listed_in_help(await chat(POLICE, "help all"))
    acknowledged = await chat(POLICE, "escalation ack 1")
    assert acknowledged.changed and not acknowledged.is_error
    assert (await chat(POLICE, "escalation stage 1 2 Manager to manager call booked")).changed
    assert refused(await chat(POLICE, "escalation assign 1 " + HOUSING))  # only the handlers reassign it


async def test_a_handler_who_raised_an_escalation_is_not_asked_to_acknowledge_it(chat):
    raised = await chat(CHAIR, "escalate routine capacity: two vacancies in the front door team")
    assert raised.changed
    listed = await chat(CHAIR, "escalations")
    mine = [item for item in listed.items if item.key == "escalation:2"]
    assert mine and [b.command for b in mine[0].buttons] == ["escalation 2"]  # only to read it in full
    refusal = await chat(CHAIR, "escalation ack 2")
    assert refusal.is_error and "You raised E2 yourself" in refusal.text
