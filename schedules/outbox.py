"""The reminder outbox: each message queued once per person, day and kind, and claimed by one flush.

A row is unique per (recipient, platform, day, kind), and a person gets at most one row per day
and kind whatever platform they are on, so running the day's job again queues nothing new.
Rows move pending -> sending (claimed with a lease) -> sent, or back to pending to be retried
later, or to failed after the last attempt (schedules/sending.py sends them; failed rows are
reported to the business unit once, schedules/failures.py).

Claiming is one UPDATE of the oldest ready rows, each stamped with the claiming flush's token.
On PostgreSQL it picks them `FOR UPDATE SKIP LOCKED`, so several processes share the work.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

from messages.payload import reply_to_payload
from messages.reply import Reply
from models.base import insert_ignoring_duplicates
from models.db import EncodedJSON, json_text, writes_encoded_json
from models.delivery import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
MAX_POSTS = 2  # a message that may have arrived is sent at most once more
BATCH = 50
QUEUE_CHUNK = 500  # messages written (and committed) together when queueing
CONCURRENCY = 4
FIRST_RETRY = timedelta(minutes=1)  # then doubling: 1, 2, 4, 8 minutes
CHECK_AGAIN = timedelta(seconds=30)  # a message of unknown fate is looked for this soon
REPORT_KIND = "failures"
UNREACHABLE = "no platform reaches them"

T = OutboxMessage.__table__

def outbox_key(member_id: int, for_date: date, kind: str) -> str:
    """What a message is tagged with on the platform, so a retry can tell whether it arrived."""
    return f"assurebot:{kind}:{for_date.isoformat()}:{member_id}"


# --- queueing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A message to queue: for whom, on which platform, for which day, of which kind."""

    member_id: int
    platform: str
    for_date: date
    kind: str
    reply: Reply


def queue(session: Session, messages: Iterable[Outgoing], *, now: datetime, chunk: int | None = None) -> int:
    """Queue messages not queued before (for that person, day and kind); returns how many are new.

    `messages` may be a generator: they are worded, written and committed `chunk` at a time, so a
    day's digests for a large partnership never sit in memory all at once (each chunk is safe to
    have written: queueing again skips what is there).
    """
    chunk = chunk or QUEUE_CHUNK
    # Each payload is encoded as it is made, where the engine writes encoded JSON as it is (every
    # engine models.db.make_engine makes): a chunk waiting to be written is then a list of strings.
    encoded = _encoded if writes_encoded_json(session.get_bind()) else _as_it_is
    already: dict[tuple[date, str], set[int]] = {}
    new, rows = 0, []
    for message in messages:
        pair = (message.for_date, message.kind)
        if pair not in already:  # one statement per day and kind, not per person
            already[pair] = set(session.scalars(select(T.c.member_id).where(T.c.for_date == message.for_date,
                                                                            T.c.kind == message.kind)))
        if message.member_id in already[pair]:
            continue
        already[pair].add(message.member_id)
        rows.append({"member_id": message.member_id, "platform": message.platform, "for_date": message.for_date,
                     "kind": message.kind, "payload": encoded(reply_to_payload(message.reply)),
                     "status": OutboxStatus.PENDING.value, "attempts": 0, "posts": 0, "created_at": now})
        if len(rows) >= chunk:
            new += _insert(session, rows)
            rows = []
    if rows:
        new += _insert(session, rows)
    return new


def _encoded(payload: dict) -> EncodedJSON:
    return EncodedJSON(json_text(payload))


def _as_it_is(payload: dict) -> dict:
    return payload


def _insert(session: Session, rows: list[dict]) -> int:
    # Another process may have queued the same row first: it is left as it is.
    statement = insert_ignoring_duplicates(T, session.get_bind().dialect.name).returning(T.c.id)
    new = len(session.execute(statement, rows).all())
    session.commit()
    return new


# --- claiming --------------------------------------------------------------------------------


def claim(session: Session, *, now: datetime, limit: int = BATCH, lease: timedelta = LEASE,
          for_date: date | None = None, token: str = "", skip_platforms: Iterable[str] = ()) -> list[int]:
    """Lease up to `limit` ready rows to the flush with `token` and return their ids, oldest first.

    Ready: pending and not asked to wait, or sending with a lease that has run out (whoever held
    it stopped). Rows out of attempts are failed instead of claimed; platforms that asked us to
    wait are left alone.
    """
    expired = and_(T.c.status == OutboxStatus.SENDING.value, T.c.lease_until <= now)
    scope = [T.c.for_date == for_date] if for_date else []
    skip = [T.c.platform.not_in(list(skip_platforms))] if skip_platforms else []
    session.execute(update(T).where(expired, T.c.attempts >= MAX_ATTEMPTS, *scope)
                    .values(status=OutboxStatus.FAILED.value,
                            last_error=f"no result recorded after {MAX_ATTEMPTS} attempts"))
    ready = or_(and_(T.c.status == OutboxStatus.PENDING.value,
                     or_(T.c.lease_until.is_(None), T.c.lease_until <= now)),
                and_(expired, T.c.attempts < MAX_ATTEMPTS))
    pick = select(T.c.id).where(ready, *scope, *skip).order_by(T.c.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(T).where(T.c.id.in_(pick.scalar_subquery()))
        .values(status=OutboxStatus.SENDING.value, lease_until=now + lease, attempts=T.c.attempts + 1,
                claimed_by=token)
        .returning(T.c.id)).all()
    session.commit()
    return sorted(claimed)
