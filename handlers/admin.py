"""The business unit's side in chat: add and change meetings, papers, returns, actions and members,
record who actually attended, and mark the minutes out.

Each command works in one line (`meeting add arg 2027-03-02 10:00 Council House`, or key=value
pairs such as `action add owner=a@b.org due=2027-01-31 Refresh the toolkit`), and with no
arguments it offers a form, which Slack shows as a modal and Teams as a card.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlmodel import col, select

from handlers.common import find_group, group_list, parse_id, the_next_meeting
from handlers.core import Command, Context, UserError, command, split_words
from handlers.permissions import chairs_a_group_of, require_admin, require_chair_or_admin
from messages.reply import Choice, FieldKind, Form, FormField, Notice, Reply, Tone
from messages.templates import format_day, format_when, say
from models.audit import save_changes, save_new
from models.groups import Group, Membership, Role
from models.meetings import AttendanceAnswer, Meeting, MeetingStatus, Paper
from models.partnership import Agency, Member
from models.people import find_member, member_by_email
from models.work import Action, DataReturn, ReturnKind


def split_fields(cmd: Command) -> tuple[dict[str, str], list[str]]:
    """key=value words become fields (form values win); the other words are returned in order."""
    fields: dict[str, str] = {}
    words: list[str] = []
    for word in split_words(cmd.text):
        key, sep, value = word.partition("=")
        if sep and key.isidentifier():
            fields[key.lower()] = value
        else:
            words.append(word)
    fields.update({k: v for k, v in cmd.form.items() if v is not None})
    return fields, words


def parse_day(value: str | None, *, what: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise UserError(f"'{value or ''}' is not a date for {what}; write it as YYYY-MM-DD, e.g. 2027-03-02.",
                        field_errors={"date": "Write the date as YYYY-MM-DD."}) from None


def parse_time(value: str | None) -> time:
    try:
        return time.fromisoformat((value or "").strip())
    except ValueError:
        raise UserError(f"'{value or ''}' is not a time; write it as HH:MM, e.g. 10:00.",
                        field_errors={"time": "Write the time as HH:MM."}) from None


def the_member(ctx: Context, text: str | None, *, what: str) -> Member:
    """Exactly one registered member by email or name, or a reply saying what to do."""
    if not text:
        raise UserError(f"Who is the {what}? Give their email, e.g. owner=name@agency.example.org.")
    found = find_member(text, session=ctx.session)
    if len(found) == 1:
        return found[0]
    if not found:
        raise UserError(f"'{text}' is not a member of the partnership, so can't be the {what}. "
                        f"Add them first with `member add`.")
    raise UserError(f"'{text}' matches {len(found)} people; give the {what}'s email.")


def the_group(ctx: Context, key: str | None) -> Group:
    group = find_group(ctx, key) if key else None
    if group is None:
        raise UserError(f"Which group? The groups are: {group_list(ctx)}.")
    return group


def the_meeting(ctx: Context, raw: str | None, listing: str = "meetings") -> tuple[Meeting, Group]:
    meeting = ctx.session.get(Meeting, parse_id(raw, what="meeting", listing=listing))
    if meeting is None:
        raise UserError(f"There is no meeting #{raw}. Type `meetings GROUP` to see their numbers.")
    return meeting, ctx.session.get(Group, meeting.group_id)


def the_agency(ctx: Context, key: str | None) -> Agency:
    agency = ctx.session.exec(select(Agency).where(Agency.partnership_id == ctx.partnership.id,
                                                   Agency.key == (key or "").lower())).first()
    if agency is None:
        raise UserError("Which agency? agency= one of: " + ", ".join(c.value for c in agency_choices(ctx)) + ".")
    return agency


def group_choices(ctx: Context) -> tuple[Choice, ...]:
    groups = ctx.session.exec(select(Group).where(Group.partnership_id == ctx.partnership.id).order_by(Group.key))
    return tuple(Choice(g.key, g.name) for g in groups)


def agency_choices(ctx: Context) -> tuple[Choice, ...]:
    agencies = ctx.session.exec(select(Agency).where(Agency.partnership_id == ctx.partnership.id)
                                .order_by(Agency.name))
    return tuple(Choice(a.key, a.name) for a in agencies)


def _answered(ctx: Context, meeting: Meeting) -> list[int]:
    return list(ctx.session.exec(select(AttendanceAnswer.member_id).where(AttendanceAnswer.meeting_id == meeting.id)))


# --- meetings ---------------------------------------------------------------------------

def meeting_form(ctx: Context) -> Form:
    return Form("meeting-add", "Add a meeting", "meeting add", (
        FormField("group", "Group", FieldKind.CHOICE, options=group_choices(ctx)),
        FormField("date", "Date", FieldKind.DATE),
        FormField("time", "Start time (HH:MM)", initial="10:00", max_length=5),
        FormField("location", "Where", required=False, max_length=200),
    ), submit_label="Add meeting")


@command("meeting add", summary="add a meeting", example="meeting add arg 2027-03-02 10:00 Council House",
         usage="meeting add GROUP DATE TIME [LOCATION]", audience="chairs")
async def meeting_add(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    if not fields and not words:
        return Reply(text="Which group, and when?", form=meeting_form(ctx), private=True)
    group = the_group(ctx, fields.get("group") or (words[0] if words else None))
    require_chair_or_admin(ctx.actor, group, session=ctx.session, doing="add its meetings")
    day = parse_day(fields.get("date") or (words[1] if len(words) > 1 else None), what="the meeting")
    at = parse_time(fields.get("time") or (words[2] if len(words) > 2 else "10:00"))
    location = fields.get("location") or " ".join(words[3:])
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
         example="meeting move 2 2027-03-09 14:00", usage="meeting move ID DATE TIME", audience="chairs")
async def meeting_move(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    meeting, group = the_meeting(ctx, fields.get("meeting") or (words[0] if words else None))
    require_chair_or_admin(ctx.actor, group, session=ctx.session, doing="move its meetings")
    day = parse_day(fields.get("date") or (words[1] if len(words) > 1 else None), what="the new date")
    old_local = ctx.calendar.local_datetime(meeting.starts_at)
    at = parse_time(fields.get("time") or (words[2] if len(words) > 2 else old_local.strftime("%H:%M")))
    starts = datetime.combine(day, at, tzinfo=ctx.calendar.zone)
    if starts <= ctx.now():
        raise UserError(f"{format_day(day)} has passed; move the meeting to a date to come.")
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise UserError(f"Meeting #{meeting.id} was cancelled; add a new one with `meeting add`.")
    save_changes(meeting, {"starts_at": starts}, session=ctx.session, actor_id=ctx.actor.id, action="meeting.moved")
    deadline = ctx.calendar.papers_due(day, group.papers_notice_working_days, group.clear_days)
    text = say("meeting_moved", group=group, old=format_when(old_local), new=format_when(starts), deadline=deadline)
    reply = Reply(text=text, tone=Tone.SUCCESS, changed=True)
    reply.notices = [Notice(m, Reply(title=f"{group.name} has moved", text=text)) for m in _answered(ctx, meeting)
                     if m != ctx.actor.id]
    return reply


@command("meeting cancel", summary="cancel a meeting; those who answered are told", example="meeting cancel 2",
         usage="meeting cancel ID", audience="chairs")
async def meeting_cancel(cmd: Command, ctx: Context) -> Reply:
    meeting, group = the_meeting(ctx, cmd.args[0] if cmd.args else None)
    require_chair_or_admin(ctx.actor, group, session=ctx.session, doing="cancel its meetings")
    changed = save_changes(meeting, {"status": MeetingStatus.CANCELLED.value}, session=ctx.session,
                           actor_id=ctx.actor.id, action="meeting.cancelled")
    when = format_when(ctx.calendar.local_datetime(meeting.starts_at))
    if not changed:
        return Reply(text=f"{group.name} on {when} was already cancelled. Nothing changed.")
    text = f"{group.name} on {when} is cancelled. Its papers and attendance reminders have stopped."
    reply = Reply(text=text, tone=Tone.SUCCESS, changed=True)
    reply.notices = [Notice(m, Reply(title=f"{group.name} is cancelled", text=text)) for m in _answered(ctx, meeting)
                     if m != ctx.actor.id]
    return reply


@command("attended", summary="after a meeting: record who attended (from the answers), or correct one person",
         example="attended 1 mark.evans@police.example.org no", usage="attended MEETING-ID [EMAIL yes|no]",
         audience="chairs")
async def attended(cmd: Command, ctx: Context) -> Reply:
    meeting, group = the_meeting(ctx, cmd.args[0] if cmd.args else None)
    require_chair_or_admin(ctx.actor, group, session=ctx.session, doing="record its attendance")
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
    return Reply(text=f"Recorded attendance for {group.name} on {format_day(ctx.calendar.local_date(meeting.starts_at))} "
                      f"from the {len(rows)} answers given. Correct anyone with `attended {meeting.id} EMAIL yes|no`.",
                 tone=Tone.SUCCESS, changed=bool(rows))


@command("minutes", summary="mark a meeting's minutes circulated", example="minutes 1", usage="minutes MEETING-ID",
         audience="chairs")
async def minutes(cmd: Command, ctx: Context) -> Reply:
    meeting, group = the_meeting(ctx, cmd.args[0] if cmd.args else None)
    require_chair_or_admin(ctx.actor, group, session=ctx.session, doing="record its minutes")
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


# --- papers, returns, actions, members -------------------------------------------------

@command("paper add", summary="add a paper to a group's next meeting",
         example="paper add arg owner=rachel.green@icb.example.org Dataset Q3 commentary",
         usage="paper add GROUP owner=EMAIL TITLE", audience="chairs")
async def paper_add(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    if not fields and not words:
        return Reply(text="Which paper, and who owes it?", private=True, form=Form(
            "paper-add", "Add a paper", "paper add", (
                FormField("group", "Group", FieldKind.CHOICE, options=group_choices(ctx)),
                FormField("title", "Title", max_length=300),
                FormField("owner", "Owner's email", max_length=254),
            ), submit_label="Add paper"))
    group = the_group(ctx, fields.get("group") or (words.pop(0) if words else None))
    require_chair_or_admin(ctx.actor, group, session=ctx.session, doing="add papers for it")
    title = (fields.get("title") or " ".join(words)).strip()
    if not title:
        raise UserError("Give the paper a title, e.g. `paper add arg owner=EMAIL Dataset Q3 commentary`.")
    owner = the_member(ctx, fields.get("owner"), what="paper's owner")
    if fields.get("meeting"):
        meeting, _ = the_meeting(ctx, fields["meeting"])
    else:
        meeting = the_next_meeting(ctx, group)
    paper = save_new(Paper(meeting_id=meeting.id, title=title, owner_id=owner.id), session=ctx.session,
                     actor_id=ctx.actor.id, action="paper.added")
    deadline = ctx.calendar.papers_due(ctx.calendar.local_date(meeting.starts_at), group.papers_notice_working_days,
                                       group.clear_days)
    reply = Reply(text=f"Added paper #{paper.id} \"{title}\" for {group.name} on "
                       f"{format_day(ctx.calendar.local_date(meeting.starts_at))}, owed by {owner.name} by "
                       f"{format_day(deadline)}.", tone=Tone.SUCCESS, changed=True)
    if owner.id != ctx.actor.id:
        reply.notices.append(Notice(owner.id, Reply(title="A paper is due from you", text=(
            f"{ctx.actor.name} has listed you for \"{title}\" for {group.name}. Papers are due by "
            f"{format_day(deadline)}."))))
    return reply


@command("return add", summary="add a return to the schedule",
         example="return add title=\"Dataset\" kind=dataset agency=police owner=EMAIL period=\"Q3 2026/27\" due=2027-01-15",
         usage="return add title= kind= agency= owner= period= due=", audience="chairs")
async def return_add(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    if not fields and not words:
        return Reply(text="Which return, from whom, by when?", private=True, form=Form(
            "return-add", "Add a return", "return add", (
                FormField("title", "Title", max_length=300),
                FormField("kind", "Kind", FieldKind.CHOICE, options=tuple(Choice(k.value, k.value) for k in ReturnKind)),
                FormField("agency", "Agency", FieldKind.CHOICE, options=agency_choices(ctx)),
                FormField("owner", "Responsible person's email", max_length=254),
                FormField("period", "Period (e.g. Q3 2026/27)", required=False, max_length=60),
                FormField("due", "Due", FieldKind.DATE),
            ), submit_label="Add return"))
    require_admin(ctx.actor, session=ctx.session, doing="add returns")
    title = (fields.get("title") or " ".join(words)).strip()
    kind = fields.get("kind", ReturnKind.OTHER.value)
    if kind not in {k.value for k in ReturnKind}:
        raise UserError("kind must be one of: " + ", ".join(k.value for k in ReturnKind) + ".")
    agency = the_agency(ctx, fields.get("agency"))
    owner = the_member(ctx, fields.get("owner"), what="responsible person")
    if owner.agency_id != agency.id:
        raise UserError(f"{owner.name} is not from {agency.name}; the responsible person must be.")
    due = parse_day(fields.get("due"), what="the due date")
    if not title:
        raise UserError("Give the return a title, e.g. title=\"Multi-agency dataset\".")
    item = save_new(DataReturn(agency_id=agency.id, owner_id=owner.id, title=title, kind=kind,
                               period=fields.get("period", ""), due_date=due),
                    session=ctx.session, actor_id=ctx.actor.id, action="return.added")
    return Reply(text=f"Added return #{item.id} \"{title}\" from {agency.name}, due {format_day(due)}; "
                      f"{owner.name} will be reminded.", tone=Tone.SUCCESS, changed=True)


@command("action add", summary="add an action from an action plan",
         example="action add owner=mark.evans@police.example.org due=2027-01-31 source=\"Neglect audit\" Refresh toolkit",
         usage="action add owner=EMAIL due=DATE [source=...] TITLE", audience="chairs")
async def action_add(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    if not fields and not words:
        return Reply(text="What is the action, who owns it, by when?", private=True, form=Form(
            "action-add", "Add an action", "action add", (
                FormField("title", "Action (SMART)", FieldKind.TEXTAREA, max_length=1000),
                FormField("owner", "By whom (email)", max_length=254),
                FormField("due", "By when", FieldKind.DATE),
                FormField("source", "From (audit, review, S11...)", required=False, max_length=200),
            ), submit_label="Add action"))
    owner = the_member(ctx, fields.get("owner"), what="action's owner")
    if not ctx.actor.is_admin and not chairs_a_group_of(ctx.actor, owner.id, session=ctx.session):
        require_admin(ctx.actor, session=ctx.session, doing=f"give actions to {owner.name}")
    title = (fields.get("title") or " ".join(words)).strip()
    if not title:
        raise UserError("What is the action? Put it after the fields, e.g. `action add owner=EMAIL due=DATE "
                        "Refresh the toolkit`.")
    due = parse_day(fields.get("due"), what="the due date")
    action = save_new(Action(title=title, owner_id=owner.id, agency_id=owner.agency_id, due_date=due,
                             source=fields.get("source", "")), session=ctx.session, actor_id=ctx.actor.id,
                      action="action.added")
    reply = Reply(text=f"Added action #{action.id} for {owner.name}, due {format_day(due)}.", tone=Tone.SUCCESS,
                  changed=True)
    if owner.id != ctx.actor.id:
        reply.notices.append(Notice(owner.id, Reply(title="A new action for you", text=(
            f"{ctx.actor.name} has given you action #{action.id}: \"{title}\", due {format_day(due)}."))))
    return reply


@command("member add", summary="add a member, optionally with a seat on a group",
         example="member add name=\"Sam Lee\" email=sam.lee@housing.example.org agency=housing group=arg role=member",
         usage="member add name= email= agency= [group= role=] [admin=yes]", audience="chairs")
async def member_add(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    if not fields and not words:
        return Reply(text="Who should I add?", private=True, form=Form(
            "member-add", "Add a member", "member add", (
                FormField("name", "Name", max_length=200),
                FormField("email", "Work email", max_length=254),
                FormField("agency", "Agency", FieldKind.CHOICE, options=agency_choices(ctx)),
                FormField("group", "Group (optional)", FieldKind.CHOICE, required=False, options=group_choices(ctx)),
                FormField("role", "Role on the group", FieldKind.CHOICE, required=False, initial="member",
                          options=(Choice("member", "Member"), Choice("chair", "Chair"),
                                   Choice("deputy_chair", "Deputy chair"))),
            ), submit_label="Add member"))
    require_admin(ctx.actor, session=ctx.session, doing="add members")
    name, email = (fields.get("name") or " ".join(words)).strip(), (fields.get("email") or "").strip().lower()
    if not name or "@" not in email:
        raise UserError("Give a name and a work email, e.g. `member add name=\"Sam Lee\" email=sam@agency.org "
                        "agency=housing`.")
    agency = the_agency(ctx, fields.get("agency"))
    group = the_group(ctx, fields["group"]) if fields.get("group") else None
    role = fields.get("role") or Role.MEMBER.value
    if role not in {r.value for r in Role}:
        raise UserError("role must be member, chair or deputy_chair.")
    member = member_by_email(email, session=ctx.session)
    if member is not None and member.agency_id != agency.id:
        raise UserError(f"{email} is already registered with another agency. Nothing changed.")
    created = member is None
    if created:
        member = save_new(Member(email=email, name=name, agency_id=agency.id,
                                 is_admin=fields.get("admin", "").lower() in ("yes", "true")),
                          session=ctx.session, actor_id=ctx.actor.id, action="member.added")
    if group is not None:
        seat = ctx.session.exec(select(Membership).where(Membership.group_id == group.id,
                                                         Membership.member_id == member.id)).first()
        if seat is None:
            save_new(Membership(group_id=group.id, member_id=member.id, role=role), session=ctx.session,
                     actor_id=ctx.actor.id, action="membership.added")
        else:
            save_changes(seat, {"role": role}, session=ctx.session, actor_id=ctx.actor.id, action="membership.changed")
    where = f" on {group.name} as {role.replace('_', ' ')}" if group else ""
    return Reply(text=(f"Added {member.name} ({agency.name}){where}." if created
                       else f"{member.name} was already registered{where and ';'}{where}."),
                 tone=Tone.SUCCESS, changed=True)
