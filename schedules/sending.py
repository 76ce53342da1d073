"""Sending what the outbox holds: exactly once, or at most once more, and never silently lost.

- Claiming is one UPDATE of the oldest ready rows, each stamped with the claiming flush's token.
  On PostgreSQL it picks them `FOR UPDATE SKIP LOCKED`, so several processes share the work.
- Just before a message is sent its lease is renewed, and only if the row is still this flush's:
  a row whose lease ran out while it waited its turn in a slow batch, and that another flush has
  since claimed, is skipped here. The renewal also counts the post, committed before the request
  leaves, so a crash never loses the fact that a message may have gone (one statement and one
  commit for a message never posted before).
- What a sender hands back to keep with a message (schedules.delivery.Sent: a Teams card) is
  written in the commit that records it as sent: keeping it can fail without undoing that record.
- A send whose outcome is unknown (it timed out or the connection dropped after the request left),
  and a row left `sending` by a process that died, is looked for before it is sent again: Slack
  keeps each message's outbox key in its metadata. Where a platform cannot be searched (Teams, email),
  it is sent once more and then counted as sent. Either way a message goes out at most twice.
- A 429's Retry-After holds the whole platform in this process: nothing more is sent to it until
  then, and rows claimed for it go back untried.
- A refusal for good (Refused: an email server's 5xx) fails the message at once, and the business
  unit is told; any other refusal (an email server's 4xx) is tried again after 1, 2, 4 and 8 minutes.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection, Engine

from messages.payload import reply_from_payload
from messages.reply import Reply
from models.clock import Clock
from models.db import session_for
from models.delivery import OutboxMessage, OutboxStatus
from models.partnership import Member, Platform
from schedules.delivery import Delivery, OutcomeUnknown, Refused, Sent, Unreachable
from schedules.failures import report_failures
from schedules.outbox import (BATCH, CHECK_AGAIN, CONCURRENCY, FIRST_RETRY, LEASE, MAX_ATTEMPTS, MAX_POSTS,
                              UNREACHABLE, claim, outbox_key)

log = logging.getLogger(__name__)

T = OutboxMessage.__table__

# Prepared once: a day's outbox runs these thousands of times. Each requires the row to be this flush's.
_OURS = (T.c.id == bindparam("row_id"), T.c.status == OutboxStatus.SENDING.value,
         T.c.claimed_by == bindparam("token"))
_UNTIL = bindparam("until", type_=T.c.lease_until.type)
_HOLD = update(T).where(*_OURS).values(lease_until=_UNTIL).returning(T.c.posts)
_HOLD_FIRST = update(T).where(*_OURS, T.c.posts == 0).values(lease_until=_UNTIL, posts=1).returning(T.c.posts)
_COUNT_POST = update(T).where(*_OURS).values(posts=T.c.posts + 1)
_SENT = update(T).where(*_OURS).values(
    status=OutboxStatus.SENT.value, platform=bindparam("to_platform", type_=T.c.platform.type),
    platform_message_id=bindparam("message_id", type_=T.c.platform_message_id.type),
    sent_at=bindparam("at", type_=T.c.sent_at.type), lease_until=None,
    last_error=bindparam("note", type_=T.c.last_error.type))


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


class Pauses:
    """Platforms that asked this process to wait (HTTP 429), and until when."""

    def __init__(self) -> None:
        self.until: dict[str, datetime] = {}

    def hold(self, platform: str, until: datetime) -> None:
        self.until[platform] = max(self.until.get(platform, until), until)

    def waiting(self, now: datetime) -> dict[str, datetime]:
        return {platform: until for platform, until in self.until.items() if until > now}


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


async def flush(engine: Engine, courier: Courier, *, clock: Clock | None = None, for_date: date | None = None,
                limit: int = BATCH, concurrency: int = CONCURRENCY, max_batches: int = 10_000,
                pauses: Pauses | None = None, lease: timedelta = LEASE,
                check_again: timedelta = CHECK_AGAIN) -> FlushResult:
    """Send everything ready, batch by batch, then tell admins about new failures and send that too."""
    clock = clock or Clock()
    pauses = pauses or Pauses()
    token = uuid.uuid4().hex
    total = FlushResult()
    for _round in range(2):  # the second round sends the failure reports the first one queued
        for _batch in range(max_batches):
            with session_for(engine) as session:
                ids = claim(session, now=clock.now(), limit=limit, for_date=for_date, token=token, lease=lease,
                            skip_platforms=pauses.waiting(clock.now()))
            if not ids:
                break
            batch = _Batch(engine, courier, token, clock, pauses, lease, check_again)
            total.add(await batch.send(ids, concurrency))
        with session_for(engine) as session:
            reported = report_failures(session, now=clock.now(), for_date=for_date)
        total.reported += reported
        if not reported:
            break
    return total


class _Batch:
    """One claimed batch: each message held, looked for if it may have gone, sent, and recorded."""

    def __init__(self, engine: Engine, courier: Courier, token: str, clock: Clock, pauses: Pauses,
                 lease: timedelta, check_again: timedelta):
        self.engine, self.courier, self.token, self.clock = engine, courier, token, clock
        self.pauses, self.lease, self.check_again = pauses, lease, check_again
        self.result = FlushResult()
        self.connection: Connection | None = None

    async def send(self, ids: list[int], concurrency: int) -> FlushResult:
        with session_for(self.engine) as session:
            rows = session.execute(select(OutboxMessage, Member).join(Member, Member.id == OutboxMessage.member_id)
                                   .where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)).all()
            session.expunge_all()
        self.courier.read_ahead([member for _row, member in rows])
        gate = asyncio.Semaphore(concurrency)

        async def one(row: OutboxMessage, member: Member) -> None:
            async with gate:
                await self.one(row, member)

        with self.engine.connect() as self.connection:  # kept until every message is done with it
            outcomes = await asyncio.gather(*(one(row, member) for row, member in rows), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return self.result

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A transaction of its own for one row's statements, on the batch's one connection: each is
        committed before anything is awaited, so the messages sent at once never share one, and a
        batch does not take a connection from the pool (and test it) for every statement."""
        with self.connection.begin():
            yield self.connection

    async def one(self, row: OutboxMessage, member: Member) -> None:
        now = self.clock.now()
        waiting = self.pauses.waiting(now).get(row.platform)
        if waiting is not None:
            self._update(row, status=OutboxStatus.PENDING, lease_until=waiting, attempts=T.c.attempts - 1,
                         last_error="waiting: the platform asked us to slow down")
            self.result.retrying += 1
            return
        first = not row.posts  # never posted: holding it counts this post too
        posts = self._hold(row, now, counting=first)
        if posts is None:
            return  # its lease ran out while it waited, and another flush has it now
        key = outbox_key(row.member_id, row.for_date, row.kind)
        if posts:  # an earlier send may have arrived: look before sending again
            could_look, found = await self._find(member, key)
            if found is not None:
                self._sent(row, row.platform, found, confirmed_late=True)
                return
            if posts >= MAX_POSTS:
                if could_look:
                    self._failed(row, f"sent {posts} times without an answer, and not found there")
                else:  # Teams cannot be searched: sent once more, it counts as sent
                    log.warning("outbox message %s for member %s: %s answered neither send; counted as sent",
                                row.id, row.member_id, row.platform)
                    self._sent(row, row.platform, None, confirmed_late=False)
                return
        if not first and not self._count_post(row):
            return
        try:
            platform, sent = await self.courier.send(member, reply_from_payload(row.payload), key=key)
        except OutcomeUnknown as error:
            self._unknown(row, error)
            return
        except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
            self._not_sent(row, error)
            return
        self._sent(row, platform, sent, confirmed_late=False)

    async def _find(self, member: Member, key: str) -> tuple[bool, str | None]:
        try:
            return await self.courier.find(member, key)
        except Exception as error:  # noqa: BLE001 - not knowing is the same as not finding
            log.warning("could not look for an earlier message to member %s: %s", member.id, error)
            return True, None

    # --- recording: every statement requires the row to be still this flush's ---------------

    def _ours(self, row: OutboxMessage) -> dict[str, Any]:
        return {"row_id": row.id, "token": self.token}

    def _update(self, row: OutboxMessage, **values: Any) -> int:
        values = {k: (v.value if isinstance(v, OutboxStatus) else v) for k, v in values.items()}
        with self._begin() as connection:
            return connection.execute(update(T).where(*_OURS).values(**values), self._ours(row)).rowcount

    def _hold(self, row: OutboxMessage, now: datetime, *, counting: bool = False) -> int | None:
        """Renew the lease just before sending; the posts made so far, or None if it is no longer ours.
        `counting` (a row never posted): the same statement counts the post about to be made."""
        with self._begin() as connection:
            posts = connection.execute(_HOLD_FIRST if counting else _HOLD,
                                       {**self._ours(row), "until": now + self.lease}).scalar()
        return posts - 1 if counting and posts is not None else posts

    def _count_post(self, row: OutboxMessage) -> bool:
        """Committed before the request leaves: a crash afterwards still knows it may have gone."""
        with self._begin() as connection:
            return connection.execute(_COUNT_POST, self._ours(row)).rowcount == 1

    def _sent(self, row: OutboxMessage, platform: str, sent: str | Sent | None, *, confirmed_late: bool) -> None:
        message_id, keep = (sent.message_id, sent.keep) if isinstance(sent, Sent) else (sent, None)
        with self._begin() as connection:
            connection.execute(_SENT, {**self._ours(row), "to_platform": platform, "message_id": message_id,
                                       "at": self.clock.now(),
                                       "note": "found on the platform after an unanswered send" if confirmed_late
                                       else None})
            if keep is not None:
                _keep(connection, row, keep)
        self.result.sent += 1

    def _unknown(self, row: OutboxMessage, error: BaseException) -> None:
        text = f"sent, but no answer came back ({_describe(error)}); to be looked for before any resend"
        log.warning("outbox message %s for member %s: %s", row.id, row.member_id, text)
        self._update(row, status=OutboxStatus.PENDING, lease_until=self.clock.now() + self.check_again,
                     last_error=text[:1000])
        self.result.retrying += 1

    def _failed(self, row: OutboxMessage, text: str, *, exc: BaseException | None = None, **also: Any) -> None:
        error_id = uuid.uuid4().hex[:8]
        log.error("outbox message %s for member %s failed for good (error id %s): %s", row.id, row.member_id,
                  error_id, text, exc_info=exc)
        self._update(row, status=OutboxStatus.FAILED, lease_until=None, last_error=text[:1000], **also)
        self.result.failed += 1
        self.result.errors.append(f"{row.member_id}: {text}")

    def _not_sent(self, row: OutboxMessage, error: Exception) -> None:
        """The platform refused or asked us to wait: nothing went, so the post is not counted."""
        now, attempts, wait = self.clock.now(), row.attempts, retry_after_of(error)
        uncount = {"posts": T.c.posts - 1}
        if isinstance(error, Unreachable):
            return self._failed(row, UNREACHABLE, **uncount)
        if isinstance(error, Refused):  # refused for good: trying again would be refused again
            return self._failed(row, _describe(error), **uncount)
        if wait is not None and attempts < MAX_ATTEMPTS:
            not_before = now + timedelta(seconds=wait)
            self.pauses.hold(row.platform, not_before)
            text = f"rate limited: asked to wait {wait:g} seconds"
        elif attempts < MAX_ATTEMPTS:
            not_before, text = now + FIRST_RETRY * 2 ** (attempts - 1), _describe(error)
        else:
            return self._failed(row, _describe(error), exc=error, **uncount)
        log.warning("outbox message %s for member %s will be retried at %s: %s", row.id, row.member_id,
                    not_before.isoformat(), text)
        self._update(row, status=OutboxStatus.PENDING, lease_until=not_before, last_error=text[:1000], **uncount)
        self.result.retrying += 1


def _keep(connection: Connection, row: OutboxMessage, keep: Callable[[Connection], None]) -> None:
    """Write what goes with a sent message after the statement that records it: if keeping it fails,
    the record that the message went still holds. PostgreSQL abandons a whole transaction when one
    statement fails, so there it goes in a savepoint; SQLite undoes only the statement that failed."""
    try:
        if connection.dialect.name == "postgresql":
            with connection.begin_nested():
                keep(connection)
        else:
            keep(connection)
    except Exception:  # noqa: BLE001 - never at the cost of recording the message as sent
        log.exception("outbox message %s for member %s was sent, but what goes with it could not be kept",
                      row.id, row.member_id)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


# --- routing -------------------------------------------------------------------------------


class Courier:
    """Delivery, but a person who prefers Slack or Teams and can be reached on neither is unreachable
    (and reported), rather than quietly printed on the command line's console."""

    def __init__(self, delivery: Delivery):
        self.delivery = delivery

    async def send(self, member: Member, reply: Reply, *, key: str | None = None) -> tuple[str, str | None]:
        platform = self.delivery.platform_for(member)
        chat = set(self.delivery.senders) - {Platform.CONSOLE.value}
        if platform is None or (platform == Platform.CONSOLE.value and chat
                                and member.preferred_platform != Platform.CONSOLE.value):
            raise Unreachable(f"member {member.id} cannot be reached on {', '.join(sorted(chat)) or 'any platform'}")
        return await self.delivery.send(member, reply, key=key)

    async def find(self, member: Member, key: str) -> tuple[bool, str | None]:
        return await self.delivery.find(member, key)

    def read_ahead(self, members: list[Member]) -> None:
        """Let the platforms read what a batch's messages need in one go, where they can. Only a saving:
        if it fails, each message reads its own as it is sent."""
        read = getattr(self.delivery, "read_ahead", None)
        if read is None:
            return
        try:
            read(members)
        except Exception:  # noqa: BLE001 - the messages are still sent, each reading its own
            log.warning("could not read ahead for a batch of %d messages; each reads its own", len(members),
                        exc_info=True)


def send_through(delivery: Delivery) -> Courier:
    """How the outbox sends through a Delivery."""
    return Courier(delivery)


def platform_for(delivery: Delivery | None) -> Callable[[Any], str]:
    """The platform a person's message is queued for ("none" when nothing reaches them)."""
    def choose(member: Any) -> str:
        if delivery is None:
            return member.preferred_platform
        return delivery.platform_for(member) or "none"

    return choose
