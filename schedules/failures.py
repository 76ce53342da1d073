"""Telling the business unit about reminders that could not be delivered, once per failure."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import select, update
from sqlmodel import Session

from messages.reply import Item, Reply, Tone
from messages.templates import format_day, say
from models.delivery import OutboxMessage, OutboxStatus
from models.partnership import Agency, Member, Platform
from schedules.outbox import REPORT_KIND, UNREACHABLE, Outgoing, queue

log = logging.getLogger(__name__)

T = OutboxMessage.__table__


def report_failures(session: Session, *, now: datetime, for_date: date | None = None) -> int:
    """Queue one message per admin listing the messages that failed since the last report.

    The failed rows are marked reported in the same statement that finds them, so two
    processes never report the same failure twice. Returns how many reports were queued.
    """
    scope = [T.c.for_date == for_date] if for_date else []
    failed = session.execute(
        update(T).where(T.c.status == OutboxStatus.FAILED.value, T.c.reported_at.is_(None),
                        ~T.c.kind.startswith(REPORT_KIND), *scope)
        .values(reported_at=now).returning(T.c.id, T.c.member_id, T.c.for_date, T.c.kind, T.c.last_error,
                                           T.c.attempts)).all()
    # A report that itself cannot be delivered is only logged: reporting it would go round in circles.
    session.execute(update(T).where(T.c.status == OutboxStatus.FAILED.value, T.c.reported_at.is_(None),
                                    T.c.kind.startswith(REPORT_KIND), *scope).values(reported_at=now))
    if not failed:
        session.commit()
        return 0
    failed.sort(key=lambda r: r.id)
    people = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_({r.member_id for r in failed})))}
    partnership_of = dict(session.execute(select(Agency.id, Agency.partnership_id)).all())
    admins = session.execute(select(Member, Agency.partnership_id).join(Agency, Agency.id == Member.agency_id)
                             .where(Member.is_admin, Member.active)).all()
    by_partnership: dict[int, list] = {}
    for row in failed:
        by_partnership.setdefault(partnership_of[people[row.member_id].agency_id], []).append(row)
    outgoing = []
    for partnership_id, rows in by_partnership.items():
        reply = failure_report(rows, people)
        for admin, admin_partnership in admins:
            if admin_partnership == partnership_id:
                outgoing.append(Outgoing(admin.id, admin.preferred_platform, rows[0].for_date,
                                         f"{REPORT_KIND}:{rows[0].id}", reply))
    session.commit()
    if not outgoing:
        log.error("%s reminder(s) could not be delivered and there is no admin to tell", len(failed))
    return queue(session, outgoing, now=now)


def unreachable_because(person: Member) -> str:
    """Why AssureBot could not reach someone, in the business unit's words."""
    if person.preferred_platform == Platform.EMAIL.value:
        return ("they turned reminder emails off" if person.email_off else
                "email is not set up on this AssureBot (SMTP_HOST, MAIL_FROM, PUBLIC_URL, EMAIL_LINK_SECRET)")
    return "not reachable on Slack or Teams"


def failure_report(rows: list, people: dict[int, Member]) -> Reply:
    """The business unit's list of people whose reminders could not be delivered, and why."""
    items = []
    for row in rows:
        person = people[row.member_id]
        unreachable = row.last_error == UNREACHABLE
        fields = [("Message", f"{row.kind} for {format_day(row.for_date)}"),
                  ("Why", unreachable_because(person) if unreachable else
                   f"{row.last_error} (after {row.attempts} attempts)")]
        items.append(Item(text=f"{person.name} ({person.email})", key=f"outbox:{row.id}", fields=fields))
    return Reply(title="Reminders that could not be delivered",
                 text=say("digest_failures", count=len(rows), unreachable=sum(
                     1 for r in rows if r.last_error == UNREACHABLE)),
                 items=items, tone=Tone.WARNING, private=True)


