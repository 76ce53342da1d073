"""`assurebot calendar GROUP [--member EMAIL]`: a group's meetings as an .ics file."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import func, select

from handlers.calendar_feed import build_calendar
from bot.commands import chosen_scope
from models.db import ready_engine
from models.groups import Group
from models.people import member_by_email, partnership


def calendar_command(database_url: str, *, group: str, member_email: str | None = None, output: str = "-",
                     now: datetime | None = None, partnership_key: str | None = None) -> int:
    """`assurebot calendar GROUP [--member EMAIL] [--output FILE|-]`: write the .ics file."""
    engine = ready_engine(database_url)
    scope = chosen_scope(engine, email=member_email, key=partnership_key)
    if scope is None:
        return 2
    with scope.session(engine) as session:
        member = None
        if member_email:
            member = member_by_email(member_email, scope=scope, session=session)
            if member is None or not member.active:
                print(f"There is no active member with the email {member_email}.", file=sys.stderr)
                return 2
        key = group.strip().lower()
        found = session.exec(select(Group).where(
            scope.where(Group), (func.lower(Group.key) == key) | (func.lower(Group.name) == key))).first()
        if found is None:
            known = ", ".join(session.exec(select(Group.key).where(scope.where(Group)).order_by(Group.key)).all())
            print(f"I don't know a group called '{group}'. The groups are: {known}.", file=sys.stderr)
            return 2
        name = f"AssureBot: {found.name}" + (f" and {member.name}'s deadlines" if member else "")
        body = build_calendar(scope=scope, session=session, partnership=partnership(scope=scope, session=session),
                              groups=[found], member=member, now=now or datetime.now(timezone.utc), name=name)
    if output == "-":
        sys.stdout.write(body.decode("utf-8"))
    else:
        Path(output).write_bytes(body)
        print(f"Wrote {output}. Import it into Outlook, or serve it with `assurebot serve` for a link people "
              f"subscribe to.", file=sys.stderr)
    return 0
