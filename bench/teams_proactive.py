"""A day's reminder digests to 2,000 Teams members through the production path: outbox, Delivery,
TeamsGateway, and a fake Bot Connector that keeps Teams' own limits.

    .venv/bin/python bench/teams_proactive.py [--members 2000] [--throttled 0] [--tolerance 0.05]
                                              [--database URL] [--profile FILE]

--database runs it on an empty database of your choosing (PostgreSQL) instead of a new SQLite file;
--profile writes cProfile statistics (CPU time) of the flushes.

Each member has three actions due on a Wednesday and a saved personal chat with the bot. The day's
digests are decided and queued by schedules.remind.queue_day, as the daily job does. Then the
outbox is flushed by ReminderJobs.flush through the Delivery that `assurebot serve` builds
(bot.server.build_app, Teams in its local mode) until every row is done: flushes repeat, as the
flush job would, sooner, while Teams has asked the process to wait.

The fake runs in its own process, so its work is not counted as the bot's. It keeps Teams'
documented limits itself (tests.fakes.bot_connector.Throttle: 50 requests in any second per
tenant, 7 in a second, 8 in two... per conversation), letting `--tolerance` over them through
as the real service's counting does, and answers 429 with Retry-After to anything beyond;
`--throttled` also answers 429 once to a random share of the chats.

It prints the wall time, messages a second against the limiter's own rate, the 429s, the bot's
CPU per message (process_time over the flushes), SQL statements per message, the most requests
the fake saw in any one second, and checks from the fake's record that each member got exactly
one message with their own card, that every outbox row ended `sent`, and that each card was
kept for its buttons. The last line sets the figures against the targets. It asserts nothing
about time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import logging
import multiprocessing
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web  # noqa: E402
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from bot.server import DELIVERY, _freeze_long_lived_objects, build_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.teams import conversations  # noqa: E402
from bot.teams.pace import MARGIN, PER_TENANT  # noqa: E402
from bot.teams.setup import TEAMS  # noqa: E402
from models.db import make_engine, migrate, session_for  # noqa: E402
from models.delivery import OutboxMessage, OutboxStatus  # noqa: E402
from models.partnership import Agency, Member, Partnership  # noqa: E402
from models.teams_cards import TeamsCard  # noqa: E402
from models.work import Action  # noqa: E402
from schedules.remind import ReminderJobs, queue_day  # noqa: E402
from tests.fakes.bot_connector import Call, FakeBotConnector, Throttle  # noqa: E402

WEDNESDAY = date(2026, 11, 25)
TENANT = "tenant-1"
BOT = ChannelAccount(id="28:assurebot-bench", name="AssureBot")
ACTIONS_EACH = 3


def make_members(engine, count: int, service_url: str) -> list[int]:
    """A partnership of `count` members, each with three actions due on the day and a saved personal chat."""
    with session_for(engine) as session:
        partnership = Partnership(key="bench", name="Bench Partnership", nation="england-and-wales")
        session.add(partnership)
        session.commit()
        agency = Agency(partnership_id=partnership.id, key="council", name="Council")
        session.add(agency)
        session.commit()
        members = [Member(partnership_id=partnership.id, email=f"member{n}@bench.example.org", name=f"Member {n}",
                          agency_id=agency.id, teams_aad_id=f"aad-{n}", preferred_platform="teams")
                   for n in range(count)]
        session.add_all(members)
        session.commit()
        session.add_all([Action(title=f"Audit case records for the voice of the child ({member.name}, {n} of "
                                      f"{ACTIONS_EACH})", owner_id=member.id,
                                agency_id=agency.id, source="Audit", due_date=WEDNESDAY)
                         for member in members for n in range(1, ACTIONS_EACH + 1)])
        session.commit()
        for member in members:
            user = ChannelAccount(id=f"29:user-{member.id}", name=member.name, aad_object_id=member.teams_aad_id)
            reference = ConversationReference(
                channel_id="msteams", service_url=service_url, bot=BOT, user=user,
                conversation=ConversationAccount(id=f"a:personal-{member.id}", conversation_type="personal",
                                                 tenant_id=TENANT))
            conversations.save_reference(reference, kind=conversations.PERSONAL, member_id=member.id,
                                         channel_id=None, session=session)
        return [member.id for member in members]


def serve_fake(ready, stop, chosen: set[str], retry_after: float, tolerance: float) -> None:
    """The fake Bot Connector in a process of its own: Teams' limits, and 429 once for each chosen chat."""

    def first_send_to_a_chosen_chat(kind: str, conversation: str | None) -> bool:
        if kind == "send" and conversation in chosen:
            chosen.discard(conversation)  # once each
            return True
        return False

    async def serve() -> None:
        # The fake keeps every request it answered. A full garbage collection over them stops it for
        # a fifth of a second, after which it would time the requests waiting meanwhile as arriving
        # together: Teams' own clock is not held up by what it keeps.
        gc.disable()
        connector = FakeBotConnector(throttle=Throttle(tolerance=tolerance, retry_after=retry_after))
        connector.fail_when(429, first_send_to_a_chosen_chat, times=None, retry_after=retry_after)
        ready.put(await connector.start())
        while stop.empty():
            await asyncio.sleep(0.1)
        await connector.stop()

    asyncio.run(serve())


async def recorded_calls(url: str) -> list[Call]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}_record") as response:
        return [Call(**row) for row in await response.json()]


def busiest_second(calls: list[Call]) -> int:
    """The most requests the fake received within any one second."""
    moments = sorted(c.at for c in calls)
    most, first = 0, 0
    for last, moment in enumerate(moments):
        while moments[first] <= moment - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def left_to_send(engine) -> int:
    with session_for(engine) as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value])))


async def flush_all(engine, jobs: ReminderJobs, *, deadline: float) -> int:
    """Flush as the flush job does, again as soon as there is something ready, until nothing is left."""
    flushes = 0
    while time.monotonic() < deadline:
        await jobs.flush()
        flushes += 1
        if not left_to_send(engine):
            break
        await asyncio.sleep(0.05)  # Teams asked this process to wait; the next flush skips it until then
    return flushes


async def run(args: argparse.Namespace) -> int:
    count = args.members
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(args.database or f"sqlite:///{Path(folder) / 'bench.db'}")
        migrate(engine)
        ids = list(range(1, count + 1))  # the ids a fresh database gives the members
        chosen = {f"a:personal-{n}" for n in random.Random(7).sample(ids, round(count * args.throttled))}
        context = multiprocessing.get_context("spawn")
        ready, stop = context.Queue(), context.Queue()
        fake = context.Process(target=serve_fake, args=(ready, stop, chosen, args.retry_after, args.tolerance),
                               daemon=True)
        fake.start()
        service_url = ready.get(timeout=60)
        assert make_members(engine, count, service_url) == ids

        logging.getLogger("bot.teams.adapter").setLevel(logging.ERROR)  # the local mode's banner
        app = build_app(engine, settings=Settings(_env_file=None, teams_local_mode=True, host="127.0.0.1"))
        app.on_startup.append(_freeze_long_lived_objects)  # as `assurebot serve` adds it
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()  # the server's start-up work
        delivery = app[DELIVERY]
        queued = queue_day(engine, WEDNESDAY, delivery=delivery)
        jobs = ReminderJobs(engine, delivery)

        statements = [0]

        def counted(*_args) -> None:
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", counted)
        profile = cProfile.Profile(time.process_time) if args.profile else None
        if profile:
            profile.enable()
        started, cpu, loop_cpu = time.perf_counter(), time.process_time(), time.thread_time()
        flushes = await flush_all(engine, jobs, deadline=time.monotonic() + args.seconds)
        cpu, elapsed = time.process_time() - cpu, time.perf_counter() - started
        loop_cpu = time.thread_time() - loop_cpu
        if profile:
            profile.disable()
            profile.dump_stats(args.profile)
        event.remove(engine, "before_cursor_execute", counted)

        calls = await recorded_calls(service_url)
        waited = app[TEAMS].pace.waited
        await runner.cleanup()
        stop.put(True)
        fake.join(timeout=30)
        with session_for(engine) as session:
            statuses = Counter(session.scalars(select(OutboxMessage.status)))
            cards = session.scalar(select(func.count()).select_from(TeamsCard))
        engine.dispose()

    sent = [c for c in calls if c.kind in ("send", "reply") and c.status < 300]
    delivered = Counter(c.conversation_id for c in sent)
    throttled = sum(1 for c in calls if c.status == 429)
    share = throttled / max(len(calls), 1)
    expected = {f"a:personal-{n}" for n in ids}
    own_card = all(f"(Member {int(c.conversation_id.split('-')[-1]) - 1}, " in json.dumps(c.card) for c in sent)
    exactly_once = set(delivered) == expected and set(delivered.values()) == {1}
    all_sent = statuses == Counter({OutboxStatus.SENT.value: count})
    seconds, most = PER_TENANT[0]
    pace = most / (seconds * (1 + MARGIN))
    per_message = cpu * 1000 / max(len(sent), 1)

    print(f"Reminder digests to {count:,} Teams members through the outbox (queue_day, ReminderJobs.flush, the "
          f"Delivery `assurebot serve` builds), to the fake Bot Connector in its own process keeping Teams' limits "
          f"(+{args.tolerance:.0%} tolerance); {args.throttled:.0%} of chats also answered 429 once")
    print(f"  digests queued        {queued.queued:,} ({ACTIONS_EACH} actions each, with their buttons)")
    print(f"  total time            {elapsed:.2f} s in {flushes} flushes (requests waited {waited:.1f} s in all for "
          f"Teams' pace)")
    print(f"  messages per second   {len(sent) / elapsed:.1f} (the limiter's rate in one tenant: {pace:.1f})")
    print(f"  busiest second        {busiest_second(calls)} requests at the fake (Teams allows {most})")
    print(f"  connector calls       {len(calls):,}, {throttled} answered 429 ({share:.2%})")
    print(f"  CPU                   {cpu:.2f} s in the bot's process, {per_message:.2f} ms per message"
          f"{' (profiled: slower)' if args.profile else ''}; {loop_cpu:.2f} s of it in the event loop's thread")
    print(f"  SQL statements        {statements[0]:,}, {statements[0] / max(len(sent), 1):.2f} per message")
    print(f"  messages delivered    {sum(delivered.values()):,} to {len(delivered):,} distinct personal chats, "
          f"each card its own member's: {'yes' if own_card else 'NO'}")
    print(f"  per member            min {min(delivered.values(), default=0)}, max {max(delivered.values(), default=0)}")
    print(f"  outbox rows           {', '.join(f'{n:,} {s}' for s, n in sorted(statuses.items()))}")
    print(f"  cards kept            {cards:,} (for updating in place when a button is pressed)")
    ok = exactly_once and own_card and all_sent and cards == count
    print(f"429s {share:.2%} (target < 1%), CPU {per_message:.2f} ms/msg (target < 3 ms), "
          f"{len(sent) / elapsed:.1f} msg/s at the limiter's {pace:.1f}, "
          f"exactly once: {'yes' if exactly_once and all_sent else 'NO'}")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--throttled", type=float, default=0.0, help="share of chats also answered 429 once")
    parser.add_argument("--retry-after", type=float, default=1.0, help="seconds in a 429's Retry-After")
    parser.add_argument("--tolerance", type=float, default=0.05, help="share over Teams' limits the fake lets through")
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--seconds", type=float, default=600.0, help="give up flushing after this long")
    parser.add_argument("--profile", help="write cProfile stats of the flushes to this file")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
