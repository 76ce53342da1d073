"""home: everything open for me in one place (Slack's Home tab shows it; `home` in any chat too).

My overdue and upcoming actions, my agency's returns, papers I owe, my next meetings with my
answers, my escalations, and for chairs and the business unit their groups' quorum forecast and
the open escalations. Each list is short, with a pointer to the command that shows the rest.
"""

from __future__ import annotations

from sqlmodel import col, select

from handlers.actions import action_item
from handlers.attendance import colleagues_of
from handlers.common import papers_deadline, start_of_day
from handlers.core import Command, Context, command
from handlers.attendance import your_answer
from handlers.papers import also_deputising, deputy_fields, meetings_to_answer
from messages.buttons import attend_buttons, deputy_answer_buttons, return_buttons
from messages.reply import Button, Item, Reply
from messages.templates import format_day, format_when, plural, say, shorten
from models.escalations import CATEGORIES, Escalation, Urgency, count_open_escalations, open_escalations
from models.groups import Group
from models.meetings import Meeting, MeetingStatus, Paper, answer_for
from models.partnership import first_name
from models import permissions as may
from models.quorum import quorum_forecasts
from models.work import (RETURN_KIND_NAMES, DataReturn, count_outstanding_returns, latest_updates, open_actions,
                         outstanding_returns)

PER_SECTION = 5
MEETINGS_SHOWN = 3
UPCOMING_MEETINGS_SEARCHED = 20


@command("home", summary="everything open for me: actions, returns, papers, meetings, escalations",
         example="home", usage="home")
def home(cmd: Command, ctx: Context) -> Reply:
    """The member's own open items, most pressing first; chairs and admins also see their groups."""
    today = ctx.today()
    items: list[Item] = []
    mine = open_actions(scope=ctx.scope, session=ctx.session, owner_id=ctx.actor.id)
    overdue = [a for a in mine if a.due_date < today]
    upcoming = [a for a in mine if a.due_date >= today]
    returns = outstanding_returns(scope=ctx.scope, session=ctx.session, agency_id=ctx.actor.agency_id,
                                  limit=PER_SECTION)
    returns_total, _late = count_outstanding_returns(scope=ctx.scope, session=ctx.session,
                                                     agency_id=ctx.actor.agency_id, today=today)
    papers = papers_i_owe(ctx)
    meetings = meetings_to_answer(ctx, limit=MEETINGS_SHOWN)
    raised, raised_total = _open_escalations(ctx, raised_by_id=ctx.actor.id)

    items += _actions_section(ctx, "Overdue actions", overdue, "actions")
    items += _actions_section(ctx, "Actions coming up", upcoming, "actions")
    items += _returns_section(ctx, returns, returns_total)
    items += _papers_section(ctx, papers)
    items += _meetings_section(ctx, meetings)
    items += _escalations_section(ctx, "Escalations you raised", raised, handler=False, total=raised_total)
    items += _quorum_section(ctx)
    if may.handles_escalations(ctx.person):
        listed, total = _open_escalations(ctx)
        items += _escalations_section(ctx, "Open escalations", listed, handler=True, total=total)
    elif ctx.person.assigned_escalations:
        assigned = [e for e in open_escalations(scope=ctx.scope, session=ctx.session, involving=ctx.actor.id)
                    if e.assigned_to_id == ctx.actor.id]
        items += _escalations_section(ctx, "Escalations assigned to you", assigned, handler=True)

    return Reply(
        title=f"{ctx.actor.name}: your open items",
        text=say("home", name=first_name(ctx.actor), today=format_day(today), counts=[
            ("overdue action", "overdue actions", len(overdue)),
            ("action due later", "actions due later", len(upcoming)),
            ("return for your agency", "returns for your agency", returns_total),
            ("paper you owe", "papers you owe", len(papers)),
            ("meeting coming up", "meetings coming up", len(meetings)),
            ("open escalation you raised", "open escalations you raised", raised_total)]),
        items=items,
        buttons=[Button("Raise an escalation", "escalate")],
        private=True,
    )


def papers_i_owe(ctx: Context) -> list[tuple[Meeting, Group, object]]:
    """Papers of mine not yet in, for meetings still to come, soonest first. My papers are read
    first through their own index, then only their meetings: whatever the number of groups and
    meetings in the partnership, nothing else is looked at."""
    papers = ctx.session.exec(select(Paper).where(
        ctx.scope.where(Paper), Paper.owner_id == ctx.actor.id, col(Paper.submitted_at).is_(None))).all()
    if not papers:
        return []
    meetings = {meeting.id: (meeting, group) for meeting, group in ctx.session.exec(
        select(Meeting, Group).join(Group, Group.id == Meeting.group_id)
        .where(ctx.scope.where(Meeting), col(Meeting.id).in_({p.meeting_id for p in papers}),
               Meeting.status == MeetingStatus.SCHEDULED.value,
               Meeting.starts_at >= start_of_day(ctx.today(), ctx.calendar)))}
    owed = [(*meetings[p.meeting_id], p) for p in papers if p.meeting_id in meetings]
    return sorted(owed, key=lambda row: (row[0].starts_at, row[2].id))


def _heading(title: str, count: int, shown: int, listing: str) -> Item:
    """A section's first line; when not all are shown, which command shows the rest."""
    fields = [("More", f"{count - shown} more: type `{listing}`")] if count > shown else []
    return Item(text=f"{title} ({count})", key=f"heading:{title.lower().replace(' ', '-')}", fields=fields)


def _actions_section(ctx: Context, title: str, actions: list, listing: str) -> list[Item]:
    if not actions:
        return []
    shown = actions[:PER_SECTION]
    notes = latest_updates([a.id for a in shown], scope=ctx.scope, session=ctx.session)
    return [_heading(title, len(actions), len(shown), listing)] + [
        action_item(ctx, a, ctx.actor.name, notes.get(a.id), show_owner=False) for a in shown]


def _returns_section(ctx: Context, returns: list[DataReturn], total: int) -> list[Item]:
    if not returns:
        return []
    today = ctx.today()
    items = [_heading("Your agency's returns", total, len(returns), "returns")]
    for item in returns:
        due = format_day(item.due_date) + (" (late)" if item.due_date < today else "")
        items.append(Item(
            text=f"#{item.id} {item.title}" + (f" ({item.period})" if item.period else ""),
            key=f"return:{item.id}",
            fields=[("Kind", RETURN_KIND_NAMES.get(item.kind, item.kind)), ("Due", due)],
            buttons=return_buttons(item.id, responsible=item.owner_id == ctx.actor.id),
        ))
    return items


def _papers_section(ctx: Context, papers: list) -> list[Item]:
    if not papers:
        return []
    items = [_heading("Papers you owe", len(papers), min(len(papers), PER_SECTION), "papers")]
    for meeting, group, paper in papers[:PER_SECTION]:
        items.append(Item(
            text=f"#{paper.id} {paper.title}",
            key=f"paper:{paper.id}",
            fields=[("For", f"{group.name}, {format_day(ctx.calendar.local_date(meeting.starts_at))}"),
                    ("Due", format_day(papers_deadline(ctx, meeting, group)))],
            buttons=[Button("Mark submitted", f"paper done {paper.id}", style="primary")],
        ))
    return items


def _meetings_section(ctx: Context, meetings: list[Meeting]) -> list[Item]:
    if not meetings:
        return []
    groups = {g.id: g for g in ctx.session.exec(
        select(Group).where(ctx.scope.where(Group), col(Group.id).in_({m.group_id for m in meetings})))}
    items = [_heading("Your next meetings", len(meetings), len(meetings), "meetings")]
    asked: set[int] = set()
    people = colleagues_of(ctx)
    for meeting in meetings:
        group = groups[meeting.group_id]
        standing_in = deputy_fields(ctx, meeting.id, group)
        answer = answer_for(meeting.id, ctx.actor.id, scope=ctx.scope, session=ctx.session)
        fields = standing_in or [("Your answer", your_answer(ctx, answer)),
                                 *also_deputising(ctx, meeting.id, group, answer.answer if answer else None)]
        if meeting.location:
            fields.append(("Where", meeting.location))
        # Answers are taken for each group's next meeting only.
        buttons = [] if group.id in asked else (deputy_answer_buttons(group.key) if standing_in
                                                 else attend_buttons(group.key, people))
        asked.add(group.id)
        items.append(Item(text=f"{group.name}: {format_when(ctx.calendar.local_datetime(meeting.starts_at))}",
                          key=f"meeting:{meeting.id}", fields=fields, buttons=buttons))
    return items


def _open_escalations(ctx: Context, **whose) -> tuple[list[Escalation], int]:
    """The first few open escalations (urgent first), and how many there are, from the database."""
    rows = open_escalations(scope=ctx.scope, session=ctx.session, limit=PER_SECTION, **whose)
    total = len(rows) if len(rows) < PER_SECTION else count_open_escalations(scope=ctx.scope,
                                                                              session=ctx.session, **whose)
    return rows, total


def _escalations_section(ctx: Context, title: str, rows: list[Escalation], *, handler: bool,
                         total: int | None = None) -> list[Item]:
    if not rows:
        return []
    count = len(rows) if total is None else total
    items = [_heading(title, count, min(len(rows), PER_SECTION), "escalations")]
    for escalation in rows[:PER_SECTION]:
        urgent = "URGENT " if escalation.urgency == Urgency.URGENT.value else ""
        fields = [("Category", CATEGORIES.get(escalation.category, escalation.category)),
                  ("Raised", format_day(ctx.calendar.local_date(escalation.raised_at))),
                  ("Acknowledged", "yes" if escalation.acknowledged_at else "not yet")]
        buttons = []
        if handler and escalation.acknowledged_at is None:  # offered only to whoever may press it
            buttons.append(Button("Acknowledge", f"escalation ack {escalation.id}", style="primary"))
        summary = shorten(escalation.summary, 140)
        items.append(Item(text=f"E{escalation.id} {urgent}{summary}",
                          key=f"escalation:{escalation.id}", fields=fields, buttons=buttons))
    return items


def _next_meetings_overseen(ctx: Context) -> list[tuple[Group, Meeting]]:
    """The soonest next meetings of the groups this member watches the quorum of (those they chair,
    or any group for the business unit), at most PER_SECTION, in two small queries."""
    if ctx.actor.is_admin:
        group_ids = None
    else:
        group_ids = may.chaired_groups(ctx.person)
        if not group_ids:
            return []
    query = select(Meeting).where(ctx.scope.where(Meeting), Meeting.status == MeetingStatus.SCHEDULED.value,
                                  Meeting.starts_at >= start_of_day(ctx.today(), ctx.calendar))
    if group_ids is not None:
        query = query.where(col(Meeting.group_id).in_(group_ids))
    chosen: dict[int, Meeting] = {}
    for meeting in ctx.session.exec(query.order_by(Meeting.starts_at, Meeting.id).limit(PER_SECTION * 4)):
        if meeting.group_id not in chosen and len(chosen) < PER_SECTION:
            chosen[meeting.group_id] = meeting  # each group's next meeting, soonest first
    groups = {g.id: g for g in ctx.session.exec(select(Group).where(ctx.scope.where(Group),
                                                                  col(Group.id).in_(list(chosen) or [0])))}
    return [(groups[group_id], meeting) for group_id, meeting in chosen.items()]


def _quorum_section(ctx: Context) -> list[Item]:
    items = []
    overseen = _next_meetings_overseen(ctx)
    verdicts = quorum_forecasts([(meeting, ctx.calendar.local_date(meeting.starts_at)) for _, meeting in overseen],
                                scope=ctx.scope, session=ctx.session, asker_id=ctx.actor.id)
    for group, meeting in overseen:
        result = verdicts[meeting.id]
        fields = [("Coming", plural(result.present, "person", "people") + " so far")]
        if not result.quorate:
            fields.append(("Would make it quorate", "; ".join(result.would_fix)))
        items.append(Item(
            text=f"{group.name}, {format_when(ctx.calendar.local_datetime(meeting.starts_at))}: "
                 + ("quorate" if result.quorate else "not quorate yet"),
            key=f"quorum:{group.key}", fields=fields,
            buttons=[Button("See attendance", f"attendance {group.key}")]))
    if not items:
        return []
    return [_heading("Quorum for your groups", len(items), len(items), "quorum")] + items
