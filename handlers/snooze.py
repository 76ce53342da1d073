"""snooze: keep an item out of my reminders for a working day or a week."""

from __future__ import annotations

from datetime import date

from handlers.common import parse_id
from handlers.core import Command, Context, Target, UserError, command
from messages.reply import Reply, Tone
from messages.templates import format_day, say
from models.calendar import WorkingCalendar
from models.meetings import Paper
from models.snooze import snooze_days, snooze_item
from models.work import Action, ActionStatus, DataReturn

KINDS = {"action": Action, "return": DataReturn, "paper": Paper}
LENGTHS = {"day": "1 working day", "1d": "1 working day", "week": "1 week", "1w": "1 week"}


def _item(cmd: Command, ctx: Context) -> tuple[str, object, str]:
    """(kind, the item, how long) from `snooze KIND ID [day|week]`."""
    if len(cmd.args) < 2 or cmd.args[0].lower() not in KINDS:
        raise UserError("Say what to snooze and for how long, for example `snooze action 12 day` or "
                        "`snooze return 4 week`.")
    kind = cmd.args[0].lower()
    item_id = parse_id(cmd.args[1], what=kind, listing=f"{kind}s")
    length = (cmd.args[2].lower() if len(cmd.args) > 2 else "day")
    if length not in LENGTHS:
        raise UserError(f"Snooze for `day` (1 working day) or `week`, for example `snooze {kind} {item_id} week`.")
    item = ctx.scope.get(KINDS[kind], item_id, session=ctx.session)
    if item is None:
        raise UserError(f"There is no {kind} #{item_id}. Type `{kind}s` to see yours.")
    return kind, item, length


def comes_back(calendar: WorkingCalendar, pressed: date, length: str) -> tuple[date, str]:
    """The day a snooze pressed on `pressed` ends, and the sentence that says so: "You won't be
    reminded about it tomorrow; it comes back on Wed 9 Dec 2026." """
    week = LENGTHS[length] == "1 week"
    skipped, back = snooze_days(calendar, pressed, week=week)
    if week:
        missed = "for a week"
    elif (skipped - pressed).days == 1:
        missed = "tomorrow"
    else:
        missed = f"on {format_day(skipped)}, the next working day"
    return back, f"You won't be reminded about it {missed}; it comes back on {format_day(back)}."


def _refuse_others(ctx: Context, target: tuple[str, object, str]) -> str | None:
    kind, item, _length = target
    if item.owner_id == ctx.actor.id:
        return None
    return f"You can only snooze your own reminders; {kind} #{item.id} is someone else's."


def _finished(ctx: Context, kind: str, item) -> str | None:
    """Why there is nothing to snooze: the item is in, submitted, done or dropped (no reminder comes
    about it, so a snooze would promise one that never comes back); None while it is still owed."""
    if kind == "action":
        return None if item.status == ActionStatus.OPEN.value else f"is already {item.status}"
    if item.submitted_at is None:
        return None
    marked = "marked in" if kind == "paper" else "marked submitted"
    return f"is already {marked} (on {format_day(ctx.calendar.local_date(item.submitted_at))})"


@command("snooze", summary="no reminder about an item for a working day or a week",
         example="snooze action 12 week", usage="snooze action|return|paper ID [day|week]",
         target=Target(_item, _refuse_others))
def snooze(cmd: Command, ctx: Context) -> Reply:
    kind, item, length = ctx.target
    item_id = item.id
    finished = _finished(ctx, kind, item)
    if finished:
        return Reply(text=f"{kind.capitalize()} #{item_id} {finished}, so there are no reminders about it and "
                          f"nothing to snooze. Nothing changed.", private=True)
    until, when = comes_back(ctx.calendar, ctx.today(), length)
    snooze_item(ctx.actor.id, kind, item_id, until, session=ctx.session)
    return Reply(text=say("snoozed", kind=kind, item_id=item_id, length=LENGTHS[length], when=when),
                 tone=Tone.SUCCESS, changed=True, private=True)
