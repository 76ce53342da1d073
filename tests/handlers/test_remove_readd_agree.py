"""Removing someone whose seat has not started yet, adding back someone removed, and who may record
the actions agreed on an escalation."""

from datetime import date, timedelta

from sqlmodel import func, select

from models.audit import AuditEvent
from models.db import session_for
from models.escalations import Escalation
from models.groups import Group, Membership
from models.partnership import Member
from tests.conftest import ADMIN, CHAIR, HOUSING, POLICE, PRACTITIONER
from tests.handlers.test_member_remove import EMMA, member, seats_of

NEWCOMER = "kate.wells@police.example.org"
NOT_YET = date(2027, 1, 4)  # a Monday, after the clock's day (Mon 23 Nov 2026)
TODAY = date(2026, 11, 23)
AGREED = "Joint visit by HV and social worker by Friday"


def seat_id(engine, email: str, group_key: str) -> int:
    with session_for(engine) as session:
        return session.exec(select(Membership.id).join(Member, Member.id == Membership.member_id)
                            .join(Group, Group.id == Membership.group_id)
                            .where(Member.email == email, Group.key == group_key)).one()


def events(engine, action: str, **where) -> list[AuditEvent]:
    with session_for(engine) as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        return list(session.exec(query.order_by(AuditEvent.id)))


def audit_count(engine) -> int:
    with session_for(engine) as session:
        return session.exec(select(func.count(AuditEvent.id))).one()


def the_escalation(engine, escalation_id: int) -> Escalation:
    with session_for(engine) as session:
        return session.get(Escalation, escalation_id)


async def remove(chat, email: str, who: str = ADMIN):
    """Remove someone as the business unit would: ask, then press the button the question offers."""
    asked = await chat(who, f"member remove {email}")
    assert not asked.changed and asked.buttons, asked.text
    return await chat(who, asked.buttons[0].command)


# --- member remove: a seat that has not started yet -----------------------------------------------

async def test_removing_someone_whose_only_seat_has_not_started_withdraws_it_and_ends_their_access(chat, demo):
    added = await chat(ADMIN, f'member add name="Kate Wells" email={NEWCOMER} agency=police group=audit '
                              f'since={NOT_YET.isoformat()}')
    assert added.text == ("Added Kate Wells (Riverside Police) on Multi-Agency Audit Group as member from "
                          "Mon 4 Jan 2027.")
    seat = seat_id(demo, NEWCOMER, "audit")
    kate = member(demo, NEWCOMER)

    done = await remove(chat, NEWCOMER)

    assert done.changed and not done.is_error
    assert done.text == (
        "Removed Kate Wells (kate.wells@police.example.org): they can no longer use AssureBot anywhere, and their "
        "calendar link has stopped working. Their seat on Multi-Agency Audit Group, due to start Mon 4 Jan 2027, "
        "is withdrawn. Their past answers, attendance, papers and actions stay on record. Nothing is open in "
        "their name.")
    assert seats_of(demo, NEWCOMER) == {}  # withdrawn: the seat is gone, not ended on a day it never ran
    withdrawn = events(demo, "membership.withdrawn", entity_id=seat)
    assert len(withdrawn) == 1
    assert withdrawn[0].entity == "membership" and withdrawn[0].actor_id == member(demo, ADMIN).id
    assert (withdrawn[0].before["member_id"], withdrawn[0].before["since"]) == (kate.id, "2027-01-04")
    assert events(demo, "membership.ended") == []
    gone = member(demo, NEWCOMER)
    assert (gone.active, gone.is_admin) == (False, False)
    refused = await chat(NEWCOMER, "whoami")
    assert refused.is_error and "access has ended" in refused.text


async def test_removing_someone_with_a_held_seat_and_one_not_started_ends_one_and_withdraws_the_other(chat, demo):
    later = await chat(ADMIN, f'member add name="DI Mark Evans" email={POLICE} agency=police group=audit '
                              f'since={NOT_YET.isoformat()}')
    assert later.changed and seats_of(demo, POLICE) == {"arg": (None, None), "audit": (NOT_YET, None)}
    audit_seat, arg_seat = seat_id(demo, POLICE, "audit"), seat_id(demo, POLICE, "arg")

    asked = await chat(ADMIN, f"member remove {POLICE}")
    assert ("their seat on Assurance and Review Group (member) would end today; their seat on Multi-Agency Audit "
            "Group (member) would be withdrawn, as not yet started;") in asked.text
    done = await remove(chat, POLICE)

    assert done.changed
    assert ("Their seat on Assurance and Review Group ends today. Their seat on Multi-Agency Audit Group, due to "
            "start Mon 4 Jan 2027, is withdrawn.") in done.text
    assert seats_of(demo, POLICE) == {"arg": (None, TODAY)}
    assert [e.entity_id for e in events(demo, "membership.withdrawn")] == [audit_seat]
    ended = events(demo, "membership.ended")
    assert [(e.entity_id, e.after) for e in ended] == [(arg_seat, {"until": "2026-11-23"})]
    assert not member(demo, POLICE).active
    assert (await chat(POLICE, "whoami")).is_error


# --- member add: someone removed earlier ------------------------------------------------------------

async def test_adding_back_someone_removed_brings_them_back_and_says_their_seats_are_not_given_back(chat, demo):
    await remove(chat, EMMA)
    emma = member(demo, EMMA)
    assert (emma.active, emma.is_admin) == (False, False)

    back = await chat(ADMIN, f'member add name="Emma Clarke" email={EMMA} agency=bu')

    assert back.changed and not back.is_error
    assert back.text == ("Added Emma Clarke (Partnership Business Unit) back: they can use AssureBot again, and "
                         "their past answers and actions are as they were. Seats they held are not given back: "
                         "give group= to seat them again.")
    again = member(demo, EMMA)
    assert again.id == emma.id  # the same person, not a second row
    assert (again.active, again.is_admin) == (True, False)  # back, but business unit only if told so again
    assert seats_of(demo, EMMA) == {"arg": (None, TODAY)}  # the seat stays as the removal left it
    reactivated = events(demo, "member.reactivated", entity_id=emma.id)
    assert len(reactivated) == 1
    assert (reactivated[0].before, reactivated[0].after) == ({"active": False}, {"active": True})
    assert not (await chat(EMMA, "whoami")).is_error


async def test_adding_back_on_a_later_day_with_a_group_seats_them_again_from_that_day(chat, demo, clock):
    await remove(chat, POLICE)
    assert seats_of(demo, POLICE) == {"arg": (None, TODAY)}
    clock.moment += timedelta(days=7)  # Mon 30 Nov 2026

    back = await chat(ADMIN, f'member add name="DI Mark Evans" email={POLICE} agency=police group=arg')

    assert back.changed
    assert back.text == ("Added DI Mark Evans (Riverside Police) back on Assurance and Review Group as member: "
                         "they can use AssureBot again, and their past answers and actions are as they were.")
    assert member(demo, POLICE).active
    assert seats_of(demo, POLICE) == {"arg": (date(2026, 11, 30), None)}
    assert len(events(demo, "member.reactivated", entity_id=member(demo, POLICE).id)) == 1
    whoami = await chat(POLICE, "whoami")
    assert not whoami.is_error and "Assurance and Review Group" in whoami.text


# --- escalation agree: not by whoever raised it -------------------------------------------------------

async def test_the_raiser_cannot_record_the_actions_agreed_on_their_own_escalation(chat, demo):
    """Jo Walsh raised the demo's E1 and does not handle escalations: refused, and nothing recorded."""
    before = audit_count(demo)

    refused = await chat(PRACTITIONER, f"escalation agree 1 {AGREED}")

    assert refused.is_error and not refused.changed
    assert refused.text == ("E1 is yours because you raised it; the people who handle escalations act on it. "
                            "You'll hear from them.")
    assert the_escalation(demo, 1).actions_agreed is None
    assert events(demo, "escalation.actions_agreed") == []
    assert audit_count(demo) == before
    assert chat.sent == [] and refused.notices == []


async def test_the_raiser_is_refused_even_when_assigned_another_escalation(chat, demo):
    """Someone given another escalation may work on that one, but not record actions on the one they raised."""
    assert (await chat(HOUSING, "escalate routine practice: disagreement about a school transfer plan")).changed
    assert (await chat(ADMIN, f"escalation assign 2 {PRACTITIONER}")).changed
    before = audit_count(demo)

    refused = await chat(PRACTITIONER, f"escalation agree 1 {AGREED}")

    assert refused.is_error and not refused.changed
    assert refused.text.startswith("E1 is yours because you raised it")
    assert the_escalation(demo, 1).actions_agreed is None
    assert events(demo, "escalation.actions_agreed") == []
    assert audit_count(demo) == before
    allowed = await chat(PRACTITIONER, f"escalation agree 2 {AGREED}")  # the one assigned to her
    assert allowed.changed and the_escalation(demo, 2).actions_agreed == f"Mon 23 Nov 2026: {AGREED}"


async def test_a_handler_who_raised_it_cannot_record_agreed_actions_until_someone_else_acknowledges_it(chat, demo):
    assert (await chat(ADMIN, "escalate routine capacity: two posts vacant in the business unit")).changed
    before = audit_count(demo)

    refused = await chat(ADMIN, f"escalation agree 2 {AGREED}")

    assert refused.is_error and not refused.changed
    assert refused.text.startswith("You raised E2 yourself, so someone else who handles escalations should "
                                   "acknowledge it before it is moved on or closed (")
    assert "Helen Carter" in refused.text and "Priya Shah" not in refused.text
    assert the_escalation(demo, 2).actions_agreed is None
    assert events(demo, "escalation.actions_agreed") == []
    assert audit_count(demo) == before

    assert (await chat(CHAIR, "escalation ack 2")).changed
    agreed = await chat(ADMIN, f"escalation agree 2 {AGREED}")
    assert agreed.changed and the_escalation(demo, 2).actions_agreed == f"Mon 23 Nov 2026: {AGREED}"
    assert len(events(demo, "escalation.actions_agreed", entity_id=2)) == 1
