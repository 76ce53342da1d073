"""actions, action done, action update, action drop and action reopen: SMART actions from action plans,
monitored to completion, or dropped with a reason."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from handlers.common import marked_by, parse_id, tell_marker, tell_owner
from handlers.core import Command, Context, Target, UserError, command
from handlers.fields import done_on, free_text, marked_reply, stale_undo, text_check, undoing_an_earlier_marking
from handlers.forms import checked_form, with_checks
from handlers.permissions import CHAIRS, business_unit, refuse_unless_acts_for
from messages.buttons import MAX_UPDATE, action_buttons, update_form
from messages.reply import Button, FieldKind, Form, FormField, Item, Reply, Tone
from messages.templates import format_day, say
from models import permissions as may
from models.partnership import Agency, Member
from models.work import (COUNTED_UP_TO, Action, ActionStatus, add_action_update, count_open_actions, drop_action,
                         latest_updates, mark_action_done, open_actions_page, reopen_action)
from models.work import action as action_by_id

MAX_ITEMS = 25
MAX_REASON = 500  # Action.dropped_reason


def _whose(cmd: Command, ctx: Context) -> tuple[str, Agency | None]:
    """`actions`: mine; `actions all`; `actions agency KEY` (each may end `after DATE:ID`, the next page)."""
    args, _after = _page(cmd.args)
    word = args[0].lower() if args else "mine"
    if word in ("mine", "all"):
        return word, None
    if word != "agency":
        raise UserError("Type `actions` for yours; chairs and the business unit can use `actions all` or "
                        "`actions agency KEY`.")
    if len(args) < 2:
        raise UserError("Which agency? For example `actions agency police`. " + _agency_keys(ctx))
    agency = ctx.session.exec(select(Agency).where(ctx.scope.where(Agency), Agency.key == args[1].lower())).first()
    if agency is None:
        raise UserError(f"I don't know an agency '{args[1]}'. " + _agency_keys(ctx))
    return "agency", agency


def _page(args: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[date, int] | None]:
    """The words before `after DATE:ID`, and where the page starts (after that due date and action)."""
    if len(args) >= 2 and args[-2].lower() == "after":
        due, _, action_id = args[-1].partition(":")
        try:
            after = (date.fromisoformat(due), int(action_id))
        except ValueError:
            after = None
        if after is None or not 0 < after[1] < 2 ** 63:  # an id the database can hold
            raise UserError("That page marker is not one I gave; type the list again from the start.")
        return args[:-2], after
    return args, None


def _refuse_others(ctx: Context, whose: tuple[str, Agency | None]) -> str | None:
    if whose[0] == "mine" or may.oversees(ctx.person):
        return None
    return CHAIRS.refusal(ctx).replace("do that", "see everyone's actions" if whose[0] == "all"
                                       else "see an agency's actions")


@command("actions", summary="my open actions, overdue first (chairs and the business unit: `actions all`, or "
                              "one agency's with `actions agency KEY`)", example="actions",
         usage="actions", target=Target(_whose, _refuse_others))
def actions(cmd: Command, ctx: Context) -> Reply:
    """A page of open actions (overdue first), counted and fetched in the database, with a button
    for the next page: as quick for a partnership of fifty thousand as for fifty."""
    word, agency = ctx.target
    _words, after = _page(cmd.args)
    if word == "all":
        whose, scope = {}, "everyone"
    elif word == "agency":
        whose, scope = {"agency_id": agency.id}, agency.name
    else:
        whose, scope = {"owner_id": ctx.actor.id}, "you"
    today = ctx.today()
    total, overdue = count_open_actions(scope=ctx.scope, session=ctx.session, today=today, **whose)
    page = open_actions_page(scope=ctx.scope, session=ctx.session, limit=MAX_ITEMS + 1, after=after, **whose)
    shown, more = page[:MAX_ITEMS], len(page) > MAX_ITEMS
    owners = dict(ctx.session.exec(select(Member.id, Member.name).where(
        ctx.scope.where(Member), col(Member.id).in_({a.owner_id for a in shown} or {0}))).all())
    notes = latest_updates([a.id for a in shown], scope=ctx.scope, session=ctx.session)
    items = [action_item(ctx, a, owners.get(a.owner_id, "?"), notes.get(a.id), show_owner=scope != "you")
             for a in shown]
    # The next page's button names the list as understood, never the words as typed (they may be anything).
    listed = "actions all" if word == "all" else f"actions agency {agency.key}" if word == "agency" else "actions"
    buttons = [Button("Show more", f"{listed} after {shown[-1].due_date.isoformat()}:{shown[-1].id}")] if more else []
    return Reply(
        title=f"Open actions: {scope}" + (" (continued)" if after else ""),
        text=say("actions", count=total, overdue=overdue, scope=scope, most=COUNTED_UP_TO),
        items=items,
        buttons=buttons,
        private=scope == "you",
    )


def action_item(ctx: Context, action: Action, owner_name: str, note, *, show_owner: bool) -> Item:
    """One action as a list item; its owner gets the buttons."""
    days = ctx.calendar.working_days_between(action.due_date, ctx.today())
    due = format_day(action.due_date) + (f" (overdue by {days} working day{'s' if days != 1 else ''})"
                                         if action.due_date < ctx.today() else "")
    fields = [("Due", due)]
    if show_owner:
        fields.append(("By whom", owner_name))
    if action.source:
        fields.append(("From", action.source))
    if note:
        fields.append(("Latest", f"{note.text} ({format_day(ctx.calendar.local_date(note.created_at))})"))
    return Item(text=f"#{action.id} {action.title}", key=f"action:{action.id}", fields=fields,
                buttons=action_buttons(action.id) if action.owner_id == ctx.actor.id else [])


def _agency_keys(ctx: Context) -> str:
    keys = ctx.session.exec(select(Agency.key).where(ctx.scope.where(Agency)).order_by(Agency.key)).all()
    return "Agencies: " + ", ".join(keys) + "."


def _find_action(cmd: Command, ctx: Context) -> Action:
    action_id = parse_id(cmd.args[0] if cmd.args else None, what="action", listing="actions")
    found = action_by_id(action_id, scope=ctx.scope, session=ctx.session)
    if found is None:
        raise UserError(f"There is no action #{action_id}. Type `actions` to see yours and their numbers.")
    return found


TO_MARK_DONE = Target(_find_action, kind=Action,
                      refuse=lambda ctx, a: refuse_unless_acts_for(ctx, a.owner_id, "mark this action done"))
TO_UPDATE = Target(_find_action, kind=Action,
                   refuse=lambda ctx, a: refuse_unless_acts_for(ctx, a.owner_id, "add an update to this action"))


@command("action done", summary="mark an action complete (today, or the day given)", example="action done 12",
         usage="action done ID [DAY]",
         target=TO_MARK_DONE)
def action_done(cmd: Command, ctx: Context) -> Reply:
    action: Action = ctx.target
    if action.status == ActionStatus.DROPPED.value:
        raise UserError(f"Action #{action.id} was dropped ({action.dropped_reason or 'no reason given'}), "
                        f"so it can't be marked done. A chair or the business unit can open it again "
                        f"(`action reopen {action.id}`).")
    done = done_on(cmd, ctx, after=1, what="the action was done", example=f"action done {action.id} 30/11/2026",
                   earliest=action.created_at)
    changed = mark_action_done(action, actor_id=ctx.actor.id, session=ctx.session, now=done)
    completed = format_day(ctx.calendar.local_date(action.completed_at))
    return marked_reply(ctx, say("action_done", action=action, changed=changed, completed=completed),
                        changed=changed, reopen=f"action reopen {action.id}", moment=action.completed_at,
                        owner_id=action.owner_id, title="Your action is marked done", put_right="Not done after all",
                        told=f"marked your action #{action.id} \"{action.title}\" done, on {completed}. It gets no "
                             f"more reminders.")


def _update_form(action: Action) -> Form:
    """The progress update form, its answer checked by free_text's rules as it is typed."""
    return with_checks(update_form(action.id), text=text_check(what="update", limit=MAX_UPDATE))


@command("action update", summary="add a progress note to an action", example="action update 12 Draft sent to ICB",
         usage="action update ID TEXT", target=TO_UPDATE)
@checked_form(lambda ctx: _update_form(ctx.target))
def action_update(cmd: Command, ctx: Context) -> Reply:
    action: Action = ctx.target
    typed = cmd.text_after(1)
    if not (cmd.form.get("text") or typed).strip():
        return Reply(text=f"What's the progress on action #{action.id}?", form=_update_form(action), private=True)
    text = free_text(ctx, cmd.form.get("text") or typed, field="text", what="update", limit=MAX_UPDATE)
    add_action_update(action, text, actor_id=ctx.actor.id, session=ctx.session, now=ctx.now())
    return Reply(text=say("action_updated", action=action), tone=Tone.SUCCESS, changed=True,
                 buttons=[Button("Done", f"action done {action.id}", style="primary")]
                 if action.status == ActionStatus.OPEN.value else [])


# --- dropping and reopening: for chairs and the business unit ----------------------------------------------

_REASON_FIELDS = (FormField("reason", "Why is it no longer needed?", FieldKind.TEXTAREA, max_length=MAX_REASON,
                            hint="For example: superseded by the new neglect strategy action plan"),)


def _drop_form(action: Action) -> Form:
    return with_checks(Form(f"action-drop-{action.id}", f"Drop action #{action.id}", f"action drop {action.id}",
                            _REASON_FIELDS, submit_label="Drop it"),
                       reason=text_check(what="reason", limit=MAX_REASON))


TO_CLOSE_OR_OPEN = Target(_find_action, kind=Action)


def _refuse_reopening(ctx: Context, action: Action) -> str | None:
    """A done action: whoever may mark it done (a tap by mistake is undone by the person who made it),
    and the chairs and business unit. A dropped one: the chairs and business unit, who drop them."""
    if may.oversees(ctx.person):
        return None
    if action.status == ActionStatus.DROPPED.value:
        return (f"Action #{action.id} was dropped ({action.dropped_reason or 'no reason given'}); only chairs and "
                f"the business unit can open it again. Ask {business_unit(ctx)}.")
    return refuse_unless_acts_for(ctx, action.owner_id, "open this action again")


@command("action drop", summary="close an action that is no longer needed, with the reason",
         example="action drop 12 Superseded by the neglect strategy plan", usage="action drop ID REASON",
         rule=CHAIRS, target=TO_CLOSE_OR_OPEN)
@checked_form(lambda ctx: _drop_form(ctx.target))
def action_drop(cmd: Command, ctx: Context) -> Reply:
    action: Action = ctx.target
    if action.status != ActionStatus.OPEN.value:  # asked before the reason, so nobody types one for nothing
        raise UserError(f"Action #{action.id} is already {action.status}, so there is nothing to drop. "
                        f"`action reopen {action.id}` opens it again.")
    given = (cmd.form.get("reason") or cmd.text_after(1)).strip()
    if not given:
        return Reply(text=f"Why is action #{action.id} \"{action.title}\" no longer needed? The reason is kept "
                          f"with it, and its owner gets no more reminders.", form=_drop_form(action), private=True)
    reason = free_text(ctx, given, field="reason", what="reason", limit=MAX_REASON)
    drop_action(action, reason, actor_id=ctx.actor.id, session=ctx.session, now=ctx.now())
    reply = Reply(text=f"Dropped action #{action.id} \"{action.title}\": {reason}. It gets no more reminders; "
                       f"`action reopen {action.id}` opens it again.",
                  tone=Tone.SUCCESS, changed=True)
    tell_owner(ctx, reply, action.owner_id, title="Your action was dropped",
               text=f"dropped your action #{action.id} \"{action.title}\": {reason}. You get no more reminders for "
                    f"it. If it is still needed, a chair or the business unit can open it again.")
    return reply


@command("action reopen", summary="open a done action again (chairs and the business unit: a dropped one too)",
         example="action reopen 12", usage="action reopen ID", options=("marked",),
         target=Target(_find_action, _refuse_reopening, kind=Action))
def action_reopen(cmd: Command, ctx: Context) -> Reply:
    action: Action = ctx.target
    # An Undo pressed on an old message: for the marking it came from, not for what was done since.
    if undoing_an_earlier_marking(cmd, action.completed_at if action.status != ActionStatus.OPEN.value else None):
        return stale_undo(f"Action #{action.id}", "dropped" if action.status == ActionStatus.DROPPED.value
                          else "marked done again", ctx.calendar.local_date(action.completed_at),
                          f"action reopen {action.id}")
    marker = marked_by(ctx, "action.done", "action", action.id) if action.status == ActionStatus.DONE.value else None
    if not reopen_action(action, actor_id=ctx.actor.id, session=ctx.session):
        return Reply(text=f"Action #{action.id} is open already. Nothing changed.", tone=Tone.INFO)
    mine = action.owner_id == ctx.actor.id
    owner = ctx.scope.get(Member, action.owner_id, session=ctx.session)
    reminded = ("You get" if mine else "Its owner gets" if owner is not None and owner.active
                else "Its owner has left, so the business unit gets")  # as the daily digests send them
    late = ctx.calendar.working_days_between(action.due_date, ctx.today()) if action.due_date < ctx.today() else 0
    overdue = f" (overdue by {late} working day{'s' if late != 1 else ''})" if late else ""
    reply = Reply(text=f"Action #{action.id} \"{action.title}\" is open again, due {format_day(action.due_date)}"
                       f"{overdue}. "
                       f"{reminded} reminders for it as before.",
                  tone=Tone.SUCCESS, changed=True,
                  buttons=(action_buttons(action.id) if mine else [])  # Drop it: offered only to whoever may
                  + [Button("Drop it", f"action drop {action.id}", form=_drop_form(action))])
    tell_owner(ctx, reply, action.owner_id, title="Your action is open again",
               text=f"opened your action #{action.id} \"{action.title}\" again: due {format_day(action.due_date)}"
                    f"{overdue}. You get reminders for it as before.", buttons=action_buttons(action.id))
    tell_marker(ctx, reply, marker, owner_id=action.owner_id, title="An action you marked done is open again",
                text=f"opened action #{action.id} \"{action.title}\" again, which you had marked done: it is not done "
                     f"after all. {reminded.replace('You get', 'They get')} reminders for it again.")
    return reply
