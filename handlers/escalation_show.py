"""escalation ID: one escalation in full, open or closed, for whoever may see it.

Its handlers, whoever it is assigned to and whoever raised it see who raised it, its stages with
when each began and who moved it, what was agreed and, once closed, the outcome. The notes made at
a stage are for those who work on it: the person who raised it is told each move, not the notes.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from handlers.core import Command, Context, Target, UserError, command
from handlers.escalation_targets import find_escalation
from handlers.escalations import alert, escalation_fields, member_named, stage_names
from messages.reply import Button, Item, Reply, Tone
from messages.templates import format_when
from models import permissions as may
from models.audit import AuditEvent
from models.escalations import CATEGORIES, Escalation, EscalationStageChange, Urgency, stage_history
from models.partnership import Agency

MAX_HISTORY = 20  # entries of its history shown, the latest; a long one says how many earlier ones there are


def _named(cmd: Command, ctx: Context) -> Escalation:
    """The escalation asked for. A word that is not a number is never repeated back: someone who
    meant to raise a concern (`escalation urgent: ...`) may have typed a child's name next."""
    if cmd.args:
        raw = cmd.args[0].upper().lstrip("E").lstrip("#")
        if not (raw.isascii() and raw.isdigit()):
            raise UserError("`escalation` shows one escalation by its number, for example `escalation 3`; "
                            "`escalations` lists yours. To raise a concern, type `escalate`. Nothing was saved.")
    return find_escalation(cmd, ctx)


TO_READ = Target(_named, kind=Escalation)  # anyone who may see it may read it in full (find_escalation)


@command("escalation", summary="one escalation in full: its stages, what was agreed and its outcome (and the "
                               "notes made at each stage, for those handling it)",
         example="escalation 1", usage="escalation ID", target=TO_READ)
def escalation_show(cmd: Command, ctx: Context) -> Reply:
    found: Escalation = ctx.target
    raiser = member_named(ctx, found.raised_by_id)
    fields = escalation_fields(ctx, found, raiser, ctx.scope.get(Agency, found.agency_id, session=ctx.session))
    acknowledger = member_named(ctx, found.acknowledged_by_id)
    if acknowledger is not None:
        fields = [(name, f"{value}, by {acknowledger.name}" if name == "Acknowledged" else value)
                  for name, value in fields]
    notes_shown = may.may_work_on_escalation(ctx.person, found.assigned_to_id)
    entries = _entries(stage_history(found, scope=ctx.scope, session=ctx.session))
    history = [(entry, note_only) for entry, note_only in entries if notes_shown or not note_only]
    notes_kept = not notes_shown and any(entry.note for entry, _ in entries)
    shown = history[-MAX_HISTORY:]
    noted, closer = _from_the_audit_trail(ctx, found) if found.closed_at is not None or (
        notes_shown and any(note_only for _, note_only in shown)) else ({}, None)
    if found.closed_at is not None:
        by = member_named(ctx, closer)
        fields.append(("Closed", format_when(ctx.calendar.local_datetime(found.closed_at))
                       + (f", by {by.name}" if by is not None else "")))
        if found.outcome:
            fields.append(("Outcome", found.outcome))
    items = [_history_item(ctx, entry, note_only, notes_shown, noted.get(entry.id)) for entry, note_only in shown]
    closed = found.closed_at is not None
    buttons = []
    if not closed and found.acknowledged_at is None:
        buttons.append(Button("Acknowledge", f"escalation ack {found.id}", style="primary"))
    buttons.append(Button("Open escalations" if may.handles_escalations(ctx.person) else "My escalations",
                          "escalations"))
    kept = ("\n\nThose handling it have made notes, which are kept for them; you are told each time it moves on "
            "to another stage.") if notes_kept else ""
    # Words after the number are never kept or repeated: they may be a note meant for `escalation stage`.
    only_shown = "" if len(cmd.args) < 2 else (
        f"Nothing was added to E{found.id}: `escalation {found.id}` only shows it."
        + (f" To add a note, type `escalation stage {found.id} {found.stage} NOTE`." if notes_shown and not closed
           else "") + "\n\n")
    return Reply(
        title=f"E{found.id}{' (closed)' if closed else ''}: {found.urgency}, {CATEGORIES.get(found.category, '')}",
        text=only_shown + found.summary + kept,
        fields=fields,
        items=items,
        more=len(history) - len(shown),
        more_hint="earlier entries of its history are not shown" if len(history) > len(shown) else None,
        buttons=buttons,
        tone=Tone.WARNING if found.urgency == Urgency.URGENT.value and not closed else Tone.INFO,
        private=True,
        escalation=alert(ctx, found, "The escalation you asked about"),
    )


def _entries(history: list[EscalationStageChange]) -> list[tuple[EscalationStageChange, bool]]:
    """Each entry, and whether it is only a note: one added later at the stage the escalation was at
    carries that stage's entry time (add_stage_note), so it repeats an entry before it."""
    seen: set[tuple[int, object]] = set()
    found = []
    for entry in history:
        key = (entry.stage, entry.entered_at)
        found.append((entry, key in seen))
        seen.add(key)
    return found


def _from_the_audit_trail(ctx: Context, found: Escalation) -> tuple[dict[int, datetime], int | None]:
    """When each note added later at a stage was made (its entry keeps the stage's start; the audit
    trail keeps the moment: models.escalations.add_stage_note), and who closed it."""
    events = ctx.session.exec(select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.after).where(
        ctx.scope.where(AuditEvent), col(AuditEvent.action).in_(("escalation.noted", "escalation.closed")),
        AuditEvent.entity == "escalation", AuditEvent.entity_id == found.id))
    noted, closer = {}, None
    for action, actor_id, after in events:
        if action == "escalation.closed":
            closer = actor_id
        elif after and "note_id" in after and "noted_at" in after:
            noted[after["note_id"]] = datetime.fromisoformat(after["noted_at"])
    return noted, closer


def _history_item(ctx: Context, entry: EscalationStageChange, note_only: bool, notes_shown: bool,
                  noted: datetime | None) -> Item:
    stages = stage_names(ctx)
    who = member_named(ctx, entry.by_id)
    by = f" by {who.name}" if who is not None else ""
    fields = [("Note", entry.note)] if entry.note and notes_shown else []
    if note_only:
        when = f", {format_when(ctx.calendar.local_datetime(noted))}" if noted is not None else ""
        return Item(text=f"Note at stage {entry.stage}{by}{when}", key=f"escalation-history:{entry.id}",
                    fields=fields)
    stage = stages[entry.stage - 1] if 0 < entry.stage <= len(stages) else str(entry.stage)
    when = format_when(ctx.calendar.local_datetime(entry.entered_at))
    by = by or " (loaded from the partnership's records: who moved it on is not recorded)"
    return Item(text=f"Stage {entry.stage}: {stage}, from {when}{by}", key=f"escalation-history:{entry.id}",
                fields=fields)
