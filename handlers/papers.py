"""meetings, papers, paper done and paper reopen: what is coming up and which papers are still owed."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select

from handlers.attendance import DEPUTY_STATES, colleagues_of, your_answer
from handlers.common import (
    find_group,
    group_by_id,
    marked_by,
    meeting_day,
    my_group_ids,
    papers_deadline,
    parse_id,
    resolve_group,
    start_of_day,
    tell_marker,
    tell_owner,
    the_next_meeting,
)
from handlers.core import Command, Context, Target, UserError, command
from handlers.fields import done_on, marked_reply, stale_undo, undoing_an_earlier_marking
from handlers.permissions import refuse_unless_acts_for
from messages.buttons import attend_buttons, deputy_answer_buttons, paper_buttons
from messages.reply import Button, Item, Reply, Tone
from messages.templates import format_day, format_when, say
from models import permissions as may
from models.groups import Group
from models.meetings import (DEPUTY_DECLINED, Answer, Meeting, MeetingStatus, Paper, answer_for, attendance_recorded,
                             deputising_for, held_meetings, mark_paper_submitted, papers_for, reopen_paper,
                             upcoming_meetings)
from models.meetings import meeting as meeting_by_id
from models.meetings import paper as paper_by_id
from models.partnership import Member

MAX_MEETINGS = 10
MAX_PAST_MEETINGS = 15  # a year of monthly meetings, and a few extra ones


@command("meetings", summary="upcoming meetings with their papers deadline", example="meetings arg",
         usage="meetings [group]")
def meetings(cmd: Command, ctx: Context) -> Reply:
    """Upcoming meetings of one group, or of all my groups when none is named."""
    if cmd.args:
        group = find_group(ctx, cmd.args[0]) or resolve_group(ctx, cmd.args[0], verb="meetings")
        group_ids = [group.id]
        scope = group.name
        found = upcoming_meetings(group_ids, scope=ctx.scope, session=ctx.session,
                                  since=start_of_day(ctx.today(), ctx.calendar), limit=MAX_MEETINGS)
    else:
        found = meetings_to_answer(ctx, limit=MAX_MEETINGS)
        group_ids = sorted({m.group_id for m in found})
        if not found and not my_group_ids(ctx):
            group_ids = [resolve_group(ctx, None, verb="meetings").id]
            found = upcoming_meetings(group_ids, scope=ctx.scope, session=ctx.session,
                                      since=start_of_day(ctx.today(), ctx.calendar), limit=MAX_MEETINGS)
        scope = "your groups"
    if not found:
        return Reply(text=say("meetings", scope=scope, count=0))
    groups = {g.id: g for g in ctx.session.exec(select(Group).where(ctx.scope.where(Group),
                                                                    col(Group.id).in_(group_ids)))}
    people = None
    items = []
    seen_groups: set[int] = set()
    for meeting in found:
        group = groups[meeting.group_id]
        deadline = papers_deadline(ctx, meeting, group)
        answer = answer_for(meeting.id, ctx.actor.id, scope=ctx.scope, session=ctx.session)
        fields = [("Papers due", format_day(deadline) + (" (clear days)" if group.clear_days else ""))]
        if meeting.location:
            fields.append(("Where", meeting.location))
        if group.id in ctx.person.seats:
            fields.append(("Your answer", your_answer(ctx, answer)))
            fields += also_deputising(ctx, meeting.id, group, answer.answer if answer else None)
        buttons = []
        standing_in = deputy_fields(ctx, meeting.id, group)
        if standing_in is not None:
            fields, buttons = fields + standing_in, deputy_answer_buttons(group.key)
        if meeting.group_id not in seen_groups and group.id in ctx.person.seats:
            # Answers are taken for the next meeting of a group, from those with a seat on it.
            people = colleagues_of(ctx) if people is None else people
            buttons = attend_buttons(group.key, people)
        seen_groups.add(meeting.group_id)
        items.append(Item(text=f"#{meeting.id} {group.name}: {format_when(ctx.calendar.local_datetime(meeting.starts_at))}",
                          key=f"meeting:{meeting.id}", fields=fields, buttons=buttons))
    return Reply(title=f"Meetings: {scope}", text=say("meetings", scope=scope, count=len(found)), items=items)


@command("meetings past", summary="meetings held in the last twelve months: are the minutes out?",
         example="meetings past arg", usage="meetings past [group]")
def meetings_past(cmd: Command, ctx: Context) -> Reply:
    """Meetings held in the last twelve months, the latest first, with whether their minutes are out
    and their attendance recorded; those who run a group get the buttons to record both."""
    if cmd.args:
        group = resolve_group(ctx, cmd.args[0], verb="meetings past")
        group_ids, scope = [group.id], group.name
    elif my_group_ids(ctx):
        group_ids, scope = my_group_ids(ctx), "your groups"
    else:
        group = resolve_group(ctx, None, verb="meetings past")
        group_ids, scope = [group.id], group.name
    since = start_of_day(a_year_before(ctx.today()), ctx.calendar)
    found, total = held_meetings(group_ids, scope=ctx.scope, session=ctx.session, since=since, now=ctx.now(),
                                 limit=MAX_PAST_MEETINGS)
    groups = {g.id: g for g in ctx.session.exec(select(Group).where(ctx.scope.where(Group),
                                                                    col(Group.id).in_(group_ids)))}
    recorded = attendance_recorded([m.id for m in found], scope=ctx.scope, session=ctx.session)
    items = []
    for meeting in found:
        group = groups[meeting.group_id]
        buttons = []
        if may.manages_group(ctx.person, group.id):
            if meeting.id not in recorded:
                buttons.append(Button("Record attendance", f"attended {meeting.id}"))
            if meeting.minutes_circulated_at is None:
                buttons.append(Button("Minutes are out", f"minutes {meeting.id}", style="primary"))
        items.append(Item(
            text=f"#{meeting.id} {group.name}: {format_when(ctx.calendar.local_datetime(meeting.starts_at))}",
            key=f"meeting:{meeting.id}", buttons=buttons,
            fields=[("Minutes", minutes_status(ctx, meeting, group)),
                    ("Attendance", "recorded" if meeting.id in recorded else "not recorded yet")]))
    hint = ("name one group to see only its meetings, e.g. `meetings past arg`" if len(group_ids) > 1
            else "`report attendance` counts them all")
    return Reply(title=f"Past meetings: {scope}", text=say("meetings_past", scope=scope, count=total), items=items,
                 more=total - len(found), more_hint=hint if total > len(found) else None)


def a_year_before(today: date) -> date:
    """The first day of the twelve months up to today."""
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28)
    return start + timedelta(days=1)


def minutes_status(ctx: Context, meeting: Meeting, group: Group) -> str:
    """Whether a held meeting's minutes are out: on which day, or how late, or when they are due."""
    if meeting.minutes_circulated_at is not None:
        return f"circulated on {format_day(ctx.calendar.local_date(meeting.minutes_circulated_at))}"
    held = ctx.calendar.local_date(meeting.starts_at)
    days = (ctx.today() - held).days
    if days > group.minutes_within_days:
        return f"not out after {days} days (the limit is {group.minutes_within_days})"
    return f"not due yet: due by {format_day(held + timedelta(days=group.minutes_within_days))}"


def deputy_fields(ctx: Context, meeting_id: int, group: Group) -> list[tuple[str, str]] | None:
    """Who a named deputy stands in for at this meeting and their own answer; None if they are not
    one here (or sit on the group themselves, and so answer for their own seat)."""
    if meeting_id not in ctx.person.deputy_meetings or group.id in ctx.person.seats:
        return None
    row = deputising_for(meeting_id, ctx.actor.id, scope=ctx.scope, session=ctx.session)
    if row is None:
        return None
    return [("You are deputising for", _names(ctx, {row.member_id})[row.member_id]),
            ("Your answer", DEPUTY_STATES.get(row.deputy_answer, "not answered"))]


def also_deputising(ctx: Context, meeting_id: int, group: Group, own: str | None) -> list[tuple[str, str]]:
    """For someone with a seat of their own who is also named as a colleague's deputy at this meeting:
    whose seat, and whether they have said they will be there (`attend GROUP yes` says so for both;
    `own`, their answer for their own seat: apologies there are apologies for both)."""
    if meeting_id not in ctx.person.deputy_meetings or group.id not in ctx.person.seats:
        return []
    row = deputising_for(meeting_id, ctx.actor.id, scope=ctx.scope, session=ctx.session)
    if row is None:
        return []
    state = ("you can't go: you sent apologies" if own == Answer.APOLOGIES.value else
             "you won't go in their place" if row.deputy_answer == DEPUTY_DECLINED else
             DEPUTY_STATES.get(row.deputy_answer, "not confirmed yet"))
    return [("Also deputising for", f"{_names(ctx, {row.member_id})[row.member_id]} ({state})")]


def meetings_to_answer(ctx: Context, *, limit: int) -> list:
    """Upcoming meetings of my groups, and those I am named to attend as somebody's deputy."""
    deputising = set(ctx.person.deputy_meetings.values())
    found = upcoming_meetings(sorted(set(my_group_ids(ctx)) | deputising), scope=ctx.scope, session=ctx.session,
                              since=start_of_day(ctx.today(), ctx.calendar), limit=limit)
    return [m for m in found if m.group_id in ctx.person.seats or m.id in ctx.person.deputy_meetings]


@command("papers", summary="papers for the next meeting: owner, due date, in or not", example="papers arg",
         usage="papers [group]")
def papers(cmd: Command, ctx: Context) -> Reply:
    group = resolve_group(ctx, cmd.args[0] if cmd.args else None, verb="papers")
    meeting = the_next_meeting(ctx, group)
    deadline = papers_deadline(ctx, meeting, group)
    rows = papers_for(meeting, scope=ctx.scope, session=ctx.session)
    owners = _names(ctx, {p.owner_id for p in rows})
    today = ctx.today()
    items = []
    for paper in rows:
        status = (f"in {format_day(ctx.calendar.local_date(paper.submitted_at))}" if paper.submitted_at
                  else ("LATE" if today > deadline else "not in yet"))
        buttons = []
        if paper.submitted_at is None and paper.owner_id == ctx.actor.id:
            buttons = paper_buttons(paper.id)
        items.append(Item(text=f"#{paper.id} {paper.title}", key=f"paper:{paper.id}",
                          fields=[("Owner", owners[paper.owner_id]), ("Status", status)], buttons=buttons))
    outstanding = sum(1 for p in rows if p.submitted_at is None)
    return Reply(
        title=f"Papers: {group.name}, {format_day(meeting_day(ctx, meeting))}",
        text=say("papers", deadline=deadline, outstanding=outstanding, total=len(rows),
                 late=today > deadline and outstanding > 0, notice=group.papers_notice_working_days,
                 clear_days=group.clear_days),
        items=items,
    )


def _find_paper(cmd: Command, ctx: Context) -> Paper:
    paper_id = parse_id(cmd.args[0] if cmd.args else None, what="paper", listing="papers")
    found = paper_by_id(paper_id, scope=ctx.scope, session=ctx.session)
    if found is None:
        raise UserError(f"There is no paper #{paper_id}. Type `papers` to see the papers and their numbers.")
    return found


@command("paper done", summary="mark a paper of yours submitted (today, or the day given)", example="paper done 3",
         usage="paper done ID [DAY]",
         target=Target(_find_paper, lambda ctx, p: refuse_unless_acts_for(ctx, p.owner_id, "mark this paper in"),
                       kind=Paper))
def paper_done(cmd: Command, ctx: Context) -> Reply:
    paper: Paper = ctx.target
    done = done_on(cmd, ctx, after=1, what="the paper was sent in", example=f"paper done {paper.id} 30/11/2026")
    changed = mark_paper_submitted(paper, actor_id=ctx.actor.id, session=ctx.session, now=done)
    meeting = meeting_by_id(paper.meeting_id, scope=ctx.scope, session=ctx.session)
    group = group_by_id(ctx, meeting.group_id)
    submitted = ctx.calendar.local_date(paper.submitted_at)
    return marked_reply(ctx, say("paper_done", paper=paper, changed=changed, group=group, submitted=submitted),
                        changed=changed, reopen=f"paper reopen {paper.id}", moment=paper.submitted_at,
                        owner_id=paper.owner_id, title="Your paper is marked in", put_right="Not in after all",
                        told=f"marked your paper \"{paper.title}\" in, on {format_day(submitted)} (for {group.name}, "
                             f"{format_day(meeting_day(ctx, meeting))}). It gets no more reminders.")


@command("paper reopen", summary="mark a paper of yours not in after all, so it is chased again",
         example="paper reopen 3", usage="paper reopen ID", options=("marked",),
         target=Target(_find_paper, lambda ctx, p: refuse_unless_acts_for(ctx, p.owner_id, "change it"), kind=Paper))
def paper_reopen(cmd: Command, ctx: Context) -> Reply:
    paper: Paper = ctx.target
    was = paper.submitted_at
    meeting = meeting_by_id(paper.meeting_id, scope=ctx.scope, session=ctx.session)
    group = group_by_id(ctx, meeting.group_id)
    buttons = paper_buttons(paper.id) if paper.owner_id == ctx.actor.id else \
        [Button("Mark submitted", f"paper done {paper.id}", style="primary")]
    if undoing_an_earlier_marking(cmd, was):
        return stale_undo(f"\"{paper.title}\"", "marked in again", ctx.calendar.local_date(was),
                          f"paper reopen {paper.id}")
    marker = marked_by(ctx, "paper.submitted", "paper", paper.id) if was is not None else None
    if not reopen_paper(paper, actor_id=ctx.actor.id, session=ctx.session):
        return Reply(text=f"\"{paper.title}\" is not marked in. Nothing changed.", tone=Tone.INFO, buttons=buttons)
    day = format_day(meeting_day(ctx, meeting))
    if meeting.status != MeetingStatus.SCHEDULED.value:
        when = f"the meeting of {group.name} on {day} is cancelled, so it gets no reminders"
    elif meeting.starts_at <= ctx.now():
        when = f"the meeting of {group.name} was on {day}, so it gets no reminders"
    else:
        when = (f"papers for {group.name} on {day} are due by {format_day(papers_deadline(ctx, meeting, group))}; "
                f"reminders for it start again")
    reply = Reply(text=f"\"{paper.title}\" is not in after all (it was marked in on "
                       f"{format_day(ctx.calendar.local_date(was))}): {when}.",
                  tone=Tone.SUCCESS, changed=True, buttons=buttons)
    tell_owner(ctx, reply, paper.owner_id, title="Your paper is not in after all",
               text=f"marked your paper \"{paper.title}\" not in after all: {when}.",
               buttons=paper_buttons(paper.id) if meeting.status == MeetingStatus.SCHEDULED.value
               and meeting.starts_at > ctx.now() else [])
    tell_marker(ctx, reply, marker, owner_id=paper.owner_id, title="A paper you marked in is not in after all",
                text=f"marked the paper \"{paper.title}\" not in after all, which you had marked in: {when}.")
    return reply


def _names(ctx: Context, member_ids: set[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    return dict(ctx.session.exec(select(Member.id, Member.name).where(ctx.scope.where(Member),
                                                                      col(Member.id).in_(member_ids))).all())
