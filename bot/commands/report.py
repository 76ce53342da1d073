"""`assurebot report KIND [GROUP]`: a by-exception report written to files."""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from pathlib import Path

from handlers.core import UserError
from handlers.reports import Request, build_report, report_files, summary_text
from messages.templates import format_day
from models.calendar import calendar_for
from bot.commands import chosen_scope
from models.db import ready_engine
from models.people import member_by_email, partnership, person


def report_command(database_url: str, *, kind: str, group: str | None = None, start: date | None = None,
                   end: date | None = None, output: str = ".", as_email: str | None = None,
                   now: datetime | None = None, partnership_key: str | None = None) -> int:
    """`assurebot report KIND [GROUP]`: write the files to --output and print their paths.

    As the business unit sees it, or as a member sees it with --as EMAIL."""
    engine = ready_engine(database_url)
    now = now or datetime.now(timezone.utc)
    scope = chosen_scope(engine, email=as_email, key=partnership_key)
    if scope is None:
        return 2
    with scope.session(engine) as session:
        try:
            viewer = None
            if as_email:
                actor = member_by_email(as_email, scope=scope, session=session)
                if actor is None or not actor.active:
                    raise UserError(f"There is no active member with the email {as_email}.")
            place = partnership(scope=scope, session=session)
            calendar = calendar_for(place.nation, place.timezone)
            if as_email:
                viewer = person(actor, scope=scope, session=session, on=calendar.local_date(now))
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
