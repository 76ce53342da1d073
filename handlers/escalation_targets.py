"""Which escalation an escalation verb acts on, and why this person may not act on it.

A closed escalation is refused first, to anyone who may see it, saying when it was closed and what
to do instead: that, not who may act on an open one, is why nothing can be done to it.
"""

from __future__ import annotations

from functools import partial

from handlers.common import parse_id
from handlers.core import Command, Context, Target, UserError
from handlers.permissions import names
from messages.templates import format_day, sentence, shorten
from models import permissions as may
from models.escalations import Escalation, escalation
from models.partnership import Member
from models.people import escalation_handlers

MAX_OUTCOME_SHOWN = 200  # characters of the outcome in the refusal of a closed escalation

# What each verb would have done, said of a closed escalation.
NOT_WHEN_CLOSED = {
    "ack": "A closed escalation needs no acknowledging.",
    "assign": "A closed escalation is not passed on to anyone.",
    "stage": "A closed escalation does not move between stages, and takes no more notes.",
    "agree": "Actions are not added to a closed escalation.",
    "close": "Nothing changed.",
}


def find_escalation(cmd: Command, ctx: Context) -> Escalation:
    """The escalation named, if this person may know of it: another partnership's, or one they are
    not involved in, reads exactly as one that does not exist."""
    raw = cmd.args[0].upper().lstrip("E") if cmd.args else None
    escalation_id = parse_id(raw, what="escalation", listing="escalations")
    found = escalation(escalation_id, scope=ctx.scope, session=ctx.session)
    if found is None or not may.may_see_escalation(ctx.person, found.raised_by_id, found.assigned_to_id):
        raise UserError(f"There is no escalation E{escalation_id} among the ones you can see. "
                        f"Type `escalations` to list them.")
    return found


def closed_text(ctx: Context, found: Escalation, verb: str) -> str:
    """Why nothing can be done to a closed escalation: when it was closed and with what outcome, and
    what can be done instead."""
    day = format_day(ctx.calendar.local_datetime(found.closed_at))
    outcome = f", with the outcome: {sentence(shorten(found.outcome, MAX_OUTCOME_SHOWN))}" if found.outcome else "."
    return (f"E{found.id} is {'already ' if verb == 'close' else ''}closed: it was closed on {day}{outcome} "
            f"{NOT_WHEN_CLOSED[verb]} If there is more to do about this concern, raise a new escalation with "
            f"`escalate` and mention E{found.id} in its summary; type `escalations` to see the open ones.")


def _refuse_closed(ctx: Context, found: Escalation, verb: str) -> str | None:
    return closed_text(ctx, found, verb) if found.closed_at is not None else None


def _refuse_work(ctx: Context, found: Escalation) -> str | None:
    """Moving or closing it: for its handlers and its assignee, and not by whoever raised it until
    someone else has acknowledged it (see _refuse_own_unseen)."""
    if not may.may_work_on_escalation(ctx.person, found.assigned_to_id):
        return (f"E{found.id} is yours because you raised it; the people who handle escalations act on it. "
                f"You'll hear from them.")
    return _refuse_own_unseen(ctx, found, before=" before it is moved on or closed")


def _refuse_own_unseen(ctx: Context, found: Escalation, before: str = "") -> str | None:
    """Every escalation is seen by a second person: whoever raised it (a handler, or the person it
    is assigned to) cannot acknowledge, move or close it until someone else has acknowledged it.
    The refusal names who can, so the raiser knows whom to ask."""
    if found.raised_by_id != ctx.person.id or found.acknowledged_at is not None:
        return None
    return (f"You raised E{found.id} yourself, so someone else who handles escalations should acknowledge it"
            f"{before} ({_others_who_can_acknowledge(ctx, found)}); that way every escalation is seen by a "
            f"second person.")


def _others_who_can_acknowledge(ctx: Context, found: Escalation) -> str:
    """The handlers and the person it is assigned to, less the one asking."""
    people = escalation_handlers(scope=ctx.scope, session=ctx.session, on=ctx.today())
    assignee = ctx.scope.get(Member, found.assigned_to_id, session=ctx.session)
    if assignee is not None and all(p.id != assignee.id for p in people):
        people.append(assignee)
    others = sorted((p for p in people if p.id != ctx.person.id), key=lambda p: p.name)
    return names(others) if others else "nobody else handles escalations yet; ask the business unit to name someone"


def _refuse_closed_or_work(verb: str, ctx: Context, found: Escalation) -> str | None:
    """Moving it, agreeing actions on it, closing it (`verb`): an open one, by those who work on it."""
    return _refuse_closed(ctx, found, verb) or _refuse_work(ctx, found)


def _refuse_acknowledging(ctx: Context, found: Escalation) -> str | None:
    return _refuse_closed(ctx, found, "ack") or _refuse_own_unseen(ctx, found) or _refuse_work(ctx, found)


def _refuse_assigning(ctx: Context, found: Escalation) -> str | None:
    return _refuse_closed(ctx, found, "assign") or (
        None if may.handles_escalations(ctx.person) else _refuse_work(ctx, found))


TO_ACKNOWLEDGE = Target(find_escalation, _refuse_acknowledging, kind=Escalation)
TO_ASSIGN = Target(find_escalation, _refuse_assigning, kind=Escalation)
TO_MOVE = Target(find_escalation, partial(_refuse_closed_or_work, "stage"), kind=Escalation)
TO_AGREE = Target(find_escalation, partial(_refuse_closed_or_work, "agree"), kind=Escalation)
TO_CLOSE = Target(find_escalation, partial(_refuse_closed_or_work, "close"), kind=Escalation)
