"""Look-ups most handlers need: which group is meant, the next meeting, ids typed by people; and
telling an owner when someone else marks or reopens what is theirs."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone

from sqlmodel import col, func, select

from handlers.core import Context, UserError
from messages.reply import Button, Notice, Reply
from models.calendar import WorkingCalendar
from models.groups import Group, Membership, held_on
from models.meetings import Meeting, next_meeting
from models.meetings import meeting as meeting_by_id
from models.audit import AuditEvent
from models.partnership import Member


def start_of_day(day: date, calendar: WorkingCalendar) -> datetime:
    """Midnight at the start of a local day, as a UTC moment."""
    return datetime.combine(day, time(0, 0), tzinfo=calendar.zone).astimezone(timezone.utc)


def groups(ctx: Context) -> list[Group]:
    return list(ctx.session.exec(select(Group).where(ctx.scope.where(Group)).order_by(Group.key)))


def group_list(ctx: Context) -> str:
    return ", ".join(f"{g.key} ({g.name})" for g in groups(ctx))


def find_group(ctx: Context, key: str) -> Group | None:
    """A group by its key or its name, any case.

    Found once per request: the buttons of a reply name the same few groups again and again, and
    each is checked before it is offered. A group found before is used again only while its key or
    name still matches."""
    key = key.strip().lower()
    known: dict[str, int] = ctx.session.info.setdefault("assurebot.group_keys", {})
    if key in known:
        group = ctx.scope.get(Group, known[key], session=ctx.session)
        if group is not None and key in (group.key.lower(), group.name.lower()):
            return group
    group = _loaded_group(ctx, key)
    if group is not None:
        known[key] = group.id
        return group
    # The key as written first (the buttons' way, found through the partnership's unique key
    # index), then any case of the key or the name (a person's way, which reads every group).
    group = ctx.session.exec(select(Group).where(ctx.scope.where(Group), Group.key == key)).first() or \
        ctx.session.exec(
            select(Group).where(
                ctx.scope.where(Group),
                (func.lower(Group.key) == key) | (func.lower(Group.name) == key),
            )
        ).first()
    if group is not None:
        known[key] = group.id
    return group


def _loaded_group(ctx: Context, key: str) -> Group | None:
    """The partnership's group with exactly this key, if the request has loaded it already (a reply
    that lists groups' meetings puts buttons naming the same groups on them): no query. Only an exact
    key, which is unique in a partnership; a name, or another case, is for the query to find."""
    for row in ctx.session.identity_map.values():
        loaded = row.__dict__  # what is loaded only: an expired row is left to the query
        if type(row) is Group and loaded.get("partnership_id") == ctx.scope.partnership_id \
                and loaded.get("key") == key:
            return row
    return None


def group_by_id(ctx: Context, group_id: int) -> Group | None:
    return ctx.scope.get(Group, group_id, session=ctx.session)


def resolve_group(ctx: Context, key: str | None, *, verb: str) -> Group:
    """The group named, or the member's only group, or else the ARG."""
    if key:
        group = find_group(ctx, key)
        if group is None:
            raise UserError(f"I don't know a group called '{key}'. The groups are: {group_list(ctx)}. "
                            f"For example: `{verb} {default_group_key(ctx)}`.")
        return group
    mine = my_group_ids(ctx)
    if len(mine) == 1:
        return group_by_id(ctx, mine[0])
    arg = escalation_group(ctx)
    if arg is not None:
        return arg
    if mine:
        return group_by_id(ctx, mine[0])
    raise UserError(f"Say which group you mean, for example `{verb} arg`. The groups are: {group_list(ctx)}.")


def default_group_key(ctx: Context) -> str:
    group = escalation_group(ctx)
    return group.key if group else "arg"


def escalation_group(ctx: Context) -> Group | None:
    """The group that handles escalations (normally the ARG), or the first group when none does."""
    return ctx.session.exec(
        select(Group)
        .where(ctx.scope.where(Group))
        .order_by(col(Group.handles_escalations).desc(), Group.id)
    ).first()


def my_group_ids(ctx: Context) -> list[int]:
    return sorted(ctx.person.seats)


def the_next_meeting(ctx: Context, group: Group) -> Meeting:
    """The group's next scheduled meeting (today's counts), or a reply saying there is none."""
    meeting = next_meeting(group.id, scope=ctx.scope, session=ctx.session,
                           since=start_of_day(ctx.today(), ctx.calendar))
    if meeting is None:
        raise UserError(f"{group.name} has no meeting booked yet. The business unit adds meetings.")
    return meeting


def meeting_day(ctx: Context, meeting: Meeting) -> date:
    return ctx.calendar.local_date(meeting.starts_at)


def papers_deadline(ctx: Context, meeting: Meeting, group: Group) -> date:
    """When this meeting's papers are due, by the group's notice period and clear-days setting."""
    return ctx.calendar.papers_due(meeting_day(ctx, meeting), group.papers_notice_working_days, group.clear_days)


def parse_id(value: str | None, *, what: str, listing: str) -> int:
    """A number people typed for an item, or a reply telling them where to find it."""
    if value is None:
        raise UserError(f"Which {what}? Give its number, for example `{listing}` shows them.")
    cleaned = value.strip().lstrip("#")
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 12:  # not "²": a digit, not a number
        raise UserError(f"'{value}' is not {'an' if what[0] in 'aeiou' else 'a'} {what} number. Type `{listing}` to "
                        f"see the numbers.")
    return int(cleaned)


def the_meeting(ctx: Context, raw: str | None, listing: str = "meetings") -> tuple[Meeting, Group]:
    """A meeting of this partnership by the number people typed, with its group."""
    meeting_id = parse_id(raw, what="meeting", listing=listing)
    meeting = meeting_by_id(meeting_id, scope=ctx.scope, session=ctx.session)
    if meeting is None:
        raise UserError(f"There is no meeting #{meeting_id}. Type `{listing} GROUP` to see their numbers.")
    return meeting, group_by_id(ctx, meeting.group_id)


def seat_holders(ctx: Context, group: Group) -> list[int]:
    """Who holds a seat on the group today."""
    return list(ctx.session.exec(select(Membership.member_id).where(ctx.scope.where(Membership),
                                                                    Membership.group_id == group.id,
                                                                    held_on(ctx.today()))))


def tell_owner(ctx: Context, reply: Reply, owner_id: int | None, *, title: str, text: str,
               buttons: list[Button] | None = None) -> None:
    """Someone marked or reopened what another person owns: the owner hears of it privately, from
    whom, with the buttons to put it right; the reply says they were told. Nobody is told of their
    own change, and nobody who has left."""
    if owner_id is None or owner_id == ctx.actor.id:
        return
    owner = ctx.scope.get(Member, owner_id, session=ctx.session)
    if owner is None or not owner.active:
        return
    reply.notices.append(Notice(owner_id, Reply(title=title, text=f"{ctx.actor.name} {text}", buttons=buttons or [],
                                                private=True)))
    told = re.search(r" I've told ([^.]+)\.$", reply.text)  # a second person told joins the first
    reply.text = (f"{reply.text[:told.start()]} I've told {told.group(1)} and {owner.name}." if told
                  else f"{reply.text} I've told {owner.name}.")


def marked_by(ctx: Context, action: str, entity: str, entity_id: int) -> int | None:
    """Who made the marking (`action.done`, `paper.submitted`) an item is in now, from the audit trail
    of the person's partnership: None when its latest change was something else (an import or a
    loaded file marking it, say), whoever made an earlier marking. Progress notes are not changes."""
    found = ctx.session.exec(select(AuditEvent.action, AuditEvent.actor_id).where(
        ctx.scope.where(AuditEvent), AuditEvent.entity == entity, AuditEvent.entity_id == entity_id,
        AuditEvent.action != f"{entity}.updated").order_by(col(AuditEvent.id).desc())).first()
    return found.actor_id if found is not None and found.action == action else None


def tell_marker(ctx: Context, reply: Reply, marker_id: int | None, *, owner_id: int | None, title: str,
                text: str) -> None:
    """Whoever marked an item done, when someone else (its owner, say, with Not done after all) says
    it is not: they would otherwise go on believing it done. Not the owner (told already, or it was
    their own marking) and not the person making the change."""
    if marker_id is not None and marker_id != owner_id:
        tell_owner(ctx, reply, marker_id, title=title, text=text)
