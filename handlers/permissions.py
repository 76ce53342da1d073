"""The rules verbs declare, with refusals that say why and who can; the rules themselves are the
pure functions in models.permissions, which the reminder sweep uses too."""

from __future__ import annotations

from handlers.common import start_of_day
from handlers.core import Context, Rule
from messages.templates import format_when
from models import permissions as may
from models.groups import Group
from models.meetings import next_meeting
from models.partnership import Member
from models.people import admins, chairs_of, escalation_handlers, group_ids_of, member, seats


def names(members: list[Member]) -> str:
    found = [m.name for m in members]
    if not found:
        return "nobody yet"
    return found[0] if len(found) == 1 else ", ".join(found[:-1]) + " or " + found[-1]


def business_unit(ctx: Context) -> str:
    return names(admins(scope=ctx.scope, session=ctx.session)) + " (business unit)"


def handler_names(ctx: Context) -> str:
    return names(escalation_handlers(scope=ctx.scope, session=ctx.session, on=ctx.today()))


# --- who a verb is for ------------------------------------------------------------------------------

ANSWERS_FOR_A_SEAT = Rule("members", lambda p: bool(p.seats or p.deputy_meetings or p.changing_seats),
                          lambda ctx: f"You don't have a seat on any group, and nobody has named you as their "
                                      f"deputy, so there is nothing to answer. {business_unit(ctx)} can add you to "
                                      f"a group.")
DEPUTIES = Rule("members", lambda p: bool(p.deputy_meetings),
                lambda ctx: "You don't have a deputy place to answer for: nobody has named you as their deputy.")
GROUP_MEMBERS = Rule("members", lambda p: p.is_admin or bool(p.seats),
                     lambda ctx: f"You don't sit on any group yet. {business_unit(ctx)} can tell you more.")
CHAIRS = Rule("chairs", may.oversees,
              lambda ctx: f"Only chairs and the business unit can do that. Ask {business_unit(ctx)}.")
ADMINS = Rule("admins", lambda p: p.is_admin,
              lambda ctx: f"Only the business unit ({names(admins(scope=ctx.scope, session=ctx.session))}) "
                          f"can do that.")
HANDLERS = Rule("handlers", may.handles_escalations,
                lambda ctx: f"Only the people who handle escalations ({handler_names(ctx)}) can do that.")
ESCALATION_WORK = Rule("handlers", may.may_work_on_escalations_at_all,
                       lambda ctx: f"Only the people who handle escalations ({handler_names(ctx)}), or someone "
                                   f"an escalation is assigned to, can do that.")


# --- whether this person may act on this thing ------------------------------------------------------

def refuse_unless_manages(ctx: Context, group: Group | None, doing: str) -> str | None:
    """A group's meetings, papers, attendance records and minutes: its chairs and the business unit."""
    if group is None or may.manages_group(ctx.person, group.id):
        return None
    chairs = chairs_of(group, scope=ctx.scope, session=ctx.session, on=ctx.today())
    return (f"Only the chair or deputy chair of {group.name} ({names(chairs)}) or the business unit "
            f"can {doing}. Ask one of them if you need it.")


def refuse_unless_sees_group(ctx: Context, group: Group | None, doing: str) -> str | None:
    if group is None or may.may_see_group(ctx.person, group.id):
        return None
    return f"You don't sit on {group.name}, so you can't {doing}. Its chair or {business_unit(ctx)} can tell you."


def refuse_unless_seated(ctx: Context, group: Group | None) -> str | None:
    """Answering for a group's next meeting: those with a seat on it on the meeting's day (as its
    reminders and quorum count them: a seat may start after today, or end before the meeting), and
    the deputies named for that meeting (one named for a later meeting has nothing to answer yet)."""
    if group is None:
        return None
    seated, changing = may.sits_on(ctx.person, group.id), group.id in ctx.person.changing_seats
    if seated and not changing:
        return None
    if not (seated or changing or may.deputises_at(ctx.person, group.id)):
        return _nothing_to_answer(group)
    coming = next_meeting(group.id, scope=ctx.scope, session=ctx.session,
                          since=start_of_day(ctx.today(), ctx.calendar))
    if coming is None:
        return None if seated else _nothing_to_answer(group)
    if coming.id in ctx.person.deputy_meetings or seated_at(ctx, group, coming):
        return None
    if seated:
        return (f"Your seat on {group.name} ends before its next meeting "
                f"({format_when(ctx.calendar.local_datetime(coming.starts_at))}), so there is nothing to answer. "
                f"If you are staying on, ask {business_unit(ctx)} to change the day your seat ends.")
    return _nothing_to_answer(group)


def _nothing_to_answer(group: Group) -> str:
    return (f"You don't have a seat on {group.name}, and nobody has named you as their deputy for its next "
            f"meeting, so there is nothing to answer.")


def seated_at(ctx: Context, group: Group, meeting) -> bool:
    """Whether the person asking holds a seat on the group on the meeting's day."""
    if group.id not in ctx.person.changing_seats:
        return may.sits_on(ctx.person, group.id)
    day = ctx.calendar.local_date(meeting.starts_at)
    return group.id in {g.id for g, _role in seats(ctx.actor, scope=ctx.scope, session=ctx.session, on=day)}


def acts_for(ctx: Context, owner_id: int) -> bool:
    """The owner, the business unit, or a chair of a group the owner sits on."""
    if ctx.person.id == owner_id or ctx.person.is_admin:
        return True
    if not may.chairs_any(ctx.person):
        return False
    return may.acts_for(ctx.person, owner_id, group_ids_of(owner_id, scope=ctx.scope, session=ctx.session,
                                                                 on=ctx.today()))


def refuse_unless_acts_for(ctx: Context, owner_id: int, doing: str) -> str | None:
    if acts_for(ctx, owner_id):
        return None
    owner = member(owner_id, scope=ctx.scope, session=ctx.session)
    return (f"This belongs to {owner.name if owner else 'someone else'}. Only they, the chair of their group or "
            f"{business_unit(ctx)} can {doing}.")


def refuse_unless_in_agency(ctx: Context, agency_id: int, doing: str) -> str | None:
    if may.in_agency(ctx.person, agency_id):
        return None
    return f"That return belongs to another agency; only its people or {business_unit(ctx)} can {doing}."
