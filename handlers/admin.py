"""The business unit's side in chat: add papers, returns, actions and members.

Each command works in one line (key=value pairs such as `action add owner=a@b.org due=2027-01-31
Refresh the toolkit`), and with no arguments it offers a form, which Slack shows as a modal and
Teams as a card. A form is offered only to those who may send it.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import SQLModel, col, func, select

from handlers.attendance import deputy_has_left
from handlers.common import find_group, the_meeting, the_next_meeting
from handlers.confirm import CONFIRM, YES, ask_to_confirm, command_line, confirmed
from handlers.core import Command, Context, Target, UserError, command
from handlers.fields import (agency_choices, date_check, free_text, group_choices, parse_day, split_fields,
                             text_check, text_or_option, the_agency, the_group, the_member, unquoted_name)
from handlers.forms import checked_form
from handlers.permissions import ADMINS, CHAIRS, acts_for, names, refuse_unless_manages
from messages.reply import Button, Choice, FieldKind, Form, FormField, Notice, Reply, Tone
from messages.templates import format_day
from models.audit import record, save_changes, save_new, snapshot
from models.base import same_words
from models.escalations import Escalation
from models.groups import Group, Membership, Role
from models.partnership import Member
from models.people import admins, agency_of, member_by_email, normalise_email
from models.meetings import Meeting, MeetingStatus, Paper
from models.work import RETURN_KIND_NAMES, Action, ActionStatus, DataReturn, ReturnKind, same_return

MAX_TITLE = 300
MAX_ACTION = 1000
MAX_NAME, MAX_EMAIL = 200, 254  # as the member table holds them


def _paper_group(cmd: Command, ctx: Context):
    """The group a `paper add` names; None while the form is still to be filled in, and for a sent
    form naming no group it knows (the form comes back with the group marked)."""
    fields, words = split_fields(cmd)
    if not fields and not words:
        return None
    key = fields.get("group") or (words[0] if words else None)
    if cmd.form and not (key and find_group(ctx, key)):
        return None
    return the_group(ctx, key)


def paper_form(ctx: Context) -> Form:
    """The `paper add` form: which of the person's groups, the paper's title and who owes it."""
    return Form("paper-add", "Add a paper", "paper add", (
        FormField("group", "Group", FieldKind.CHOICE, options=group_choices(ctx, managed_only=True)),
        FormField("title", "Title", max_length=MAX_TITLE, check=text_check(what="paper's title", limit=MAX_TITLE)),
        FormField("owner", "Owner's email", max_length=254),
    ), submit_label="Add paper")


@command("paper add", summary="add a paper to a group's next meeting",
         example="paper add arg owner=rachel.green@icb.example.org Dataset Q3 commentary",
         usage="paper add GROUP owner=EMAIL TITLE", rule=CHAIRS, options=("group", "title", "owner", "meeting"),
         target=Target(_paper_group, lambda ctx, group: refuse_unless_manages(ctx, group, "add papers for it")))
@checked_form(lambda ctx: paper_form(ctx))
def paper_add(cmd: Command, ctx: Context) -> Reply:
    if ctx.target is None:
        return Reply(text="Which paper, and who owes it?", private=True, form=paper_form(ctx))
    group = ctx.target
    fields, words = split_fields(cmd)
    if not fields.get("group") and words:
        words.pop(0)
    if not (fields.get("title") or words):
        raise UserError("Give the paper a title, e.g. `paper add arg owner=EMAIL Dataset Q3 commentary`.",
                        field_errors={"title": "Give the paper's title."})
    owner = the_member(ctx, fields.get("owner"), what="paper's owner", field="owner")
    unquoted_name("owner", fields.get("owner"), owner, words)
    title = free_text(ctx, text_or_option(cmd, fields, words, "title"), field="title", what="paper's title",
                      limit=MAX_TITLE)
    if fields.get("meeting"):
        meeting, of_group = the_meeting(ctx, fields["meeting"])
        if of_group.id != group.id:
            raise UserError(f"Meeting #{meeting.id} is a meeting of {of_group.name}, not {group.name}.")
    else:
        meeting = the_next_meeting(ctx, group)
    day = ctx.calendar.local_date(meeting.starts_at)
    _refuse_same_paper(ctx, meeting, day, group, title, owner)
    paper = save_new(Paper(meeting_id=meeting.id, title=title, owner_id=owner.id), session=ctx.session,
                     actor_id=ctx.actor.id, action="paper.added")
    deadline = ctx.calendar.papers_due(day, group.papers_notice_working_days, group.clear_days)
    late = " That deadline has passed, so the paper is late already." if deadline < ctx.today() else ""
    reply = Reply(text=f"Added paper #{paper.id} \"{title}\" for {group.name} on {format_day(day)}, owed by "
                       f"{owner.name} by {format_day(deadline)}.{late}", tone=Tone.SUCCESS, changed=True)
    if owner.id != ctx.actor.id:
        reply.notices.append(Notice(owner.id, Reply(title="A paper is due from you", text=(
            f"{ctx.actor.name} has listed you for \"{title}\" for {group.name}. Papers are due by "
            f"{format_day(deadline)}." + (" That has passed, so it is late already: please send it as soon as "
                                          "you can." if late else "")))))
    return reply


def _refuse_same_paper(ctx: Context, meeting: Meeting, day: date, group: Group, title: str, owner: Member) -> None:
    """Refuse a paper the meeting already has from the same owner under the same title (in any case
    or spacing): sent twice, it would be chased twice and listed twice in the pack."""
    wanted = same_words(title)
    for held in ctx.session.exec(select(Paper).where(Paper.meeting_id == meeting.id, Paper.owner_id == owner.id)
                                 .order_by(Paper.id)):
        if same_words(held.title) == wanted:
            raise UserError(f"Nothing was added: {group.name} on {format_day(day)} already has paper #{held.id} "
                            f"\"{held.title}\", owed by {owner.name}. A paper is known by its meeting, title and "
                            f"owner; give another title for a different paper.",
                            field_errors={"title": f"This meeting already has this paper (#{held.id}) from "
                                                   f"{owner.name}: give another title."})


@command("return add", summary="add a return to the schedule",
         example="return add title=\"Dataset\" kind=dataset agency=police owner=EMAIL period=\"Q3 2026/27\" due=2027-01-15",
         usage="return add title= kind= agency= owner= period= due=", rule=ADMINS,
         options=("title", "kind", "agency", "owner", "period", "due", CONFIRM))
@checked_form(lambda ctx: return_form(ctx))
def return_add(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    if not fields and not words:
        return Reply(text="Which return, from whom, by when?", private=True, form=return_form(ctx))
    title = free_text(ctx, text_or_option(cmd, fields, words, "title"), field="title", what="return's title",
                      limit=MAX_TITLE, required=False)
    period = free_text(ctx, fields.get("period"), field="period", what="period", limit=60, required=False)
    kind = fields.get("kind", ReturnKind.OTHER.value)
    if kind not in {k.value for k in ReturnKind}:
        raise UserError("kind must be one of: " + ", ".join(f"{k.value} ({RETURN_KIND_NAMES[k.value]})"
                                                            for k in ReturnKind) + ".",
                        field_errors={"kind": "Choose the kind of return."})
    agency = the_agency(ctx, fields.get("agency"), field="agency")
    owner = the_member(ctx, fields.get("owner"), what="responsible person", field="owner")
    unquoted_name("owner", fields.get("owner"), owner, words)
    if owner.agency_id != agency.id:
        raise UserError(f"{owner.name} is not from {agency.name}; the responsible person must be.",
                        field_errors={"owner": f"{owner.name} is not from {agency.name}; give someone who is."})
    due = parse_day(fields.get("due"), what="the due date", today=ctx.today(), field="due")
    if not title:
        raise UserError("Give the return a title, e.g. title=\"Multi-agency dataset\".",
                        field_errors={"title": "Give the return's title."})
    held = same_return(agency.id, title, period, session=ctx.session)
    if held is not None:
        raise UserError(f"Nothing was added: {agency.name} already has return #{held.id} \"{held.title}\""
                        + (f" for {held.period}" if held.period else " (no period)")
                        + f", due {format_day(held.due_date)}. A return is known by its agency, title and period; "
                          f"give another title or period for a different return.",
                        field_errors={"title": f"{agency.name} already has this return (#{held.id}) for "
                                               f"{held.period or 'no period'}: give another title or period."})
    if due < ctx.today() and not confirmed(fields, due):
        values = {"title": title, "kind": kind, "agency": agency.key, "owner": owner.email, "period": period,
                  "due": due.isoformat()}
        return ask_to_confirm(cmd, warning=f"The due date, {format_day(due)}, has passed: the return would be "
                                           f"overdue from the start", day=due, anyway="Add anyway",
                              form=return_form(ctx), values=values, line=command_line("return add", **values))
    item = save_new(DataReturn(agency_id=agency.id, owner_id=owner.id, title=title, kind=kind,
                               period=period, due_date=due),
                    session=ctx.session, actor_id=ctx.actor.id, action="return.added")
    return Reply(text=f"Added return #{item.id} \"{title}\" from {agency.name}, due {format_day(due)}; "
                      f"{owner.name} will be reminded.", tone=Tone.SUCCESS, changed=True)


def return_form(ctx: Context) -> Form:
    """The `return add` form: what the return is, whose, for which period and by when."""
    return Form("return-add", "Add a return", "return add", (
        FormField("title", "Title", max_length=MAX_TITLE, check=text_check(what="return's title", limit=MAX_TITLE)),
        FormField("kind", "Kind", FieldKind.CHOICE,
                  options=tuple(Choice(k.value, RETURN_KIND_NAMES[k.value]) for k in ReturnKind)),
        FormField("agency", "Agency", FieldKind.CHOICE, options=agency_choices(ctx)),
        FormField("owner", "Responsible person's email", max_length=254),
        FormField("period", "Period (e.g. Q3 2026/27)", required=False, max_length=60,
                  check=text_check(what="period", limit=60)),
        FormField("due", "Due", FieldKind.DATE, check=date_check()),
    ), submit_label="Add return")


def _refuse_giving(ctx: Context, owner: Member) -> str | None:
    if acts_for(ctx, owner.id):
        return None
    return (f"Only a chair of a group {owner.name} sits on, or the business unit "
            f"({names(admins(scope=ctx.scope, session=ctx.session))}), can give actions to {owner.name}.")


def _refuse_same_action(ctx: Context, owner: Member, title: str) -> None:
    """Refuse an action its owner already has open under the same title (in any case or spacing):
    sent twice, it would be chased twice."""
    wanted = same_words(title)
    for held in ctx.session.exec(select(Action).where(ctx.scope.where(Action), Action.owner_id == owner.id,
                                                      Action.status == ActionStatus.OPEN.value).order_by(Action.id)):
        if same_words(held.title) == wanted:
            raise UserError(f"Nothing was added: {owner.name} already has open action #{held.id} \"{held.title}\", "
                            f"due {format_day(held.due_date)}. Give another title for a different action, or add "
                            f"progress to that one (`action update {held.id} ...`).",
                            field_errors={"title": f"{owner.name} already has this action open (#{held.id})."})


def _action_owner(cmd: Command, ctx: Context):
    """The owner an `action add` line names; None while the form is still to be filled in, and for a
    sent form, whose owner the handler checks (so a form it refuses comes back with the answers)."""
    fields, words = split_fields(cmd)
    if cmd.form or (not fields and not words):
        return None
    return the_member(ctx, fields.get("owner"), what="action's owner")


def _form_owner(ctx: Context, fields: dict[str, str]) -> Member:
    """The owner a sent `action add` form names, if this person may give them actions."""
    owner = the_member(ctx, fields.get("owner"), what="action's owner", field="owner")
    refusal = _refuse_giving(ctx, owner)
    if refusal:
        raise UserError(refusal, field_errors={"owner": refusal})
    return owner


def action_form() -> Form:
    return Form("action-add", "Add an action", "action add", (
        FormField("title", "Action (SMART)", FieldKind.TEXTAREA, max_length=MAX_ACTION,
                  check=text_check(what="action", limit=MAX_ACTION)),
        FormField("owner", "By whom (email)", max_length=254),
        FormField("due", "By when", FieldKind.DATE, check=date_check()),
        FormField("source", "From (audit, review, S11...)", required=False, max_length=200,
                  check=text_check(what="source", limit=200)),
    ), submit_label="Add action")


@command("action add", summary="add an action from an action plan",
         example="action add owner=mark.evans@police.example.org due=2027-01-31 source=\"Neglect audit\" Refresh toolkit",
         usage="action add owner=EMAIL due=DATE [source=...] TITLE", rule=CHAIRS,
         options=("owner", "due", "source", "title", CONFIRM),
         target=Target(_action_owner, lambda ctx, owner: _refuse_giving(ctx, owner), kind=Member))
@checked_form(lambda ctx: action_form())
def action_add(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    if ctx.target is None and not cmd.form:
        return Reply(text="What is the action, who owns it, by when?", private=True, form=action_form())
    owner = ctx.target or _form_owner(ctx, fields)
    if not (fields.get("title") or words):
        raise UserError("What is the action? Put it after the fields, e.g. `action add owner=EMAIL due=DATE "
                        "Refresh the toolkit`.")
    unquoted_name("owner", fields.get("owner"), owner, words)
    title = free_text(ctx, text_or_option(cmd, fields, words, "title"), field="title", what="action",
                      limit=MAX_ACTION)
    source = free_text(ctx, fields.get("source"), field="source", what="source", limit=200, required=False)
    due = parse_day(fields.get("due"), what="the due date", today=ctx.today(), field="due")
    _refuse_same_action(ctx, owner, title)
    if due < ctx.today() and not confirmed(fields, due):
        values = {"title": title, "owner": owner.email, "due": due.isoformat(), "source": source}
        return ask_to_confirm(cmd, warning=f"The due date, {format_day(due)}, has passed: the action would be "
                                           f"overdue from the start", day=due, anyway="Add anyway",
                              form=action_form(), values=values,
                              line=command_line("action add", owner=owner.email, due=due.isoformat(),
                                                source=source, title=title))
    action = save_new(Action(title=title, owner_id=owner.id, agency_id=owner.agency_id, due_date=due,
                             source=source), session=ctx.session, actor_id=ctx.actor.id,
                      action="action.added")
    reply = Reply(text=f"Added action #{action.id} \"{title}\" for {owner.name}, due {format_day(due)}.",
                  tone=Tone.SUCCESS, changed=True)
    if owner.id != ctx.actor.id:
        reply.notices.append(Notice(owner.id, Reply(title="A new action for you", text=(
            f"{ctx.actor.name} has given you action #{action.id}: \"{title}\", due {format_day(due)}."))))
    return reply


def _seat_dates(ctx: Context, fields: dict[str, str]) -> tuple[date, date | None]:
    """The days a seat runs from (today unless `since=` says) and to (`until=`, else open)."""
    since = parse_day(fields["since"], what="the day the seat starts", today=ctx.today(), field="since",
                      past=True) if fields.get("since") else ctx.today()
    until = parse_day(fields["until"], what="the day the seat ends", today=ctx.today(),
                      field="until") if fields.get("until") else None
    if until is not None and until < since:
        raise UserError(f"The seat would end ({format_day(until)}) before it starts ({format_day(since)}). "
                        f"Give until= on or after since=.", field_errors={"until": "On or after the start."})
    return since, until


def _staged(row: SQLModel, *, ctx: Context, action: str) -> SQLModel:
    """Add a row and its audit event without committing: a command that changes several rows
    commits once, so a failure part-way leaves nothing half done."""
    return save_new(row, session=ctx.session, actor_id=ctx.actor.id, action=action, commit=False)


def _change(row: SQLModel, values: dict[str, object], *, ctx: Context, action: str) -> bool:
    """Change some fields of a row, with its audit event, without committing (as _staged)."""
    return save_changes(row, values, session=ctx.session, actor_id=ctx.actor.id, action=action, commit=False)


def _seat(ctx: Context, group: Group, member: Member, role: str, fields: dict[str, str],
          since: date, until: date | None, *, returning: bool = False) -> str:
    """Seat the member on the group from `since` (`since=` or today) to `until`, or change the seat
    they hold; a seat that had ended is taken up again from then (for someone `returning`, one their
    removal ended today runs on as it was). What the reply says of its dates. Saved with the member,
    in one commit."""
    seat = ctx.session.exec(select(Membership).where(ctx.scope.where(Membership), Membership.group_id == group.id,
                                                     Membership.member_id == member.id)).first()
    if seat is None:
        _staged(Membership(group_id=group.id, member_id=member.id, role=role, since=since, until=until), ctx=ctx,
                action="membership.added")
    else:
        values: dict[str, object] = {"role": role}
        ended = seat.until is not None and seat.until < ctx.today()
        undone = returning and seat.until == ctx.today()  # ended by their removal today: held on as it was
        if ended or fields.get("since"):
            values["since"] = since
        if ended or undone or fields.get("until"):
            values["until"] = until
        _change(seat, values, ctx=ctx, action="membership.changed")
        since, until = seat.since, seat.until
    dates = ([f"from {format_day(since)}"] if since is not None and since != ctx.today() else []) + \
        ([f"until {format_day(until)}"] if until is not None else [])
    return "".join(f" {d}" for d in dates)


def member_form(ctx: Context) -> Form:
    return Form("member-add", "Add a member", "member add", (
        FormField("name", "Name", max_length=MAX_NAME, check=text_check(what="name", limit=MAX_NAME)),
        FormField("email", "Work email", max_length=MAX_EMAIL, check=_email_check),
        FormField("agency", "Agency", FieldKind.CHOICE, options=agency_choices(ctx)),
        FormField("group", "Group (optional)", FieldKind.CHOICE, required=False, options=group_choices(ctx)),
        FormField("role", "Role on the group", FieldKind.CHOICE, required=False, initial="member",
                  options=(Choice("member", "Member"), Choice("chair", "Chair"),
                           Choice("deputy_chair", "Deputy chair"))),
        FormField("since", "Seat starts", FieldKind.DATE, required=False, check=date_check(past=True),
                  hint="Leave empty for today."),
        FormField("until", "Seat ends", FieldKind.DATE, required=False,
                  hint="Leave empty if the seat has no end date."),
    ), submit_label="Add member")


def _email_check(value: str, today: date) -> str | None:
    email = normalise_email(value)
    if "@" not in email or "." not in email.split("@")[-1] or " " in email:
        return "Give their work email, like sam.lee@agency.example.org."
    if len(email) > MAX_EMAIL:
        return f"At most {MAX_EMAIL} characters; this is {len(email)}. Please check it."
    return None


@command("member add", summary="add a member, optionally with a seat on a group; adds back someone removed",
         example="member add name=\"Sam Lee\" email=sam.lee@housing.example.org agency=housing group=arg role=member",
         usage="member add name= email= agency= [group= role= since=DATE until=DATE] [admin=yes]", rule=ADMINS,
         options=("name", "email", "agency", "group", "role", "since", "until", "admin"))
@checked_form(member_form)
def member_add(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    if not fields and not words:
        return Reply(text="Who should I add?", private=True, form=member_form(ctx))
    name, email = text_or_option(cmd, fields, words, "name").strip(), normalise_email(fields.get("email") or "")
    if not name or "@" not in email:
        raise UserError("Give a name and a work email, e.g. `member add name=\"Sam Lee\" email=sam@agency.org "
                        "agency=housing`.")
    name = free_text(ctx, name, field="name", what="name", limit=MAX_NAME)
    if len(email) > MAX_EMAIL:
        raise UserError(f"The email is {len(email):,} characters; the most is {MAX_EMAIL}. Please check it.",
                        field_errors={"email": f"At most {MAX_EMAIL} characters; this is {len(email)}."})
    if problem := _email_check(email, ctx.today()):
        raise UserError(f"Nothing was saved: {email} is not a whole email address. Give their work email, like "
                        f"sam.lee@agency.example.org.", field_errors={"email": problem})
    agency = the_agency(ctx, fields.get("agency"))
    group = the_group(ctx, fields["group"]) if fields.get("group") else None
    if group is None and (fields.get("since") or fields.get("until")):
        raise UserError("A seat's start and end need the group it is on: give group= too, or leave the dates out.",
                        field_errors={"group": "Choose the group the seat is on, or leave the seat's dates empty."})
    role = fields.get("role") or Role.MEMBER.value
    if role not in {r.value for r in Role}:
        raise UserError("role must be member, chair or deputy_chair.")
    since, until = _seat_dates(ctx, fields)  # refused before anything is saved
    member = member_by_email(email, scope=ctx.scope, session=ctx.session)
    if member is not None and member.agency_id != agency.id:
        raise UserError(f"{email} is already registered with another agency. Nothing changed.")
    admin = fields.get("admin", "").lower() in ("yes", "true")
    returning = member is not None and not member.active
    if member is None:
        member = _staged(Member(partnership_id=ctx.partnership.id, email=email, name=name, agency_id=agency.id,
                                is_admin=admin), ctx=ctx, action="member.added")
        said = f"Added {member.name} ({agency.name})"
    elif returning:  # removed before: back with access, and as the business unit only if told so again
        _change(member, {"active": True, "name": name, "is_admin": admin}, ctx=ctx, action="member.reactivated")
        said = f"Added {member.name} ({agency.name}) back"
    else:
        made_admin = admin and _change(member, {"is_admin": True}, ctx=ctx, action="member.changed")
        said = f"{member.name} was already registered" + ("; now one of the business unit" if made_admin else "")
        said += ";" if group else ""
    seat = f" on {group.name} as {role.replace('_', ' ')}" if group else ""
    if group is not None:
        seat += _seat(ctx, group, member, role, fields, since, until, returning=returning)
    ctx.session.commit()
    text = f"{said}{seat}."
    if returning:
        text = text[:-1] + (": they can use AssureBot again, and their past answers and actions are as they were."
                            + ("" if group else " Seats they held are not given back: give group= to seat them again."))
    return Reply(text=text, tone=Tone.SUCCESS, changed=True)


def _open_seats(ctx: Context, member: Member) -> list[tuple[Membership, Group]]:
    """The member's seats not yet ended: held today, or due to start later."""
    return list(ctx.session.exec(
        select(Membership, Group).join(Group, Group.id == Membership.group_id)
        .where(ctx.scope.where(Membership), Membership.member_id == member.id,
               (Membership.until == None) | (Membership.until >= ctx.today()))  # noqa: E711 (SQL's IS NULL)
        .order_by(Group.name)))


def _still_theirs(ctx: Context, member: Member) -> str:
    """What is still open in the member's name, which their removal leaves as it is: the record of
    who owes what stays true, and reminders about it go to the business unit from now on."""
    def count(model, *where) -> int:
        return ctx.session.exec(select(func.count(model.id)).where(ctx.scope.where(model), *where)).one()

    open_items = (
        (count(Action, Action.owner_id == member.id, Action.status == ActionStatus.OPEN.value), "open action",
         "An action moves to a new owner when you change By whom in the action plan and import it "
         "(`assurebot import actions FILE`); no chat command moves one, but you can `action add` it for the new "
         "owner and `action drop ID REASON` the old one."),
        (count(DataReturn, DataReturn.owner_id == member.id, col(DataReturn.submitted_at).is_(None)), "return",
         "A return moves the same way, with its Owner in `assurebot import returns FILE`."),
        (count(Paper, Paper.owner_id == member.id, col(Paper.submitted_at).is_(None), col(Paper.meeting_id).in_(
            select(Meeting.id).where(Meeting.status != MeetingStatus.CANCELLED.value,
                                     Meeting.starts_at >= ctx.now()))), "paper",
         "A paper can be listed for someone else with `paper add`."),
        (count(Escalation, Escalation.assigned_to_id == member.id, col(Escalation.closed_at).is_(None)),
         "open escalation", "`escalation assign ID EMAIL` passes on an escalation."))
    owed = [(n, what, how) for n, what, how in open_items if n]
    if not owed:
        return " Nothing is open in their name."
    return (f" Still open in their name: {', '.join(f'{n} {what}' + ('s' if n > 1 else '') for n, what, _ in owed)}."
            f" These stay open, with their reminders going to the business unit, until each has a new owner. "
            + " ".join(how for _n, _what, how in owed))


def _ask_to_remove(member: Member, seats: list[tuple[Membership, Group]], owed: str, today: date) -> Reply:
    def said(held: list[tuple[Membership, Group]], happens: str) -> str:
        where = " and ".join(f"{group.name} ({seat.role.replace('_', ' ')})" for seat, group in held)
        return f" their seat{'s' if len(held) > 1 else ''} on {where} would {happens};" if held else ""

    ends = (said([(seat, group) for seat, group in seats if seat.since is None or seat.since <= today], "end today")
            + said([(seat, group) for seat, group in seats if seat.since is not None and seat.since > today],
                   "be withdrawn, as not yet started"))
    admin = " they stop being one of the business unit;" if member.is_admin else ""
    return Reply(title="Check before removing", tone=Tone.WARNING, private=True, text=(
        f"Remove {member.name} ({member.email})? They could no longer use AssureBot in Slack, Teams or by email, "
        f"and their calendar link would stop working;{ends}{admin} what they did stays on record.{owed} Nothing is "
        f"changed yet. If that is right, press Remove (or send the same command with {CONFIRM}=yes)."),
        buttons=[Button("Remove", f"{command_line('member remove', member.email)} {CONFIRM}=yes", style="danger")])


@command("member remove", summary="someone has left: end their access, seats and business unit role today",
         example="member remove sam.lee@housing.example.org", usage="member remove EMAIL", rule=ADMINS,
         options=("email", CONFIRM))
def member_remove(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    email = normalise_email(fields.get("email") or (words[0] if words else ""))
    if "@" not in email:
        raise UserError("Whom should I remove? Give their work email, e.g. `member remove sam.lee@agency.example.org`.")
    member = member_by_email(email, scope=ctx.scope, session=ctx.session)
    if member is None:
        raise UserError(f"{email} is not a member of the partnership, so there is nobody to remove. Nothing changed.")
    if not member.active:
        return Reply(private=True, text=(
            f"{member.name} ({member.email}) was already removed. Nothing changed. To bring them back, "
            f"`member add name=\"{member.name}\" email={member.email} "
            f"agency={agency_of(member, scope=ctx.scope, session=ctx.session).key}`."))
    # The business unit's rows are held for the command: two of them removing each other at once (on
    # PostgreSQL) are taken one after the other, so the second sees the first's change.
    if member.is_admin and not [a for a in admins(scope=ctx.scope, session=ctx.session, for_update=True)
                                if a.id != member.id]:
        who = "You are" if member.id == ctx.actor.id else f"{member.name} is"
        raise UserError(f"{who} the last of the business unit, so can't be removed: nobody could then add or remove "
                        f"members. Make someone else business unit first (`member add name=... email=... agency=... "
                        f"admin=yes`), then remove {member.name}.")
    seats, owed = _open_seats(ctx, member), _still_theirs(ctx, member)
    if (fields.get(CONFIRM) or "").strip().lower() not in YES:
        return _ask_to_remove(member, seats, owed, ctx.today())
    _change(member, {"active": False, "is_admin": False, "slack_user_id": None, "teams_aad_id": None}, ctx=ctx,
            action="member.removed")
    for seat, _group in seats:
        if seat.since is not None and seat.since > ctx.today():  # never held: withdrawn, not ended
            record(ctx.session, actor_id=ctx.actor.id, action="membership.withdrawn", entity="membership",
                   entity_id=seat.id, before=snapshot(seat))
            ctx.session.delete(seat)
        else:
            _change(seat, {"until": ctx.today()}, ctx=ctx, action="membership.ended")
    named_by = deputy_has_left(ctx, member)
    ctx.session.commit()
    ended = "".join(f" Their seat on {group.name} ends today." if seat.since is None or seat.since <= ctx.today()
                    else f" Their seat on {group.name}, due to start {format_day(seat.since)}, is withdrawn."
                    for seat, group in seats)
    chairless = "".join(f" {group.name} has no {seat.role.replace('_', ' ')} now: name one with `member add ... "
                        f"group={group.key} role={seat.role}`." for seat, group in seats
                        if seat.role in (Role.CHAIR.value, Role.DEPUTY_CHAIR.value))
    return Reply(tone=Tone.SUCCESS, changed=True, text=(
        f"Removed {member.name} ({member.email}): they can no longer use AssureBot anywhere, and their calendar "
        f"link has stopped working.{ended}{chairless} Their past answers, attendance, papers and actions stay on "
        f"record.{owed}" + (" They were named as a deputy at meetings to come: I've told "
                            + ("the member" if len(named_by) == 1 else f"the {len(named_by)} members")
                            + " who named them." if named_by else "")), notices=named_by)
