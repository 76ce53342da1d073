"""The day's reminders: decide the digests, queue each once, send them."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from models.calendar import calendar_for
from models.clock import Clock
from models.db import refresh_statistics, session_for
from models.partnership import Partnership
from schedules.delivery import Delivery
from schedules.digest import Digest, stream
from schedules.forget import forget_old
from schedules.outbox import Outgoing, queue
from schedules.sending import FlushResult, Pauses, flush, platform_for, send_through

log = logging.getLogger(__name__)


@dataclass
class QueuedDay:
    """What queueing one day's digests did."""

    on: date
    people: int = 0  # with something due
    queued: int = 0  # newly queued (0 when the day already ran)
    quiet: list[str] = field(default_factory=list)


def outgoing(digests: Iterable[Digest], choose_platform: Callable[[Any], str]) -> Iterator[Outgoing]:
    """Each digest as a message to queue, worded as it is reached; once queued its words are let go,
    so only the chunk being written is in memory as replies."""
    for digest in digests:
        yield Outgoing(digest.member.id, choose_platform(digest.member), digest.on, digest.kind, digest.reply)
        digest.release()


def queue_day(engine: Engine, on: date, *, delivery: Delivery | None = None, clock: Clock | None = None,
              partnership_ids: Iterable[int] | None = None) -> QueuedDay:
    """Decide `on`'s digests and queue the ones not queued before. Safe to run any number of times."""
    clock = clock or Clock()
    people = 0

    def counted(digests: Iterable[Digest]) -> Iterator[Digest]:
        nonlocal people
        for digest in digests:
            people += 1
            yield digest

    # The due items are read on a connection of their own while the session writes each chunk of
    # digests (and commits it); wording happens as they are written, while the session is open
    # (it reads colleagues for the deputy choices).
    with session_for(engine) as session, engine.connect() as reading:
        quiet, digests = stream(session, on=on, partnership_ids=partnership_ids, db=reading)
        new = queue(session, outgoing(counted(digests), platform_for(delivery)), now=clock.now())
    for line in quiet:
        log.info("%s", line)
    log.info("reminders for %s: %s people with something due, %s newly queued", on, people, new)
    return QueuedDay(on, people, new, quiet)


def local_days(engine: Engine, clock: Clock, *, timezone: str | None = None) -> dict[date, list[int]]:
    """Each partnership's own today (in its time zone), grouped: {date: [partnership ids]}."""
    found: dict[date, list[int]] = defaultdict(list)
    query = select(Partnership.id, Partnership.nation, Partnership.timezone).order_by(Partnership.id)
    if timezone is not None:
        query = query.where(Partnership.timezone == timezone)
    with session_for(engine) as session:
        for pid, nation, zone in session.execute(query):
            found[calendar_for(nation, zone).local_date(clock.now())].append(pid)
    return dict(found)


class ReminderJobs:
    """The scheduled jobs. Each receives plain values (a time zone); the engine, the delivery and the
    clock are given once, by the composition root that builds the server."""

    def __init__(self, engine: Engine, delivery: Delivery, *, clock: Clock | None = None):
        self.engine = engine
        self.delivery = delivery
        self.clock = clock or Clock()
        self.pauses = Pauses()  # a platform's 429 holds it for every flush of this process

    async def run_day(self, timezone: str | None = None) -> FlushResult:
        """Queue today's digests (in each partnership's own zone, or those in `timezone`) and send what is ready."""
        for on, ids in local_days(self.engine, self.clock, timezone=timezone).items():
            # The sweep is synchronous database work; keep the server answering while it runs.
            await asyncio.to_thread(queue_day, self.engine, on, delivery=self.delivery, clock=self.clock,
                                    partnership_ids=ids)
        result = await self.flush()
        # Once a day, while the day's digests go out: the planner's figures for how the partnership grew,
        # and letting go of old cards and claims (schedules.forget).
        for chore, what in ((lambda: refresh_statistics(self.engine), "refresh the database's statistics"),
                            (lambda: forget_old(self.engine, now=self.clock.now()), "forget old cards and claims")):
            try:
                await asyncio.to_thread(chore)
            except Exception:  # a busy database: done tomorrow, and nothing else is affected
                log.exception("could not %s", what)
        return result

    async def flush(self, for_date: date | None = None) -> FlushResult:
        """Send what is ready in the outbox."""
        return await flush(self.engine, send_through(self.delivery), clock=self.clock, for_date=for_date,
                           pauses=self.pauses)
