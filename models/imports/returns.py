"""Importing the returns schedule: which agency owes which return, who is responsible, and when.

A return is known by its agency, title and period, so next year's schedule adds new returns
while this year's stay as they are.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from models.audit import record, snapshot
from models.imports.dates import parse_day
from models.imports.people import People, by_key_or_name
from models.imports.reading import Column, cell_text, norm, read_table
from models.imports.report import Importer, ImportReport, Outcome, finish, fmt_day, shorten
from models.partnership import Agency, Partnership
from models.work import RETURN_KIND_NAMES, DataReturn, ReturnKind, return_key

RETURN_COLUMNS = (
    Column("owner", "Owner", ("owner", "responsible", "responsible person", "lead", "by whom", "named person",
                              "contact"), ("owner", "responsible", "lead", "whom")),
    Column("due", "Due", ("due", "due date", "deadline", "by when", "date due", "submission date"),
           ("due", "deadline", "when")),
    Column("agency", "Agency", ("agency", "organisation", "organization", "partner agency"),
           ("agency", "organisation", "organization"), required=False),
    Column("kind", "Kind", ("kind", "type", "return type", "category"), ("kind", "type"), required=False),
    Column("period", "Period", ("period", "quarter", "year", "reporting period"), ("period", "quarter"),
           required=False),
    Column("title", "Title", ("title", "return", "name", "item", "return title", "description"),
          ("title", "return")),
)


KIND_WORDS = {
    "": ReturnKind.OTHER, "other": ReturnKind.OTHER, "return": ReturnKind.OTHER,
    "dataset": ReturnKind.DATASET, "data": ReturnKind.DATASET, "multi agency dataset": ReturnKind.DATASET,
    "performance data": ReturnKind.DATASET, "scorecard": ReturnKind.DATASET, "figures": ReturnKind.DATASET,
    "s11": ReturnKind.SECTION_11, "s 11": ReturnKind.SECTION_11, "section 11": ReturnKind.SECTION_11,
    "s175": ReturnKind.SECTION_175, "s 175": ReturnKind.SECTION_175, "section 175": ReturnKind.SECTION_175,
    "s175 157": ReturnKind.SECTION_175, "section 175 157": ReturnKind.SECTION_175, "s157": ReturnKind.SECTION_175,
    "section 157": ReturnKind.SECTION_175, "self assessment": ReturnKind.SELF_ASSESSMENT,
    "self_assessment": ReturnKind.SELF_ASSESSMENT, "audit": ReturnKind.AUDIT,
    "multi agency audit": ReturnKind.AUDIT,
}


def _kind_from(text: str) -> ReturnKind | None:
    value = norm(text)
    if value in KIND_WORDS:
        return KIND_WORDS[value]
    if "self assessment" in value:
        return ReturnKind.SELF_ASSESSMENT
    if "dataset" in value:
        return ReturnKind.DATASET
    return None


def import_returns(path: str | Path, *, session: Session, partnership: Partnership, importer: Importer,
                   now: datetime, dry_run: bool = False) -> ImportReport:
    """Import the returns schedule (Title | Kind | Agency | Owner | Period | Due).

    A return is known by its agency, title and period; the owner, kind and due date follow the file.
    The owner must be from the return's agency (an empty Agency cell means the owner's agency).
    """
    path = Path(path)
    table = read_table(path, RETURN_COLUMNS, what="returns")
    report = ImportReport("returns", path.name, table.sheet, table.header_row, dry_run)
    agencies = by_key_or_name(session.exec(select(Agency).where(Agency.partnership_id == partnership.id)))
    by_id = {a.id: a for a in agencies.values()}
    agency_names = {a.id: a.name for a in agencies.values()}
    people = People.load(session, partnership)
    held = {return_key(r.agency_id, r.title, r.period): r for r in session.exec(
        select(DataReturn).where(col(DataReturn.agency_id).in_(list(agency_names) or [0])))}
    seen_in_file: dict[tuple[int, str, str], int] = {}

    for number, values in table.rows:
        title = cell_text(values.get("title"))
        period = cell_text(values.get("period"))
        if report.refuse_identifying(number, {"Title": title, "Period": period}, today=now.date()):
            continue
        what = f'"{shorten(title)}"' + (f" ({period})" if period else "") if title else "(no title)"
        problems = []
        if not title:
            problems.append("no title given")
        elif len(title) > 300:
            problems.append("the title is longer than 300 characters")
        if len(period) > 60:
            problems.append("the period is longer than 60 characters")
        owner, why = people.match(values.get("owner"))
        if owner is None:
            problems.append(f"Owner: {why}")
        agency_text = cell_text(values.get("agency"))
        agency = agencies.get(norm(agency_text)) if agency_text else (by_id.get(owner.agency_id) if owner else None)
        if agency_text and agency is None:
            problems.append(f"Agency '{agency_text}' is unknown; use one of: "
                            f"{', '.join(sorted({a.key for a in agencies.values()}))}")
        elif owner and agency and owner.agency_id != agency.id:
            problems.append(f"{owner.name} is from {agency_names.get(owner.agency_id)}, not {agency.name}; a return's "
                            f"responsible person must be from its agency")
        kind = _kind_from(cell_text(values.get("kind")))
        if kind is None:
            problems.append(f"Kind '{cell_text(values.get('kind'))}' is not one I know; use dataset, S11, S175, "
                            f"self assessment, audit or other")
        try:
            due = parse_day(values.get("due"))
        except ValueError as exc:
            due = None
            problems.append(f"Due: {exc}")
        if problems:
            report.add(number, Outcome.NOT_IMPORTED, what, "; ".join(problems))
            continue
        key = return_key(agency.id, title, period)
        if key in seen_in_file:
            report.add(number, Outcome.NOT_IMPORTED, what, f"the same return is already on row {seen_in_file[key]}")
            continue
        seen_in_file[key] = number
        existing = held.get(key)
        if existing is None:
            item = DataReturn(agency_id=agency.id, owner_id=owner.id, title=title, kind=kind.value, period=period,
                              due_date=due)
            if not dry_run:
                session.add(item)
                session.flush()
                record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100], action="return.imported",
                       entity="data_return", entity_id=item.id,
                       after=snapshot(item, "agency_id", "owner_id", "title", "kind", "period", "due_date"))
            report.add(number, Outcome.CREATED, what, f"{agency.name}, {owner.name}, due {fmt_day(due)}")
            continue
        said = []
        if existing.owner_id != owner.id:
            said.append(f"owner -> {owner.name}")
        if existing.kind != kind.value:
            said.append(f"kind -> {RETURN_KIND_NAMES[kind.value]}")
        if existing.due_date != due:
            said.append(f"due {fmt_day(existing.due_date)} -> {fmt_day(due)}")
        if said and not dry_run:
            before = snapshot(existing, "owner_id", "kind", "due_date")
            existing.owner_id, existing.kind, existing.due_date = owner.id, kind.value, due
            session.add(existing)
            record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100], action="return.changed",
                   entity="data_return", entity_id=existing.id, before=before,
                   after=snapshot(existing, "owner_id", "kind", "due_date"))
        report.add(number, Outcome.UPDATED if said else Outcome.UNCHANGED, f"#{existing.id} {what}", "; ".join(said))
    finish(session, partnership, importer, report)
    return report
