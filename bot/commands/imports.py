"""`assurebot import actions|members|returns FILE`: spreadsheets from the business unit."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from models.db import ready_engine, refresh_statistics, session_for
from models.imports import ImportFileError, Importer, Outcome, run_import, the_partnership
from models.scope import Scope


def import_command(database_url: str, *, kind: str, path: str, dry_run: bool = False,
                   partnership_key: str | None = None) -> int:
    """`assurebot import KIND FILE [--dry-run]`: 0 all rows imported, 1 some rows not, 2 nothing imported."""
    engine = ready_engine(database_url)
    with session_for(engine) as session:
        try:
            partnership = the_partnership(session, partnership_key)
        except ImportFileError as problem:
            print(f"Nothing was imported. {problem}", file=sys.stderr)
            return 2
    with Scope(partnership.id).session(engine) as session:
        try:
            report = run_import(kind, path, session=session, partnership=partnership,
                                importer=Importer(None, f"import:{Path(path).name}"),
                                now=datetime.now(timezone.utc), dry_run=dry_run)
        except ImportFileError as problem:
            print(f"Nothing was imported. {problem}", file=sys.stderr)
            return 2
    if not dry_run:
        refresh_statistics(engine)
    print("\n".join(report.lines()))
    return 1 if report.count(Outcome.NOT_IMPORTED) else 0
