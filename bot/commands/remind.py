"""`assurebot remind`: show, or queue and send, the day's reminder digests from the command line."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import date
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.delivery import Delivery
from messages.plain import render_plain
from messages.reply import Reply
from messages.templates import format_day, plural
from models.clock import Clock
from models.db import ready_engine, session_for
from models.partnership import Member, Partnership, Platform
from schedules.digest import sweep
from schedules.remind import ReminderJobs, local_days, queue_day

log = logging.getLogger(__name__)


def printing_sender(out: TextIO):
    """The console platform on the command line: each message is printed."""
    async def send(member: Member, reply: Reply, key: str | None = None) -> str | None:
        out.write(f"=== to {member.name} <{member.email}> ===\n{render_plain(reply)}\n\n")
        return None

    return send


def command_line_delivery(engine: Engine, out: TextIO) -> Delivery:
    """The platforms configured in the environment (as `assurebot serve` has them), else the console."""
    delivery = Delivery()
    try:
        from bot.server import DELIVERY, build_app
        from bot.settings import get_settings

        delivery = build_app(engine, settings=get_settings())[DELIVERY]
    except Exception as error:  # noqa: BLE001 - a platform that cannot start must not stop the reminders
        log.warning("sending through the console only: the chat platforms could not be set up (%s)", error)
    delivery.register(Platform.CONSOLE.value, printing_sender(out))
    return delivery


def remind_command(database_url: str, *, on: date | None = None, dry_run: bool = False,
                   delivery: Delivery | None = None, clock: Clock | None = None, out: TextIO | None = None) -> int:
    """`assurebot remind [--date D] [--dry-run]`: show, or queue and send, the day's digests."""
    out = out or sys.stdout
    clock = clock or Clock()
    engine = ready_engine(database_url)
    try:
        if on is not None:
            with session_for(engine) as session:
                ids = list(session.scalars(select(Partnership.id)))
            days = {on: ids} if ids else {}
        else:
            days = local_days(engine, clock)
        if not days:
            out.write("No partnership is loaded yet: load one with `assurebot load FILE` first.\n")
            return 1
        if dry_run:
            return _show(engine, days, out)
        return _send(engine, days, delivery or command_line_delivery(engine, out), clock, out)
    finally:
        engine.dispose()


def _show(engine: Engine, days: dict[date, list[int]], out: TextIO) -> int:
    for on, ids in days.items():
        with session_for(engine) as session:
            day = sweep(session, on=on, partnership_ids=ids)
            day.replies()
        for line in day.quiet:
            out.write(line + "\n")
        for digest in day.digests:
            out.write(f"=== {digest.member.name} <{digest.member.email}> ===\n{render_plain(digest.reply)}\n\n")
        people = plural(len(day.digests), "person", "people")
        out.write(f"{people} would get a digest on {format_day(on)}. "
                  f"This was a dry run: nothing was sent or recorded.\n")
    return 0


def _send(engine: Engine, days: dict[date, list[int]], delivery: Delivery, clock: Clock, out: TextIO) -> int:
    for on, ids in days.items():
        queued = queue_day(engine, on, delivery=delivery, clock=clock, partnership_ids=ids)
        for line in queued.quiet:
            out.write(line + "\n")
        result = asyncio.run(ReminderJobs(engine, delivery, clock=clock).flush(for_date=on))
        again = queued.people - queued.queued
        people, digests = plural(queued.people, "person", "people"), plural(queued.queued, "digest")
        out.write(f"{format_day(on)}: {people} with something due; {digests} queued now"
                  + (f", {again} already queued earlier" if again else "") + f". Sent {result.sent}"
                  + (f", {result.retrying} to retry" if result.retrying else "")
                  + (f", {result.failed} could not be delivered (the business unit is told)" if result.failed else "")
                  + ".\n")
    return 0
