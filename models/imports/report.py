"""The account of an import that people read, row by row, and who it is recorded as.

Every importer reports in the same words, so `assurebot import` prints them all alike and the
audit trail sums them up alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlmodel import Session

from models.audit import record
from models.dates import format_day
from models.identifiers import GENERAL, identifying_details, mask_identifiers
from models.partnership import Partnership

fmt_day = format_day  # a date as the import report says it: Wed 31 Mar 2027


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    NOT_IMPORTED = "not imported"


@dataclass
class RowResult:
    """What happened to one row of the file.

    `state` qualifies the outcome ("created (closed)"); `warning` is part of the row that was not
    saved, with why and what to do, while the rest of the row was.
    """

    row: int
    outcome: Outcome
    what: str
    detail: str = ""
    state: str = ""
    warning: str = ""


@dataclass
class ImportReport:
    """The row-by-row account of an import, printed by `assurebot import`."""

    kind: str
    filename: str
    sheet: str | None
    header_row: int
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)

    def add(self, row: int, outcome: Outcome, what: str, detail: str = "", *, state: str = "") -> RowResult:
        result = RowResult(row, outcome, what, detail, state)
        self.results.append(result)
        return result

    @property
    def warnings(self) -> list[RowResult]:
        """The rows saved without a part of them, each saying why."""
        return [r for r in self.results if r.warning]

    def refuse_identifying(self, row: int, cells: dict[str, str], *, today: date) -> bool:
        """Refuse the row if a cell names a child by an NHS number, date of birth or postcode.

        The row is named by its number only: the cell's words are never repeated or kept.
        """
        unsafe = [f"{label}: {'; '.join(reasons)}" for label, text in cells.items()
                  if (reasons := identifying_details(text, today=today, where=GENERAL))]
        if unsafe:
            self.add(row, Outcome.NOT_IMPORTED, f"(row {row})", " and ".join(unsafe)
                     + ". Refer to the child only by your agency's case reference, then import the file again")
        return bool(unsafe)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def changed(self) -> bool:
        return any(r.outcome in (Outcome.CREATED, Outcome.UPDATED) for r in self.results)

    def summary(self) -> str:
        verb = "would be " if self.dry_run else ""
        warned = len(self.warnings)
        return (f"{self.count(Outcome.CREATED)} {verb}created, {self.count(Outcome.UPDATED)} {verb}updated, "
                f"{self.count(Outcome.UNCHANGED)} unchanged, {self.count(Outcome.NOT_IMPORTED)} not imported"
                + (f", {warned} with a warning" if warned else ""))

    def lines(self) -> list[str]:
        """The report as people read it: every change and every problem, unchanged rows as ranges."""
        where = f" (sheet \"{self.sheet}\", headers on row {self.header_row})" if self.sheet else \
            f" (headers on row {self.header_row})"
        out = [f"{'Dry run: i' if self.dry_run else 'I'}mporting {self.kind} from {self.filename}{where}."]
        would = "would be " if self.dry_run else ""
        for r in self.results:
            if r.outcome == Outcome.UNCHANGED and not r.detail and not r.warning:
                continue
            label = {Outcome.CREATED: f"{would}created", Outcome.UPDATED: f"{would}updated",
                     Outcome.UNCHANGED: "unchanged", Outcome.NOT_IMPORTED: "NOT imported"}[r.outcome]
            label += f" ({r.state})" if r.state else ""
            out.append(f"  row {r.row}: {label}: {_quoted(r.what)}" + (f" ({_quoted(r.detail)})" if r.detail else ""))
            if r.warning:
                out.append(f"  row {r.row}: WARNING: {_quoted(r.warning)}")
        unchanged = [r.row for r in self.results if r.outcome == Outcome.UNCHANGED and not r.detail and not r.warning]
        if unchanged:
            out.append(f"  unchanged: {_ranges(unchanged)}")
        out.append(self.summary().capitalize() + ".")
        if self.dry_run:
            out.append("Dry run: nothing was saved. Run it again without --dry-run to save these changes.")
        elif self.count(Outcome.NOT_IMPORTED):
            out.append("The other rows are saved. Fix the rows marked NOT imported and import the file again; "
                       "rows already imported will not be duplicated.")
        if self.warnings and not self.dry_run:
            out.append("Each WARNING names what was left out of a saved row, and what to do about it.")
        return out


def _quoted(text: str) -> str:
    """What a row's line says about it, which can quote a cell (a status or an owner not understood):
    never a child's details. The report's own words (row numbers and their ranges) are not passed
    through this, since a range such as 2-100, 102-109 can read as an NHS number."""
    return mask_identifiers(text, today=date.today(), where=GENERAL)


def _ranges(rows: list[int]) -> str:
    """[2, 3, 4, 7] -> 'rows 2-4, 7'."""
    parts: list[str] = []
    start = prev = rows[0]
    for n in rows[1:] + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(parts)


@dataclass(frozen=True)
class Importer:
    """Who is importing, for the audit trail: a member in chat, or a label such as the file's name."""

    actor_id: int | None
    label: str


def shorten(text: str, limit: int = 60) -> str:
    """A long title cut to fit one line of the report."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def finish(session: Session, partnership: Partnership, importer: Importer, report: ImportReport) -> None:
    """Commit a members or returns import with its summary event, or leave a dry run unsaved."""
    if report.dry_run or not report.changed:
        session.rollback()
        return
    record(session, partnership_id=partnership.id, actor_id=importer.actor_id, actor_label=importer.label[:100], action=f"import.{report.kind}",
           entity="partnership", entity_id=partnership.id,
           after={"file": report.filename, "created": report.count(Outcome.CREATED),
                  "updated": report.count(Outcome.UPDATED), "unchanged": report.count(Outcome.UNCHANGED),
                  "not_imported": report.count(Outcome.NOT_IMPORTED), "warnings": len(report.warnings)})
    session.commit()
