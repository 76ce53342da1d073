"""Running a group's meetings in chat: add, move and cancel them, record who actually attended,
and mark the minutes out. For the group's chairs and the business unit.

Each command works in one line (`meeting add arg 2027-03-02 10:00 Council House`, or key=value
pairs), and `meeting add` with nothing after it offers a form, which Slack shows as a modal and
Teams as a card.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlmodel import col, select

from handlers.common import the_meeting
from handlers.core import Command, Context, Target, UserError, command
from handlers.fields import (free_text, group_choices, parse_day, parse_time, split_fields, take_clock, take_day,
                             the_group, the_member)
from handlers.permissions import CHAIRS, refuse_unless_manages
from messages.reply import FieldKind, Form, FormField, Notice, Reply, Tone
from messages.templates import format_day, format_when, say
from models.audit import save_changes, save_new
from models.meetings import AttendanceAnswer, Meeting, MeetingStatus, answered_member_ids


def meeting_form(ctx: Context) -> Form:
    return Form("meeting-add", "Add a meeting", "meeting add", (
        FormField("group", "Group", FieldKind.CHOICE, options=group_choices(ctx, managed_only=True)),
        FormField("date", "Date", FieldKind.DATE),
        FormField("time", "Start time", initial="10:00", max_length=8, hint="Like 10:00 or 2.30pm"),
        FormField("location", "Where", required=False, max_length=200),
    ), submit_label="Add meeting")


def _group_named(cmd: Command, ctx: Context):
    """The group a `meeting add` names; None while the form is still to be filled in."""
    fields, words = split_fields(cmd)
    if not fields and not words:
        return None
    return the_group(ctx, fields.get("group") or (words[0] if words else None))


def _meeting_named(cmd: Command, ctx: Context):
    fields, words = split_fields(cmd)
    return the_meeting(ctx, fields.get("meeting") or (words[0] if words else None))


def _runs(doing: str):
    """Only the meeting's group's chairs and the business unit."""
    return lambda ctx, found: refuse_unless_manages(ctx, found if not isinstance(found, tuple) else found[1], doing)


def _when(ctx: Context, fields: dict[str, str], words: list[str], *, what: str,
          usual: time) -> tuple[date, time, list[str]]:
    """The date and time of a meeting, from the form's fields or the words typed (which may be
    several: `2 March 2027 2.30 pm`), the time being `usual` when none is given; and the words
    left after them."""
    if fields.get("date"):
        day = parse_day(fields["date"], what=what, today=ctx.today())
    else:
        day, words = take_day(words, what=what, today=ctx.today())
    if fields.get("time"):
        return day, parse_time(fields["time"]), words
    if not words:
        return day, usual, words
    at, words = take_clock(words)
    return day, at, words


def _told(ctx: Context, meeting: Meeting) -> list[int]:
    return [m for m in answered_member_ids(meeting.id, scope=ctx.scope, session=ctx.session) if m != ctx.actor.id]


@command("meeting add", summary="add a meeting", example="meeting add arg 2027-03-02 10:00 Council House",
         usage="meeting add GROUP DATE TIME [LOCATION]", rule=CHAIRS,
         target=Target(_group_named, _runs("add its meetings")))
def meeting_add(cmd: Command, ctx: Context) -> Reply:
    if ctx.target is None:
        return Reply(text="Which group, and when?", form=meeting_form(ctx), private=True)
    group = ctx.target
    fields, words = split_fields(cmd)
    day, at, rest = _when(ctx, fields, words if fields.get("group") else words[1:], what="the meeting's date",
                         usual=time(10, 0))
    location = free_text(ctx, fields.get("location") or " ".join(rest), field="location", what="place",
                         limit=200, required=False)
    starts = datetime.combine(day, at, tzinfo=ctx.calendar.zone)
    if starts <= ctx.now():
        raise UserError(f"{format_day(day)} has passed; a new meeting needs a date to come.",
                        field_errors={"date": "Choose a date to come."})
    meeting = save_new(Meeting(group_id=group.id, starts_at=starts, location=location), session=ctx.session,
                       actor_id=ctx.actor.id, action="meeting.added")
    deadline = ctx.calendar.papers_due(day, group.papers_notice_working_days, group.clear_days)
    return Reply(text=say("meeting_added", group=group, meeting=meeting, when=format_when(starts),
                          deadline=deadline), tone=Tone.SUCCESS, changed=True)


@command("meeting move", summary="move a meeting; those who answered are told",
         example="meeting move 2 2027-03-09 14:00", usage="meeting move ID DATE TIME", rule=CHAIRS,
         target=Target(_meeting_named, kind=Meeting, refuse=_runs("move its meetings")))
def meeting_move(cmd: Command, ctx: Context) -> Reply:
    meeting, group = ctx.target
    fields, words = split_fields(cmd)
    old_local = ctx.calendar.local_datetime(meeting.starts_at)
    day, at, _rest = _when(ctx, fields, words if fields.get("meeting") else words[1:], what="the new date",
                           usual=old_local.time())
    starts = datetime.combine(day, at, tzinfo=ctx.calendar.zone)
    if starts <= ctx.now():
        raise UserError(f"{format_day(day)} has passed; move the meeting to a date to come.")
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise UserError(f"Meeting #{meeting.id} was cancelled; add a new one with `meeting add`.")
    save_changes(meeting, {"starts_at": starts}, session=ctx.session, actor_id=ctx.actor.id, action="meeting.moved")
    deadline = ctx.calendar.papers_due(day, group.papers_notice_working_days, group.clear_days)
    text = say("meeting_moved", group=group, old=format_when(old_local), new=format_when(starts), deadline=deadline)
    reply = Reply(text=text, tone=Tone.SUCCESS, changed=True)
    reply.notices = [Notice(m, Reply(title=f"{group.name} has moved", text=text)) for m in _told(ctx, meeting)]
    return reply


@command("meeting cancel", summary="cancel a meeting; those who answered are told", example="meeting cancel 2",
         usage="meeting cancel ID", rule=CHAIRS,
         target=Target(_meeting_named, kind=Meeting, refuse=_runs("cancel its meetings")))
def meeting_cancel(cmd: Command, ctx: Context) -> Reply:
    meeting, group = ctx.target
    changed = save_changes(meeting, {"status": MeetingStatus.CANCELLED.value}, session=ctx.session,
                           actor_id=ctx.actor.id, action="meeting.cancelled")
    when = format_when(ctx.calendar.local_datetime(meeting.starts_at))
    if not changed:
        return Reply(text=f"{group.name} on {when} was already cancelled. Nothing changed.")
    text = f"{group.name} on {when} is cancelled. Its papers and attendance reminders have stopped."
    reply = Reply(text=text, tone=Tone.SUCCESS, changed=True)
    reply.notices = [Notice(m, Reply(title=f"{group.name} is cancelled", text=text)) for m in _told(ctx, meeting)]
    return reply


@command("attended", summary="after a meeting: record who attended (from the answers), or correct one person",
         example="attended 1 mark.evans@police.example.org no", usage="attended MEETING-ID [EMAIL yes|no]",
         rule=CHAIRS, target=Target(_meeting_named, kind=Meeting, refuse=_runs("record its attendance")))
def attended(cmd: Command, ctx: Context) -> Reply:
    meeting, group = ctx.target
    if meeting.starts_at > ctx.now():
        raise UserError("That meeting hasn't happened yet. Record attendance after it.")
    if len(cmd.args) >= 3:
        member = the_member(ctx, cmd.args[1], what="member")
        value = {"yes": True, "no": False}.get(cmd.args[2].lower())
        if value is None:
            raise UserError(f"Say yes or no, e.g. `attended {meeting.id} {member.email} yes`.")
        row = ctx.session.exec(select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == meeting.id,
                                                              AttendanceAnswer.member_id == member.id)).first()
        if row is None:
            row = save_new(AttendanceAnswer(meeting_id=meeting.id, member_id=member.id, answer="apologies",
                                            answered_at=ctx.now(), attended=value),
                           session=ctx.session, actor_id=ctx.actor.id, action="attendance.recorded")
            changed = True
        else:
            changed = save_changes(row, {"attended": value}, session=ctx.session, actor_id=ctx.actor.id,
                                   action="attendance.recorded")
        return Reply(text=f"Recorded: {member.name} {'attended' if value else 'did not attend'}."
                     + ("" if changed else " Nothing changed."), tone=Tone.SUCCESS, changed=changed)
    rows = ctx.session.exec(select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == meeting.id,
                                                           col(AttendanceAnswer.attended).is_(None))).all()
    for row in rows:
        save_changes(row, {"attended": row.answer in ("attending", "deputy")}, session=ctx.session,
                     actor_id=ctx.actor.id, action="attendance.recorded")
    held = format_day(ctx.calendar.local_date(meeting.starts_at))
    return Reply(text=f"Recorded attendance for {group.name} on {held} from the {len(rows)} answers given. "
                      f"Correct anyone with `attended {meeting.id} EMAIL yes|no`.",
                 tone=Tone.SUCCESS, changed=bool(rows))


@command("minutes", summary="mark a meeting's minutes circulated", example="minutes 1", usage="minutes MEETING-ID",
         rule=CHAIRS, target=Target(_meeting_named, kind=Meeting, refuse=_runs("record its minutes")))
def minutes(cmd: Command, ctx: Context) -> Reply:
    meeting, group = ctx.target
    if meeting.minutes_circulated_at is not None:
        return Reply(text=f"Those minutes were marked out on "
                          f"{format_day(ctx.calendar.local_date(meeting.minutes_circulated_at))}. Nothing changed.")
    save_changes(meeting, {"minutes_circulated_at": ctx.now()}, session=ctx.session, actor_id=ctx.actor.id,
                 action="meeting.minutes")
    days = (ctx.today() - ctx.calendar.local_date(meeting.starts_at)).days
    late = days > group.minutes_within_days
    return Reply(text=f"Saved: minutes of {group.name} circulated, {days} days after the meeting"
                      + (f" (the limit is {group.minutes_within_days})." if late else "."),
                 tone=Tone.SUCCESS, changed=True)
