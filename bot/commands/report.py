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
from models.people import member_by_email, partnership, person
from models.scope import Scope
from models.tenancy import NoPartnership, partnership_for_email, the_partnership


def report_command(database_url: str, *, kind: str, group: str | None = None, start: date | None = None,
                   end: date | None = None, output: str = ".", as_email: str | None = None,
                   now: datetime | None = None, partnership_key: str | None = None) -> int:
    """`assurebot report KIND [GROUP]`: write the files to --output and print their paths.

    As the business unit sees it, or as a member sees it with --as EMAIL."""
    engine = ready_engine(database_url)
    now = now or datetime.now(timezone.utc)
    with session_for(engine) as session:
        try:
            chosen = (partnership_for_email(as_email, key=partnership_key, session=session) if as_email
                      else the_partnership(partnership_key, session=session))
        except NoPartnership as problem:
            print(str(problem), file=sys.stderr)
            return 2
    scope = Scope(chosen.id)
    with scope.session(engine) as session:
        try:
            viewer = None
            if as_email:
                actor = member_by_email(as_email, scope=scope, session=session)
                if actor is None or not actor.active:
                    raise UserError(f"There is no active member with the email {as_email}.")
                viewer = person(actor, scope=scope, session=session)
            place = partnership(scope=scope, session=session)
            calendar = calendar_for(place.nation, place.timezone)
            data = build_report(Request(kind, group, start, end), scope=scope, session=session, partnership=place,
                                person=viewer, calendar=calendar, now=now)
        except UserError as problem:
            print(problem.message, file=sys.stderr)
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
