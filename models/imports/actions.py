"""Importing an action plan: the audit tool's table of actions, owners, due dates and progress.

Plans run to thousands of rows and are imported again and again as they change, so everything
held is loaded once up front and the changes are written in bulk, a handful of statements
however long the plan is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, select

from models.audit import insert_events
from models.imports.dates import parse_day
from models.imports.people import People
from models.imports.reading import Column, cell_text, read_table, title_key
from models.imports.report import Importer, ImportReport, Outcome, fmt_day, shorten
from models.partnership import Agency, Partnership
from models.work import Action, ActionStatus, ActionUpdate

MAX_TITLE = 1000
MAX_PROGRESS = 2000
MAX_SOURCE = 200

# Order matters for the loose match: "Action owner" must find the owner before the action.
ACTION_COLUMNS = (
    Column("owner", "By whom", ("by whom", "owner", "action owner", "lead", "lead officer", "responsible",
                                "responsible officer", "person responsible", "who"),
           ("whom", "owner", "lead", "responsible")),
    Column("due", "By when", ("by when", "due", "due date", "deadline", "target date", "timescale",
                              "timescales", "completion date", "date due"),
           ("when", "due", "deadline", "timescale", "timescales")),
    Column("progress", "Progress/update", ("progress update", "progress", "update", "updates", "progress updates",
                                           "progress to date", "comments"),
           ("progress", "update"), required=False),
    Column("source", "Source", ("source", "from", "plan", "origin", "action plan"), (), required=False),
    Column("status", "Status", ("status",), (), required=False),
    Column("title", "Action (SMART)", ("action smart", "action", "actions", "smart action", "recommendation",
                                       "action required", "action to be taken", "actions agreed"),
           ("action", "actions", "recommendation")),
)


DONE_WORDS = {"done", "complete", "completed", "closed", "achieved", "finished"}
DROPPED_WORDS = {"dropped", "withdrawn", "cancelled", "canceled", "no longer required", "superseded"}
OPEN_WORDS = {"", "open", "ongoing", "in progress", "not started", "on track", "overdue", "started", "delayed"}
MAX_REASON = 500  # Action.dropped_reason


def dropped_reason(progress: str) -> str:
    """Why an action the file closes as dropped was dropped: its Progress cell says, where it says anything."""
    return progress.strip()[:MAX_REASON] or "closed in the imported action plan"


def _status_from(text: str) -> str | None:
    value = " ".join(text.lower().split())
    if value in DONE_WORDS:
        return ActionStatus.DONE.value
    if value in DROPPED_WORDS:
        return ActionStatus.DROPPED.value
    if value in OPEN_WORDS:
        return ActionStatus.OPEN.value
    return None


@dataclass
class _KnownAction:
    id: int
    title: str
    owner_id: int
    agency_id: int
    source: str
    due_date: date
    status: str


def import_actions(path: str | Path, *, session: Session, partnership: Partnership, importer: Importer,
                   now: datetime, dry_run: bool = False) -> ImportReport:
    """Import an action plan (Action (SMART) | By whom | By when | Progress/update).

    A row is the same action as one already held when the wording matches (any case or spacing)
    and, where several actions share that wording, the owner too. Progress text not seen before
    on that action becomes a progress update; the file's dates and owners replace the held ones;
    a Status of done or dropped closes an open action but never reopens one.
    """
    path = Path(path)
    table = read_table(path, ACTION_COLUMNS, what="actions")
    report = ImportReport("actions", path.name, table.sheet, table.header_row, dry_run)
    people = People.load(session, partnership)
    has_source = "source" in table.columns
    default_source = shorten(path.stem.replace("_", " ").strip(), MAX_SOURCE)

    known = [_KnownAction(*row) for row in session.exec(
        select(Action.id, Action.title, Action.owner_id, Action.agency_id, Action.source, Action.due_date,
               Action.status)
        .join(Agency, Agency.id == Action.agency_id).where(Agency.partnership_id == partnership.id))]
    by_title: dict[str, list[_KnownAction]] = defaultdict(list)
    for action in known:
        by_title[title_key(action.title)].append(action)
    noted: dict[int, set[str]] = defaultdict(set)
    for action_id, text in session.exec(
            select(ActionUpdate.action_id, ActionUpdate.text).join(Action, Action.id == ActionUpdate.action_id)
            .join(Agency, Agency.id == Action.agency_id).where(Agency.partnership_id == partnership.id)):
        noted[action_id].add(title_key(text))

    # Which (wording, owner) pairs the file holds, so an owner change is never guessed for an
    # action whose old owner still has a row of the same wording.
    in_file = set()
    for _number, values in table.rows:
        owner, _why = people.match(values.get("owner"))
        if owner is not None:
            in_file.add((title_key(cell_text(values.get("title"))), owner.id))
    claimed: dict[int, int] = {}  # action id -> the row that matched it
    seen_in_file: dict[tuple[str, int], int] = {}
    new_actions: list[dict[str, Any]] = []
    new_notes: list[tuple[int | None, int, int, str]] = []  # (action id or None, index into new_actions, author, text)
    changes: list[tuple[_KnownAction, dict[str, Any], dict[str, Any]]] = []

    for number, values in table.rows:
        title = cell_text(values.get("title"))
        problems = []
        if not title:
            report.add(number, Outcome.NOT_IMPORTED, "(no action text)",
                       "the Action (SMART) cell is empty; write the action or delete the row")
            continue
        progress = cell_text(values.get("progress"))
        cells = {"Action": title, "Progress": progress, "Source": cell_text(values.get("source")) if has_source else ""}
        if report.refuse_identifying(number, cells, today=now.date()):
            continue
        what = f'"{shorten(title)}"'
        if len(title) > MAX_TITLE:
            problems.append(f"the action is {len(title)} characters long; the most is {MAX_TITLE}")
        owner, why = people.match(values.get("owner"))
        if owner is None:
            problems.append(f"By whom: {why}")
        try:
            due = parse_day(values.get("due"))
        except ValueError as exc:
            due = None
            problems.append(f"By when: {exc}")
        if len(progress) > MAX_PROGRESS:
            problems.append(f"the progress text is {len(progress)} characters; the most is {MAX_PROGRESS}")
        source = shorten(cell_text(values.get("source")), MAX_SOURCE) if has_source else ""
        status = None
        if "status" in table.columns:
            status = _status_from(cell_text(values.get("status")))
            if status is None:
                problems.append(f"Status '{cell_text(values.get('status'))}' is not one I know; write Open, Done "
                                f"or Dropped")
        if problems:
            report.add(number, Outcome.NOT_IMPORTED, what, "; ".join(problems))
            continue
        key = title_key(title)
        if (key, owner.id) in seen_in_file:
            report.add(number, Outcome.NOT_IMPORTED, what,
                       f"the same action for the same owner is already on row {seen_in_file[(key, owner.id)]}")
            continue
        seen_in_file[(key, owner.id)] = number

        candidates = [a for a in by_title.get(key, []) if a.id not in claimed]
        match = next((a for a in candidates if a.owner_id == owner.id), None)
        if (match is None and len(candidates) == 1 and len(by_title[key]) == 1
                and (key, candidates[0].owner_id) not in in_file):
            match = candidates[0]  # one action with this wording: its owner has changed
        if match is None:
            author = importer.actor_id or owner.id
            new_actions.append({
                "title": title, "owner_id": owner.id, "agency_id": owner.agency_id,
                "source": source or default_source, "due_date": due,
                "status": status or ActionStatus.OPEN.value, "created_at": now,
                "completed_at": now if status == ActionStatus.DONE.value else None,
                "dropped_reason": dropped_reason(progress) if status == ActionStatus.DROPPED.value else None,
            })
            if progress:
                new_notes.append((None, len(new_actions) - 1, author, progress))
            closed = status in (ActionStatus.DONE.value, ActionStatus.DROPPED.value)
            detail = (f"{owner.name}, due {fmt_day(due)}" + (", with progress" if progress else "")
                      + (f"; closed as {status}, as the file's Status says" if closed else ""))
            report.add(number, Outcome.CREATED, what, detail, state="closed" if closed else "")
            continue

        claimed[match.id] = number
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        said: list[str] = []

        def change(name: str, old: Any, new: Any, words: str | None) -> None:
            if old != new:
                before[name], after[name] = old, new
                if words:
                    said.append(words)

        change("title", match.title, title, "wording")
        if match.owner_id != owner.id:
            old_owner = people.by_id.get(match.owner_id)
            change("owner_id", match.owner_id, owner.id,
                   f"owner {old_owner.name if old_owner else '?'} -> {owner.name}")
            change("agency_id", match.agency_id, owner.agency_id, None)
        if match.due_date != due:
            change("due_date", match.due_date, due, f"due {fmt_day(match.due_date)} -> {fmt_day(due)}")
        if has_source and source:
            change("source", match.source, source, f"source -> {source}")
        if status in (ActionStatus.DONE.value, ActionStatus.DROPPED.value) and match.status == ActionStatus.OPEN.value:
            change("status", match.status, status, f"marked {status}")
            if status == ActionStatus.DONE.value:
                change("completed_at", None, now, None)
            else:
                change("dropped_reason", None, dropped_reason(progress), None)
        elif status == ActionStatus.OPEN.value and match.status != ActionStatus.OPEN.value:
            said.append(f"still {match.status} here (the file says open; not reopened: `action reopen {match.id}` "
                        f"opens it)")
        if progress and title_key(progress) not in noted[match.id]:
            noted[match.id].add(title_key(progress))
            new_notes.append((match.id, -1, importer.actor_id or owner.id, progress))
            said.append("progress noted")
        if after:
            changes.append((match, before, after))
        outcome = Outcome.UPDATED if (after or "progress noted" in said) else Outcome.UNCHANGED
        report.add(number, outcome, f"#{match.id} {what}", "; ".join(said))

    if dry_run or not report.changed:
        return report
    try:
        _save_actions(session, partnership, importer, now, new_actions, new_notes, changes, report)
    except Exception:
        session.rollback()
        raise
    return report


def _save_actions(session: Session, partnership: Partnership, importer: Importer, now: datetime,
                  new_actions: list[dict[str, Any]], new_notes: list[tuple[int | None, int, int, str]],
                  changes: list[tuple[_KnownAction, dict[str, Any], dict[str, Any]]], report: ImportReport) -> None:
    """Write the import in bulk: a handful of statements however long the plan is."""
    audit: list[dict[str, Any]] = []

    def event(action: str, entity_id: int, before: dict | None, after: dict | None) -> None:
        audit.append({"partnership_id": partnership.id, "at": now, "actor_id": importer.actor_id,
                      "actor_label": importer.label[:100], "action": action, "entity": "action", "entity_id": entity_id,
                      "before": before, "after": after})

    new_ids: list[int] = []
    first_notes = {index: text for action_id, index, _author, text in new_notes if action_id is None}
    if new_actions:
        new_ids = _insert_returning_ids(session, Action, new_actions)
        for index, (action_id, values) in enumerate(zip(new_ids, new_actions, strict=True)):
            after = {k: values[k] for k in ("title", "owner_id", "agency_id", "source", "due_date", "status")}
            if index in first_notes:  # a new action's first progress note is part of its creation
                after["progress"] = first_notes[index]
            event("action.imported", action_id, None, _jsonable(after))
    if changes:
        session.exec(update(Action), params=[{"id": known.id, **after} for known, _b, after in changes])
        for known, before, after in changes:
            event("action.changed", known.id, _jsonable(before), _jsonable(after))
    if new_notes:
        rows = [{"action_id": action_id if action_id is not None else new_ids[index], "author_id": author,
                 "text": text, "created_at": now} for action_id, index, author, text in new_notes]
        note_ids = _insert_returning_ids(session, ActionUpdate, rows)
        for note_id, row, (action_id, _index, _author, _text) in zip(note_ids, rows, new_notes, strict=True):
            if action_id is not None:
                event("action.updated", row["action_id"], None, {"update_id": note_id, "text": row["text"]})
    audit.append({"partnership_id": partnership.id, "at": now, "actor_id": importer.actor_id,
                  "actor_label": importer.label[:100], "action": "import.actions", "entity": "partnership", "entity_id": partnership.id,
                  "before": None, "after": {"file": report.filename, "created": report.count(Outcome.CREATED),
                                            "updated": report.count(Outcome.UPDATED),
                                            "unchanged": report.count(Outcome.UNCHANGED),
                                            "not_imported": report.count(Outcome.NOT_IMPORTED)}})
    insert_events(session, audit)
    session.commit()


def _insert_returning_ids(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows at once (Core, batched by SQLAlchemy) and return their new ids in order."""
    table = model.__table__
    result = session.connection().execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return list(result.scalars())


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in values.items()}
