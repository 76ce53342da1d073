"""The reminder outbox: each message queued once, claimed by one process, sent, and accounted for.

A row is unique per (recipient, platform, day, kind), and a person gets at most one row per day
and kind whatever platform they are on, so running the day's job again queues nothing new.
Rows move pending -> sending (claimed with a lease) -> sent, or back to pending to be retried
later, or to failed after the last attempt. Failed rows are reported to the business unit once.

Claiming is one UPDATE of the oldest ready rows. On PostgreSQL it picks them `FOR UPDATE SKIP
LOCKED`, so several `assurebot serve` processes share the work and never claim the same row.
On SQLite one process is the rule. A process that dies between claiming and recording the
result leaves its rows leased: when the lease runs out they are claimed and sent again, so a
message sent just before such a crash can arrive twice, never more for that one crash.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, fields
from enum import Enum
from functools import lru_cache
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from schedules.delivery import Delivery, Unreachable
from models.clock import Clock
from messages.reply import Button, Choice, FieldKind, Form, FormField, Item, Reply, Tone
from messages.templates import format_day, say
from models.db import session_for
from models.delivery import OutboxMessage, OutboxStatus
from models.partnership import Agency, Member, Platform

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BATCH = 50
CONCURRENCY = 4
FIRST_RETRY = timedelta(minutes=1)  # then doubling: 1, 2, 4, 8 minutes
REPORT_KIND = "failures"
UNREACHABLE = "no platform reaches them"

Send = Callable[[Member, Reply], Awaitable[tuple[str, str | None]]]
"""Deliver one reply to one member: returns (platform used, platform message id). `Delivery.send`."""

T = OutboxMessage.__table__


class RetryLater(Exception):
    """A platform asked us to wait (HTTP 429) before sending again."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_of(error: BaseException) -> float | None:
    """Seconds a platform asked us to wait, from a RetryLater or any error carrying a Retry-After."""
    seconds = getattr(error, "retry_after", None)
    if seconds is None:
        response = getattr(error, "response", None)
        headers = getattr(response, "headers", None) or {}
        seconds = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(float(seconds), 0.0) if seconds is not None else None
    except (TypeError, ValueError):
        return None


# --- a Reply as JSON and back ---------------------------------------------------------------


def reply_to_payload(reply: Reply) -> dict[str, Any]:
    """The reply as JSON-safe data (notices are not part of a queued message)."""
    data = _plain(reply)
    data.pop("notices", None)
    return data


@lru_cache(maxsize=None)
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def _plain(value: Any) -> Any:
    # dataclasses.asdict deep-copies every leaf; a day's outbox is thousands of replies.
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}


def reply_from_payload(data: dict[str, Any]) -> Reply:
    """The reply a row was queued with."""
    def form(raw: dict | None) -> Form | None:
        if raw is None:
            return None
        fields = tuple(FormField(**{**f, "kind": FieldKind(f["kind"]),
                                    "options": tuple(Choice(**c) for c in f.get("options", ()))})
                       for f in raw["fields"])
        return Form(**{**raw, "fields": fields})

    def buttons(raw: list) -> list[Button]:
        return [Button(**{**b, "form": form(b.get("form"))}) for b in raw]

    return Reply(
        **{**data,
           "tone": Tone(data.get("tone", Tone.INFO.value)),
           "fields": [tuple(f) for f in data.get("fields", [])],
           "items": [Item(**{**i, "fields": [tuple(f) for f in i.get("fields", [])],
                             "buttons": buttons(i.get("buttons", []))}) for i in data.get("items", [])],
           "buttons": buttons(data.get("buttons", [])),
           "form": form(data.get("form")),
           "notices": []},
    )


# --- queueing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A message to queue: for whom, on which platform, for which day, of which kind."""

    member_id: int
    platform: str
    for_date: date
    kind: str
    reply: Reply


def queue(session: Session, messages: Iterable[Outgoing], *, now: datetime) -> int:
    """Queue messages not queued before (for that person, day and kind); returns how many are new."""
    messages = list(messages)
    if not messages:
        return 0
    pairs = {(m.for_date, m.kind) for m in messages}
    already = set()
    for for_date, kind in pairs:  # one statement per day and kind, not per person
        already |= {(for_date, kind, member_id) for member_id in session.scalars(
            select(T.c.member_id).where(T.c.for_date == for_date, T.c.kind == kind))}
    rows = [{"member_id": m.member_id, "platform": m.platform, "for_date": m.for_date, "kind": m.kind,
             "payload": reply_to_payload(m.reply), "status": OutboxStatus.PENDING.value, "attempts": 0,
             "created_at": now}
            for m in messages if (m.for_date, m.kind, m.member_id) not in already]
    if not rows:
        return 0
    statement = _insert_ignoring_duplicates(session).returning(T.c.id)
    new = len(session.execute(statement, rows).all())
    session.commit()
    return new


def _insert_ignoring_duplicates(session: Session):
    """INSERT ... ON CONFLICT DO NOTHING: another process queued the same row first."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(T).on_conflict_do_nothing()


# --- claiming and sending -------------------------------------------------------------------


def claim(session: Session, *, now: datetime, limit: int = BATCH, lease: timedelta = LEASE,
          for_date: date | None = None) -> list[int]:
    """Lease up to `limit` ready rows to this process and return their ids, oldest first.

    Ready: pending and not asked to wait, or sending with a lease that has run out (whoever
    held it stopped). Rows out of attempts are failed instead of claimed.
    """
    expired = and_(T.c.status == OutboxStatus.SENDING.value, T.c.lease_until <= now)
    scope = [T.c.for_date == for_date] if for_date else []
    session.execute(update(T).where(expired, T.c.attempts >= MAX_ATTEMPTS, *scope)
                    .values(status=OutboxStatus.FAILED.value,
                            last_error=f"no result recorded after {MAX_ATTEMPTS} attempts"))
    ready = or_(and_(T.c.status == OutboxStatus.PENDING.value,
                     or_(T.c.lease_until.is_(None), T.c.lease_until <= now)),
                and_(expired, T.c.attempts < MAX_ATTEMPTS))
    pick = select(T.c.id).where(ready, *scope).order_by(T.c.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(T).where(T.c.id.in_(pick.scalar_subquery()))
        .values(status=OutboxStatus.SENDING.value, lease_until=now + lease, attempts=T.c.attempts + 1)
        .returning(T.c.id)).all()
    session.commit()
    return sorted(claimed)


@dataclass
class FlushResult:
    """What one flush did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    reported: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: "FlushResult") -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.reported += other.reported
        self.errors += other.errors


async def flush(engine: Engine, send: Send, *, clock: Clock | None = None, for_date: date | None = None,
                limit: int = BATCH, concurrency: int = CONCURRENCY, max_batches: int = 10_000) -> FlushResult:
    """Send everything ready, batch by batch, then tell admins about new failures and send that too."""
    clock = clock or Clock()
    total = FlushResult()
    for _round in range(2):  # the second round sends the failure reports the first one queued
        for _batch in range(max_batches):
            with session_for(engine) as session:
                ids = claim(session, now=clock.now(), limit=limit, for_date=for_date)
            if not ids:
                break
            total.add(await _send_batch(engine, send, ids, clock=clock, concurrency=concurrency))
        with session_for(engine) as session:
            reported = report_failures(session, now=clock.now(), for_date=for_date)
        total.reported += reported
        if not reported:
            break
    return total


async def _send_batch(engine: Engine, send: Send, ids: list[int], *, clock: Clock, concurrency: int) -> FlushResult:
    with session_for(engine) as session:
        rows = session.execute(select(OutboxMessage, Member).join(Member, Member.id == OutboxMessage.member_id)
                               .where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)).all()
        session.expunge_all()
    result = FlushResult()
    paused: dict[str, datetime] = {}  # platform -> not before: a 429 holds every message for it
    gate = asyncio.Semaphore(concurrency)

    async def one(row: OutboxMessage, member: Member) -> None:
        async with gate:
            wait_until = paused.get(row.platform)
            if wait_until is not None:
                _release(engine, row.id, wait_until, "waiting: the platform asked us to slow down")
                result.retrying += 1
                return
            try:
                platform, message_id = await send(member, reply_from_payload(row.payload))
            except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
                _record_failure(engine, row, error, clock.now(), paused, result)
                return
            _record_sent(engine, row.id, platform, message_id, clock.now())
            result.sent += 1

    await asyncio.gather(*(one(row, member) for row, member in rows))
    return result


def _record_sent(engine: Engine, row_id: int, platform: str, message_id: str | None, now: datetime) -> None:
    with session_for(engine) as session:
        session.execute(update(T).where(T.c.id == row_id, T.c.status == OutboxStatus.SENDING.value)
                        .values(status=OutboxStatus.SENT.value, platform=platform,
                                platform_message_id=message_id, sent_at=now, lease_until=None, last_error=None))
        session.commit()


def _release(engine: Engine, row_id: int, not_before: datetime, why: str) -> None:
    """Put a claimed row back untried: it waits until `not_before` and the attempt does not count."""
    with session_for(engine) as session:
        session.execute(update(T).where(T.c.id == row_id, T.c.status == OutboxStatus.SENDING.value)
                        .values(status=OutboxStatus.PENDING.value, lease_until=not_before,
                                attempts=T.c.attempts - 1, last_error=why))
        session.commit()


def _record_failure(engine: Engine, row: OutboxMessage, error: Exception, now: datetime,
                    paused: dict[str, datetime], result: FlushResult) -> None:
    attempts = row.attempts  # counted when the row was claimed
    wait = retry_after_of(error)
    if isinstance(error, Unreachable):
        status, not_before, text = OutboxStatus.FAILED, None, UNREACHABLE
    elif wait is not None and attempts < MAX_ATTEMPTS:
        not_before = now + timedelta(seconds=wait)
        paused[row.platform] = max(paused.get(row.platform, not_before), not_before)
        status, text = OutboxStatus.PENDING, f"rate limited: asked to wait {wait:g} seconds"
    elif attempts < MAX_ATTEMPTS:
        status, not_before, text = OutboxStatus.PENDING, now + FIRST_RETRY * 2 ** (attempts - 1), _describe(error)
    else:
        status, not_before, text = OutboxStatus.FAILED, None, _describe(error)
    if status == OutboxStatus.FAILED:
        error_id = uuid.uuid4().hex[:8]
        log.error("outbox message %s for member %s failed for good (error id %s): %s", row.id, row.member_id,
                  error_id, text, exc_info=not isinstance(error, Unreachable))
        result.failed += 1
        result.errors.append(f"{row.member_id}: {text}")
    else:
        log.warning("outbox message %s for member %s will be retried at %s: %s", row.id, row.member_id,
                    not_before.isoformat(), text)
        result.retrying += 1
    with session_for(engine) as session:
        session.execute(update(T).where(T.c.id == row.id, T.c.status == OutboxStatus.SENDING.value)
                        .values(status=status.value, lease_until=not_before, last_error=text[:1000]))
        session.commit()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


# --- telling the business unit ----------------------------------------------------------------


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


def failure_report(rows: list, people: dict[int, Member]) -> Reply:
    """The business unit's list of people whose reminders could not be delivered, and why."""
    items = []
    for row in rows:
        person = people[row.member_id]
        unreachable = row.last_error == UNREACHABLE
        fields = [("Message", f"{row.kind} for {format_day(row.for_date)}"),
                  ("Why", "not reachable on Slack or Teams" if unreachable else
                   f"{row.last_error} (after {row.attempts} attempts)")]
        items.append(Item(text=f"{person.name} ({person.email})", key=f"outbox:{row.id}", fields=fields))
    return Reply(title="Reminders that could not be delivered",
                 text=say("digest_failures", count=len(rows), unreachable=sum(
                     1 for r in rows if r.last_error == UNREACHABLE)),
                 items=items, tone=Tone.WARNING, private=True)


# --- routing -------------------------------------------------------------------------------


def send_through(delivery: Delivery) -> Send:
    """Delivery.send, but a person who prefers Slack or Teams and can be reached on neither is
    unreachable (and reported), rather than quietly printed on the command line's console."""
    async def send(member: Member, reply: Reply) -> tuple[str, str | None]:
        platform = delivery.platform_for(member)
        chat = set(delivery.senders) - {Platform.CONSOLE.value}
        if platform is None or (platform == Platform.CONSOLE.value and chat
                                and member.preferred_platform != Platform.CONSOLE.value):
            raise Unreachable(f"member {member.id} cannot be reached on {', '.join(sorted(chat)) or 'any platform'}")
        return await delivery.send(member, reply)

    return send


def platform_for(delivery: Delivery | None) -> Callable[[Any], str]:
    """The platform a person's message is queued for ("none" when nothing reaches them)."""
    def choose(member: Any) -> str:
        if delivery is None:
            return member.preferred_platform
        return delivery.platform_for(member) or "none"

    return choose
