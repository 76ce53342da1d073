"""`assurebot report KIND [GROUP]`: a by-exception report written to files."""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from pathlib import Path

from handlers.core import UserError
from handlers.reports import Request, build_report, report_files, summary_text
from messages.templates import format_day
from models.calendar import calendar_for
from models.db import ready_engine, session_for
from models.imports import ImportFileError, the_partnership
from models.people import member_by_email, partnership_of


def report_command(database_url: str, *, kind: str, group: str | None = None, start: date | None = None,
                   end: date | None = None, output: str = ".", as_email: str | None = None,
                   now: datetime | None = None) -> int:
    """`assurebot report KIND [GROUP]`: write the files to --output and print their paths."""

    engine = ready_engine(database_url)
    now = now or datetime.now(timezone.utc)
    with session_for(engine) as session:
        try:
            actor = None
            if as_email:
                actor = member_by_email(as_email, session=session)
                if actor is None or not actor.active:
                    raise UserError(f"There is no active member with the email {as_email}.")
                partnership = partnership_of(actor, session=session)
            else:
                partnership = the_partnership(session)
            calendar = calendar_for(partnership.nation, partnership.timezone)
            data = build_report(Request(kind, group, start, end), session=session, partnership=partnership,
                                actor=actor, calendar=calendar, now=now)
        except (UserError, ImportFileError) as problem:
            print(getattr(problem, "message", str(problem)), file=sys.stderr)
            return 2
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{data.title}, {format_day(data.start)} to {format_day(data.end)}")
    print(summary_text(data))
    for attachment in report_files(data, produced=now):
        path = folder / attachment.filename
        path.write_bytes(attachment.data)
        print(path)
    return 0
