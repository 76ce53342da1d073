"""The business unit's side in chat: add papers, returns, actions and members.

Each command works in one line (key=value pairs such as `action add owner=a@b.org due=2027-01-31
Refresh the toolkit`), and with no arguments it offers a form, which Slack shows as a modal and
Teams as a card. A form is offered only to those who may send it.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from handlers.common import find_group, the_meeting, the_next_meeting
from handlers.confirm import ask_to_confirm, command_line, confirmed
from handlers.core import Command, Context, Target, UserError, command
from handlers.fields import (agency_choices, date_check, free_text, group_choices, parse_day, split_fields,
                             text_check, the_agency, the_group, the_member)
from handlers.forms import checked_form
from handlers.permissions import ADMINS, CHAIRS, acts_for, names, refuse_unless_manages
from messages.reply import Choice, FieldKind, Form, FormField, Notice, Reply, Tone
from messages.templates import format_day
from models.audit import save_changes, save_new
from models.groups import Group, Membership, Role
from models.partnership import Member
from models.people import admins, member_by_email, normalise_email
from models.meetings import Paper
from models.work import RETURN_KIND_NAMES, Action, DataReturn, ReturnKind, same_return

MAX_TITLE = 300
MAX_ACTION = 1000


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
         usage="paper add GROUP owner=EMAIL TITLE", rule=CHAIRS,
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
    title = free_text(ctx, fields.get("title") or " ".join(words), field="title", what="paper's title",
                      limit=MAX_TITLE)
    owner = the_member(ctx, fields.get("owner"), what="paper's owner", field="owner")
    if fields.get("meeting"):
        meeting, of_group = the_meeting(ctx, fields["meeting"])
        if of_group.id != group.id:
            raise UserError(f"Meeting #{meeting.id} is a meeting of {of_group.name}, not {group.name}.")
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
         usage="return add title= kind= agency= owner= period= due=", rule=ADMINS)
@checked_form(lambda ctx: return_form(ctx))
def return_add(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    if not fields and not words:
        return Reply(text="Which return, from whom, by when?", private=True, form=return_form(ctx))
    title = free_text(ctx, fields.get("title") or " ".join(words), field="title", what="return's title",
                      limit=MAX_TITLE, required=False)
    period = free_text(ctx, fields.get("period"), field="period", what="period", limit=60, required=False)
    kind = fields.get("kind", ReturnKind.OTHER.value)
    if kind not in {k.value for k in ReturnKind}:
        raise UserError("kind must be one of: " + ", ".join(f"{k.value} ({RETURN_KIND_NAMES[k.value]})"
                                                            for k in ReturnKind) + ".",
                        field_errors={"kind": "Choose the kind of return."})
    agency = the_agency(ctx, fields.get("agency"), field="agency")
    owner = the_member(ctx, fields.get("owner"), what="responsible person", field="owner")
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
    title = free_text(ctx, fields.get("title") or " ".join(words), field="title", what="action", limit=MAX_ACTION)
    source = free_text(ctx, fields.get("source"), field="source", what="source", limit=200, required=False)
    due = parse_day(fields.get("due"), what="the due date", today=ctx.today(), field="due")
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
    reply = Reply(text=f"Added action #{action.id} for {owner.name}, due {format_day(due)}.", tone=Tone.SUCCESS,
                  changed=True)
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


def _seat(ctx: Context, group: Group, member: Member, role: str, fields: dict[str, str],
          since: date, until: date | None) -> str:
    """Seat the member on the group from `since` (`since=` or today) to `until`, or change the seat
    they hold; a seat that had ended is taken up again from then. What the reply says of its dates."""
    seat = ctx.session.exec(select(Membership).where(ctx.scope.where(Membership), Membership.group_id == group.id,
                                                     Membership.member_id == member.id)).first()
    if seat is None:
        save_new(Membership(group_id=group.id, member_id=member.id, role=role, since=since, until=until),
                 session=ctx.session, actor_id=ctx.actor.id, action="membership.added")
    else:
        values: dict[str, object] = {"role": role}
        ended = seat.until is not None and seat.until < ctx.today()
        if ended or fields.get("since"):
            values["since"] = since
        if ended or fields.get("until"):
            values["until"] = until
        save_changes(seat, values, session=ctx.session, actor_id=ctx.actor.id, action="membership.changed")
        since, until = seat.since, seat.until
    dates = ([f"from {format_day(since)}"] if since is not None and since != ctx.today() else []) + \
        ([f"until {format_day(until)}"] if until is not None else [])
    return "".join(f" {d}" for d in dates)


def member_form(ctx: Context) -> Form:
    return Form("member-add", "Add a member", "member add", (
        FormField("name", "Name", max_length=200),
        FormField("email", "Work email", max_length=254, check=_email_check),
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
    return None


@command("member add", summary="add a member, optionally with a seat on a group",
         example="member add name=\"Sam Lee\" email=sam.lee@housing.example.org agency=housing group=arg role=member",
         usage="member add name= email= agency= [group= role= since=DATE until=DATE] [admin=yes]", rule=ADMINS)
@checked_form(member_form)
def member_add(cmd: Command, ctx: Context) -> Reply:
    fields, words = split_fields(cmd)
    if not fields and not words:
        return Reply(text="Who should I add?", private=True, form=member_form(ctx))
    name, email = (fields.get("name") or " ".join(words)).strip(), normalise_email(fields.get("email") or "")
    if not name or "@" not in email:
        raise UserError("Give a name and a work email, e.g. `member add name=\"Sam Lee\" email=sam@agency.org "
                        "agency=housing`.")
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
    created = member is None
    if created:
        member = save_new(Member(partnership_id=ctx.partnership.id, email=email, name=name, agency_id=agency.id,
                                 is_admin=fields.get("admin", "").lower() in ("yes", "true")),
                          session=ctx.session, actor_id=ctx.actor.id, action="member.added")
    where = f" on {group.name} as {role.replace('_', ' ')}" if group else ""
    if group is not None:
        where += _seat(ctx, group, member, role, fields, since, until)
    return Reply(text=(f"Added {member.name} ({agency.name}){where}." if created
                       else f"{member.name} was already registered{where and ';'}{where}."),
                 tone=Tone.SUCCESS, changed=True)
