"""`assurebot calendar GROUP [--member EMAIL]`: a group's meetings as an .ics file."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import func, select

from handlers.calendar_feed import build_calendar
from models.db import ready_engine, session_for
from models.groups import Group
from models.partnership import Partnership
from models.people import member_by_email, partnership_of


def calendar_command(database_url: str, *, group: str, member_email: str | None = None, output: str = "-",
                     now: datetime | None = None) -> int:
    """`assurebot calendar GROUP [--member EMAIL] [--output FILE|-]`: write the .ics file."""

    engine = ready_engine(database_url)
    with session_for(engine) as session:
        member = None
        if member_email:
            member = member_by_email(member_email, session=session)
            if member is None or not member.active:
                print(f"There is no active member with the email {member_email}.", file=sys.stderr)
                return 2
        key = group.strip().lower()
        query = select(Group).where((func.lower(Group.key) == key) | (func.lower(Group.name) == key))
        if member is not None:
            query = query.where(Group.partnership_id == partnership_of(member, session=session).id)
        found = session.exec(query).first()
        if found is None:
            known = ", ".join(session.exec(select(Group.key).order_by(Group.key)).all())
            print(f"I don't know a group called '{group}'. The groups are: {known}.", file=sys.stderr)
            return 2
        partnership = session.get(Partnership, found.partnership_id)
        name = f"AssureBot: {found.name}" + (f" and {member.name}'s deadlines" if member else "")
        body = build_calendar(session=session, partnership=partnership, groups=[found], member=member,
                              now=now or datetime.now(timezone.utc), name=name)
    if output == "-":
        sys.stdout.write(body.decode("utf-8"))
    else:
        Path(output).write_bytes(body)
        print(f"Wrote {output}. Import it into Outlook, or serve it with `assurebot serve` for a link people "
              f"subscribe to.", file=sys.stderr)
    return 0
