"""Import action plans, members and the returns schedule from the spreadsheets people already keep.

A file is read whole first (Excel .xlsx or .csv, header names matched loosely, extra columns
ignored). Then each row is matched against what the database holds, once, with everything
loaded up front: rows that can be saved are created or updated, rows that cannot are reported
with the reason. A file that cannot be read at all changes nothing, everything is saved in one
transaction, and importing the same file again changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from models.identifiers import GENERAL, identifying_details
from models.imports.actions import ACTION_COLUMNS, import_actions
from models.imports.dates import parse_day
from models.imports.members import MEMBER_COLUMNS, import_members
from models.imports.people import People
from models.imports.reading import Column, ImportFileError, Table, cell_text, match_columns, read_table
from models.imports.report import Importer, ImportReport, Outcome, RowResult
from models.imports.returns import RETURN_COLUMNS, import_returns
from models.partnership import Partnership
from models.tenancy import NoPartnership
from models.tenancy import the_partnership as chosen_partnership

__all__ = [
    "ACTION_COLUMNS", "COLUMNS", "Column", "IMPORTERS", "ImportFileError", "ImportReport", "Importer",
    "MEMBER_COLUMNS", "Outcome", "People", "RETURN_COLUMNS", "RowResult", "Table", "cell_text", "import_actions",
    "import_members", "import_returns", "match_columns", "parse_day", "read_table", "run_import", "the_partnership",
]

COLUMNS = {"actions": ACTION_COLUMNS, "members": MEMBER_COLUMNS, "returns": RETURN_COLUMNS}


IMPORTERS = {"actions": import_actions, "members": import_members, "returns": import_returns}


def run_import(kind: str, path: str | Path, *, session: Session, partnership: Partnership, importer: Importer,
               now: datetime, dry_run: bool = False) -> ImportReport:
    """Import one kind of spreadsheet in one transaction; a file-level problem changes nothing.

    The file's name is kept (in the audit trail, and as the actions' source when the sheet has no
    Source column), so a name that names a child is refused before the file is read, and not repeated."""
    reasons = identifying_details(Path(path).name, today=now.date(), where=GENERAL)
    if reasons:
        raise ImportFileError(f"I can't keep the file's name, because {'; '.join(reasons)}. Refer to the child only "
                              "by your agency's case reference: rename the file, then import it again.")
    try:
        return IMPORTERS[kind](path, session=session, partnership=partnership, importer=importer, now=now,
                               dry_run=dry_run)
    except Exception:
        session.rollback()
        raise


def the_partnership(session: Session, key: str | None = None) -> Partnership:
    """The partnership named, or the database's only one; ImportFileError otherwise, saying what to do."""
    try:
        return chosen_partnership(key, session=session)
    except NoPartnership as problem:
        raise ImportFileError(str(problem)) from None
