"""Running a group's meetings in chat: add, move and cancel them, record who actually attended,
and mark the minutes out. For the group's chairs and the business unit.

Each command works in one line (`meeting add arg 2027-03-02 10:00 Council House`, or key=value
pairs), and `meeting add` with nothing after it offers a form, which Slack shows as a modal and
Teams as a card.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlmodel import col, func, select

from handlers.common import the_meeting, the_next_meeting
from handlers.confirm import CONFIRM, ask_to_confirm, command_line, confirmed, unusual_day
from handlers.core import Command, Context, Target, UserError, command
from handlers.fields import (done_on, free_text, group_choices, parse_day, parse_time, split_fields, take_clock,
                             take_day, text_check, text_or_option, the_group, time_check)
from handlers.forms import checked_form
from handlers.meeting_notices import cancel_notices, move_notices, next_meeting_now, told_of_change, who_was_told
from handlers.permissions import CHAIRS, refuse_unless_manages
from messages.reply import FieldKind, Form, FormField, Reply, Tone
from messages.templates import format_day, format_when, say
from models.audit import save_changes, save_new
from models.dates import DateError, local_moment
from models.identifiers import PLACE
from models.groups import Group, Membership, seat_held
from models.meetings import AttendanceAnswer, Meeting, MeetingStage, MeetingStatus, Paper, stage_of
from models.partnership import Member
from models.people import find_member


def meeting_form(ctx: Context) -> Form:
    return Form("meeting-add", "Add a meeting", "meeting add", (
        FormField("group", "Group", FieldKind.CHOICE, options=group_choices(ctx, managed_only=True)),
        FormField("date", "Date", FieldKind.DATE),
        FormField("time", "Start time", initial="10:00", max_length=8, hint="Like 10:00 or 2.30pm",
                  check=time_check()),
        FormField("location", "Where", required=False, max_length=200,
                  check=text_check(what="place", limit=200, where=PLACE)),
    ), submit_label="Add meeting")


def move_form(ctx: Context, meeting: Meeting) -> Form:
    """`meeting move ID` with nothing after it: the new date, time and place, filled in as they are now."""
    now = ctx.calendar.local_datetime(meeting.starts_at)
    return Form(f"meeting-move-{meeting.id}", f"Move meeting #{meeting.id}", f"meeting move {meeting.id}", (
        FormField("date", "New date", FieldKind.DATE, initial=now.date().isoformat()),
        FormField("time", "Start time", initial=f"{now:%H:%M}", max_length=8, hint="Like 10:00 or 2.30pm",
                  check=time_check()),
        FormField("location", "Where", required=False, max_length=200, initial=meeting.location,
                  check=text_check(what="place", limit=200, where=PLACE)),
    ), submit_label="Move meeting", intro="Everyone on the group is told of the change.")


def _group_named(cmd: Command, ctx: Context):
    """The group a `meeting add` names; None while the form is still to be filled in."""
    fields, words = split_fields(cmd)
    if not fields and not words:
        return None
    return the_group(ctx, fields.get("group") or (words[0] if words else None))


def _meeting_named(cmd: Command, ctx: Context):
    fields, words = split_fields(cmd)
    return the_meeting(ctx, fields.get("meeting") or (words[0] if words else None))


def _held_meeting_named(cmd: Command, ctx: Context):
    """A meeting named for what is recorded after it (attendance, minutes): `meetings past` lists them."""
    fields, words = split_fields(cmd)
    return the_meeting(ctx, fields.get("meeting") or (words[0] if words else None), listing="meetings past")


def _described(ctx: Context, meeting: Meeting, group: Group) -> str:
    return f"Meeting #{meeting.id} of the {group.name} ({format_when(ctx.calendar.local_datetime(meeting.starts_at))})"


def _not_yet(ctx: Context, meeting: Meeting, group: Group, doing: str, meanwhile: str = "") -> None:
    """Attendance and minutes are for meetings that have happened: a refusal saying when this one is."""
    stage = stage_of(meeting, ctx.now())
    if stage == MeetingStage.CANCELLED:
        raise UserError(f"{_described(ctx, meeting, group)} was cancelled, so there is nothing to record. "
                        f"`meetings past {group.key}` lists the meetings that were held.")
    if stage == MeetingStage.FUTURE:
        raise UserError(f"{_described(ctx, meeting, group)} hasn't happened yet. {doing} after it, "
                        f"with the same command.{meanwhile}")


def _still_to_come(ctx: Context, meeting: Meeting, group: Group, doing: str) -> None:
    """Only a meeting still to come can be moved or cancelled: one held stays in the record."""
    if stage_of(meeting, ctx.now()) in (MeetingStage.HELD, MeetingStage.MINUTED):
        raise UserError(f"{_described(ctx, meeting, group)} has been held, so it can't be {doing}: its attendance "
                        f"and minutes belong to that day. To book another meeting, use "
                        f"`meeting add {group.key} DATE TIME`.")


def _runs(doing: str):
    """Only the meeting's group's chairs and the business unit."""
    return lambda ctx, found: refuse_unless_manages(ctx, found if not isinstance(found, tuple) else found[1], doing)


def _when(ctx: Context, fields: dict[str, str], words: list[str], *, what: str,
          usual: time) -> tuple[date, time, list[str]]:
    """The date and time of a meeting, from the form's fields or the words typed (which may be
    several: `2 March 2027 2.30 pm`), the time being `usual` when none is given; and the words
    left after them. See _starts for the moment they make."""
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


def _starts(ctx: Context, day: date, at: time) -> datetime:
    """The moment a meeting starts, by the partnership's clocks: a time they skip when they go forward
    (01:30 on the last Sunday in March in the UK) is refused, never saved an hour later than the reply says."""
    try:
        return local_moment(day, at, ctx.calendar.zone)
    except DateError as error:
        raise UserError(error.sentence, field_errors={"time": error.sentence}) from None


@command("meeting add", summary="add a meeting", example="meeting add arg 2027-03-02 10:00 Council House",
         usage="meeting add GROUP DATE TIME [LOCATION]", rule=CHAIRS,
         options=("group", "date", "time", "location", CONFIRM),
         target=Target(_group_named, _runs("add its meetings")))
@checked_form(meeting_form)
def meeting_add(cmd: Command, ctx: Context) -> Reply:
    if ctx.target is None:
        return Reply(text="Which group, and when?", form=meeting_form(ctx), private=True)
    group = ctx.target
    fields, words = split_fields(cmd)
    day, at, rest = _when(ctx, fields, words if fields.get("group") else words[1:], what="the meeting's date",
                         usual=time(10, 0))
    location = free_text(ctx, text_or_option(cmd, fields, rest, "location"), field="location", what="place",
                         where=PLACE, limit=200, required=False)
    starts = _starts(ctx, day, at)
    if starts <= ctx.now():
        raise UserError(f"{format_day(day)} has passed; a new meeting needs a date to come.",
                        field_errors={"date": "Choose a date to come."})
    same = ctx.session.exec(select(Meeting.id).where(ctx.scope.where(Meeting), Meeting.group_id == group.id,
                                                     Meeting.starts_at == starts,
                                                     Meeting.status != MeetingStatus.CANCELLED.value)).first()
    if same is not None:
        raise UserError(f"Nothing was added: {group.name} already has meeting #{same} on {format_when(starts)}.",
                        field_errors={"date": f"{group.name} already meets then (#{same})."})
    warning = unusual_day(ctx, day)
    if warning and not confirmed(fields, day):
        values = {"group": group.key, "date": day.isoformat(), "time": f"{at:%H:%M}", "location": location}
        return ask_to_confirm(cmd, warning=warning, day=day, anyway="Add anyway", form=meeting_form(ctx),
                              values=values, line=command_line("meeting add", group.key, day.isoformat(),
                                                               f"{at:%H:%M}", location=location))
    meeting = save_new(Meeting(group_id=group.id, starts_at=starts, location=location), session=ctx.session,
                       actor_id=ctx.actor.id, action="meeting.added")
    deadline = ctx.calendar.papers_due(day, group.papers_notice_working_days, group.clear_days)
    return Reply(text=say("meeting_added", group=group, meeting=meeting, when=format_when(starts),
                          deadline=deadline, late=deadline < ctx.today()), tone=Tone.SUCCESS, changed=True)


@command("meeting move", summary="move a meeting to another time, or place (the number alone opens a form); its "
                                 "members are told",
         example="meeting move 2 2027-01-12 14:00", usage="meeting move ID [DATE TIME [LOCATION]]", rule=CHAIRS,
         options=("meeting", "date", "time", "location", CONFIRM),
         target=Target(_meeting_named, kind=Meeting, refuse=_runs("move its meetings")))
@checked_form(lambda ctx: move_form(ctx, ctx.target[0]))
def meeting_move(cmd: Command, ctx: Context) -> Reply:
    meeting, group = ctx.target
    _still_to_come(ctx, meeting, group, "moved")
    if stage_of(meeting, ctx.now()) == MeetingStage.CANCELLED:
        raise UserError(f"Meeting #{meeting.id} was cancelled; add a new one with "
                        f"`meeting add {group.key} DATE TIME`.")
    fields, words = split_fields(cmd)
    old_local = ctx.calendar.local_datetime(meeting.starts_at)
    words = words if fields.get("meeting") else words[1:]
    if not words and not any(fields.get(key) for key in ("date", "time", "location")):
        return Reply(title=f"{group.name}, {format_when(old_local)}", private=True, form=move_form(ctx, meeting),
                     text="Give the new date and time, or a new place." + (f" It is at {meeting.location} now."
                                                                          if meeting.location else ""))
    if fields.get("location") and not words and not fields.get("date") and not fields.get("time"):
        day, at, rest = old_local.date(), old_local.time(), []  # a new place only: `meeting move 2 location=...`
    else:
        day, at, rest = _when(ctx, fields, words, what="the new date", usual=old_local.time())
    place = free_text(ctx, text_or_option(cmd, fields, rest, "location"), field="location", what="place",
                      where=PLACE, limit=200, required=False,
                      unchanged=f"{group.name} is still on {format_when(old_local)}")
    starts = _starts(ctx, day, at)
    if starts <= ctx.now():
        raise UserError(f"{format_day(day)} has passed; move the meeting to a date to come.")
    warning = unusual_day(ctx, day)
    if warning and not confirmed(fields, day):
        return ask_to_confirm(cmd, warning=warning, day=day, anyway="Move anyway",
                              line=command_line("meeting move", str(meeting.id), day.isoformat(), f"{at:%H:%M}",
                                                location=place))
    was_at, was_on = meeting.location, meeting.starts_at
    was_next = the_next_meeting(ctx, group).id == meeting.id
    changes = {"starts_at": starts} | ({"location": place} if place else {})
    if not save_changes(meeting, changes, session=ctx.session, actor_id=ctx.actor.id, action="meeting.moved"):
        where = f" at {was_at}" if place else ""
        return Reply(text=f"{group.name} is already on {format_when(old_local)}{where}. Nothing changed, and nobody "
                          f"was told.")
    deadline = ctx.calendar.papers_due(day, group.papers_notice_working_days, group.clear_days)
    next_now = next_meeting_now(ctx, group, meeting, was_next=was_next)

    def moved_text(ask: bool) -> str:  # "Please check you can still come" only where there is an answer to check
        return say("meeting_moved", group=group, old=format_when(old_local), new=format_when(starts),
                   deadline=deadline, moved=starts != was_on, place=place if place and place != was_at else None,
                   late=deadline < ctx.today(), ask=ask and not next_now) + next_now

    text = moved_text(True)
    told = told_of_change(ctx, meeting, ctx.calendar.local_date(was_on), day)
    reply = Reply(text=f"{text} {who_was_told(told)}", tone=Tone.SUCCESS, changed=True)
    title = f"{group.name} has moved" if starts != was_on else f"{group.name} has a new place"
    reply.notices = move_notices(ctx, meeting, group, told, title=title, text=text, no_seat_text=moved_text(False),
                                 moved=starts != was_on)
    return reply


@command("meeting cancel", summary="cancel a meeting; its members are told", example="meeting cancel 2",
         usage="meeting cancel ID", rule=CHAIRS, options=("meeting",),
         target=Target(_meeting_named, kind=Meeting, refuse=_runs("cancel its meetings")))
def meeting_cancel(cmd: Command, ctx: Context) -> Reply:
    meeting, group = ctx.target
    _still_to_come(ctx, meeting, group, "cancelled")
    changed = save_changes(meeting, {"status": MeetingStatus.CANCELLED.value}, session=ctx.session,
                           actor_id=ctx.actor.id, action="meeting.cancelled")
    when = format_when(ctx.calendar.local_datetime(meeting.starts_at))
    if not changed:
        return Reply(text=f"{group.name} on {when} was already cancelled. Nothing changed.")
    owed = ctx.session.exec(select(func.count(Paper.id)).where(ctx.scope.where(Paper), Paper.meeting_id == meeting.id,
                                                               col(Paper.submitted_at).is_(None))).one()
    papers = (f" The {owed} paper{'s' if owed > 1 else ''} not yet in for it {'are' if owed > 1 else 'is'} no longer "
              f"chased; list any still needed for the next meeting with `paper add {group.key}`." if owed else "")
    text = f"{group.name} on {when} is cancelled. Its papers and attendance reminders have stopped."
    told = told_of_change(ctx, meeting, ctx.calendar.local_date(meeting.starts_at))
    reply = Reply(text=f"{text}{papers} {who_was_told(told)}", tone=Tone.SUCCESS, changed=True)
    reply.notices = cancel_notices(ctx, group, told, text)
    return reply


def _seat_holder(ctx: Context, meeting: Meeting, group: Group, text: str) -> Member:
    """The one person, by name or email, who held a seat on the group on the meeting's day."""
    found = find_member(text, scope=ctx.scope, session=ctx.session)
    spans = {member_id: (since, until) for member_id, since, until in ctx.session.exec(
        select(Membership.member_id, Membership.since, Membership.until).where(
            ctx.scope.where(Membership), Membership.group_id == group.id,
            col(Membership.member_id).in_([m.id for m in found] or [0])))}
    day = ctx.calendar.local_date(meeting.starts_at)
    seated = [m for m in found if m.id in spans and seat_held(*spans[m.id], day)]
    if len(seated) == 1:
        return seated[0]
    if seated:
        raise UserError(f"'{text}' matches {len(seated)} people on the {group.name}: "
                        + ", ".join(f"{m.name} ({m.email})" for m in seated[:5]) + ". Give their email.")
    if not found:
        raise UserError(f"'{text}' is not a member of the partnership. Give their name or email as AssureBot "
                        f"knows them: `attendance {group.key}` lists the group's members.")
    not_seated = (f"{found[0].name} didn't hold" if len(found) == 1
                  else f"None of the {len(found)} people matching '{text}' held")
    raise UserError(f"{not_seated} a seat on the {group.name} on {format_day(day)}, so there is no attendance to "
                    f"record for them. A deputy's attendance is recorded for the member they stood in for: "
                    f"`attended {meeting.id} MEMBER yes`.")


ATTENDED_WORDS = {"yes": True, "y": True, "attended": True, "no": False, "n": False}


@command("attended", summary="after a meeting: record who attended (from the answers), or correct one person",
         example="attended 1 mark.evans@police.example.org no", usage="attended MEETING-ID [NAME-OR-EMAIL yes|no]",
         options=("meeting",),
         rule=CHAIRS, target=Target(_held_meeting_named, kind=Meeting, refuse=_runs("record its attendance")))
def attended(cmd: Command, ctx: Context) -> Reply:
    meeting, group = ctx.target
    _not_yet(ctx, meeting, group, "Record who attended",
             f" Until then, `attendance {group.key}` shows who has said they are coming.")
    if len(cmd.args) >= 2:
        *who, word = cmd.args[1:]
        value = ATTENDED_WORDS.get(word.lower())
        if value is None or not who:
            raise UserError(f"Say who and yes or no, e.g. `attended {meeting.id} Helen Carter yes` or "
                            f"`attended {meeting.id} name@agency.example.org no`.")
        member = _seat_holder(ctx, meeting, group, " ".join(who))
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
        said = f"{member.name} {'attended' if value else 'did not attend'}"
        return Reply(text=f"Recorded: {said}." if changed else f"Already recorded: {said}. Nothing changed.",
                     tone=Tone.SUCCESS if changed else Tone.INFO, changed=changed)
    rows = ctx.session.exec(select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == meeting.id,
                                                           col(AttendanceAnswer.attended).is_(None))).all()
    for row in rows:  # all of them or none: a failure part-way must not leave the record half made
        save_changes(row, {"attended": row.answer in ("attending", "deputy")}, session=ctx.session,
                     actor_id=ctx.actor.id, action="attendance.recorded", commit=False)
    ctx.session.commit()
    held = format_day(ctx.calendar.local_date(meeting.starts_at))
    if not rows:
        return Reply(text=f"There were no answers to record for {group.name} on {held}: nobody had answered, or "
                          f"their answers are recorded already. Record who came with "
                          f"`attended {meeting.id} NAME-OR-EMAIL yes|no`.")
    given = "the one answer" if len(rows) == 1 else f"the {len(rows)} answers"
    return Reply(text=f"Recorded attendance for {group.name} on {held} from {given} given. "
                      f"Correct anyone with `attended {meeting.id} NAME-OR-EMAIL yes|no`.",
                 tone=Tone.SUCCESS, changed=True)


@command("minutes", summary="mark a meeting's minutes circulated (today, or the day given)", example="minutes 1",
         usage="minutes MEETING-ID [DAY]",
         options=("meeting",),
         rule=CHAIRS, target=Target(_held_meeting_named, kind=Meeting, refuse=_runs("record its minutes")))
def minutes(cmd: Command, ctx: Context) -> Reply:
    meeting, group = ctx.target
    _not_yet(ctx, meeting, group, "Mark its minutes out")
    if meeting.minutes_circulated_at is not None:
        return Reply(text=f"Those minutes were marked out on "
                          f"{format_day(ctx.calendar.local_date(meeting.minutes_circulated_at))}. Nothing changed.")
    held = ctx.calendar.local_date(meeting.starts_at)
    out = done_on(cmd, ctx, after=1, what="the minutes went out", example=f"minutes {meeting.id} 30/11/2026",
                  not_before=held, earliest=meeting.starts_at)
    save_changes(meeting, {"minutes_circulated_at": out}, session=ctx.session, actor_id=ctx.actor.id,
                 action="meeting.minutes")
    days = (ctx.calendar.local_date(out) - held).days
    late = days > group.minutes_within_days
    return Reply(text=f"Saved: minutes of {group.name} circulated on {format_day(ctx.calendar.local_date(out))}, "
                      f"{days} days after the meeting"
                      + (f" (the limit is {group.minutes_within_days})." if late else "."),
                 tone=Tone.SUCCESS, changed=True)
