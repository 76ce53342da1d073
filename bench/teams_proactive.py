"""Proactive Teams digests to 2,000 members through the local fake Bot Connector.

    .venv/bin/python bench/teams_proactive.py [--members 2000] [--throttled 0.05] [--retry-after 1]

Each member has a saved personal chat; each gets one digest card (three actions with buttons,
as a reminder would send) through TeamsGateway.send_to_member, which is continue_conversation
with the app id. The fake runs in its own process (so its work is not counted as the bot's) and
answers 429 with Retry-After once for a random 5% of the chats. Prints the total time and
messages per second, and checks from the connector's own record that every member got exactly
one message. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import sys
import tempfile
import time

import aiohttp
from collections import Counter
from types import SimpleNamespace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference  # noqa: E402

from bot.settings import Settings  # noqa: E402
from bot.teams import conversations  # noqa: E402
from bot.teams.adapter import bot_config, make_adapter  # noqa: E402
from bot.teams.gateway import TeamsGateway  # noqa: E402
from bot.teams.trust import TrustedServiceUrls  # noqa: E402
from messages.reply import Button, Item, Reply  # noqa: E402
from models.db import make_engine, migrate, session_for  # noqa: E402
from models.partnership import Agency, Member, Partnership  # noqa: E402
from tests.fakes.bot_connector import Call, FakeBotConnector  # noqa: E402

BOT = ChannelAccount(id="28:assurebot-bench", name="AssureBot")


def make_members(engine, count: int, service_url: str) -> list[Member]:
    """A partnership of `count` members, each with a saved personal chat with the bot."""
    with session_for(engine) as session:
        partnership = Partnership(key="bench", name="Bench Partnership")
        session.add(partnership)
        session.commit()
        agency = Agency(partnership_id=partnership.id, key="council", name="Council")
        session.add(agency)
        session.commit()
        members = [Member(partnership_id=partnership.id, email=f"member{n}@bench.example.org", name=f"Member {n}",
                          agency_id=agency.id,
                          teams_aad_id=f"aad-{n}", preferred_platform="teams") for n in range(count)]
        session.add_all(members)
        session.commit()
        for member in members:
            user = ChannelAccount(id=f"29:user-{member.id}", name=member.name, aad_object_id=member.teams_aad_id)
            reference = ConversationReference(
                channel_id="msteams", service_url=service_url, bot=BOT, user=user,
                conversation=ConversationAccount(id=f"a:personal-{member.id}", conversation_type="personal",
                                                 tenant_id="tenant-1"))
            conversations.save_reference(reference, kind=conversations.PERSONAL, member_id=member.id,
                                         channel_id=None, session=session)
        return members


def digest_for(member: Member) -> Reply:
    items = [Item(text=f"#{n} Audit 10 case records for the voice of the child", key=f"action:{member.id * 10 + n}",
                  fields=[("Due", "Mon 30 Nov 2026")],
                  buttons=[Button("Done", f"action done {member.id * 10 + n}", style="primary"),
                           Button("Snooze 1 day", f"snooze action {member.id * 10 + n} day")])
             for n in range(1, 4)]
    return Reply(title=f"Your week, {member.name}", text="3 actions are due this week.", items=items, private=True)


def serve_fake(ready, stop, chosen: set[str], retry_after: float) -> None:
    """The fake Bot Connector in a process of its own, answering 429 once for each chosen chat."""

    def first_send_to_a_chosen_chat(kind: str, conversation: str | None) -> bool:
        if kind == "send" and conversation in chosen:
            chosen.discard(conversation)  # once each
            return True
        return False

    async def serve() -> None:
        connector = FakeBotConnector()
        connector.fail_when(429, first_send_to_a_chosen_chat, times=None, retry_after=retry_after)
        ready.put(await connector.start())
        while stop.empty():
            await asyncio.sleep(0.1)
        await connector.stop()

    asyncio.run(serve())


async def recorded_calls(url: str) -> list[Call]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}_record") as response:
        return [Call(**row) for row in await response.json()]


async def run(count: int, throttled: float, retry_after: float) -> int:
    members_of = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        migrate(engine)
        ids = list(range(1, count + 1))  # the ids a fresh database gives the members
        chosen = {f"a:personal-{n}" for n in members_of.sample(ids, round(count * throttled))}
        context = multiprocessing.get_context("spawn")
        ready, stop = context.Queue(), context.Queue()
        fake = context.Process(target=serve_fake, args=(ready, stop, chosen, retry_after), daemon=True)
        fake.start()
        service_url = ready.get(timeout=60)
        members = make_members(engine, count, service_url)
        assert [m.id for m in members] == ids
        gateway = TeamsGateway(make_adapter(bot_config(Settings(_env_file=None))), engine, app_id=None,
                               trusted=TrustedServiceUrls(prefixes=(), allow_loopback=True))

        started = time.perf_counter()
        results = await asyncio.gather(*(gateway.send_to_member(m, digest_for(m)) for m in members),
                                       return_exceptions=True)
        elapsed = time.perf_counter() - started
        connector = SimpleNamespace(calls=await recorded_calls(service_url))
        stop.put(True)
        fake.join(timeout=30)

    failures = [r for r in results if isinstance(r, BaseException)]
    sent = [c for c in connector.calls if c.kind in ("send", "reply") and c.status < 300]
    delivered = Counter(c.conversation_id for c in sent)
    throttled_calls = sum(1 for c in connector.calls if c.status == 429)
    expected = {f"a:personal-{m.id}" for m in members}
    names = {f"a:personal-{m.id}": m.name for m in members}
    right_card = all(c.card["body"][0]["text"] == f"Your week, {names[c.conversation_id]}" for c in sent)
    exactly_once = set(delivered) == expected and set(delivered.values()) == {1}

    print(f"Proactive Teams digests: {count:,} members, {throttled:.0%} of chats answered 429 once "
          f"(Retry-After {retry_after:g}s), through the local fake Bot Connector (its own process)")
    print(f"  total time          {elapsed:.2f} s")
    print(f"  messages per second {count / elapsed:.0f}")
    print(f"  connector calls     {len(connector.calls):,} ({throttled_calls} answered 429, then retried)")
    print(f"  messages delivered  {sum(delivered.values()):,} to {len(delivered):,} distinct personal chats")
    print(f"  per member          min {min(delivered.values(), default=0)}, max {max(delivered.values(), default=0)}"
          f" messages; every card addressed to its own member: {'yes' if right_card else 'NO'}")
    print(f"  sends that failed   {len(failures)}")
    print(f"  each member got exactly one message: {'yes' if exactly_once and not failures else 'NO'}")
    return 0 if exactly_once and not failures and right_card else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--throttled", type=float, default=0.05, help="share of chats answered 429 once")
    parser.add_argument("--retry-after", type=float, default=1.0, help="seconds in the 429's Retry-After")
    args = parser.parse_args()
    return asyncio.run(run(args.members, args.throttled, args.retry_after))


if __name__ == "__main__":
    raise SystemExit(main())
