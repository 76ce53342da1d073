"""Reminders reach each person once when Slack is slow, asks us to wait, answers after posting, or a
sending process is killed mid-batch: through the production path (outbox, Delivery, the Slack
sender) against the fake Slack API, counting what reached each person's conversation."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from bot.server import DELIVERY
from models.clock import Clock, FixedClock
from models.db import session_for
from models.delivery import OutboxMessage
from models.partnership import Member
from schedules.remind import queue_day
from schedules.sending import Pauses, flush, send_through
from tests import factories
from tests.conftest import TEST_DATABASE_URL
from tests.fakes.slack_workspace import start_workspace
from tests.schedules.builders import a_return, town

DAY = date(2026, 12, 3)  # a Thursday
NINE = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


def people_on_slack(session, count: int) -> list[Member]:
    """A partnership whose members each owe a return due today and are known on Slack."""
    t = town(session)
    people = [factories.member(session, t.police, f"Officer {n:02d}", slack_user_id=f"U{n:04d}",
                               preferred_platform="slack") for n in range(count)]
    for person in people:
        a_return(session, person, DAY, title=f"Return of {person.name}")
    return people


def copies(fake, people: list[Member]) -> dict[str, int]:
    """How many reminders reached each person's direct messages, whatever the bot was told."""
    return {p.name: len(fake.posted_to(f"D{p.slack_user_id.removeprefix('U')}")) for p in people}


def statuses(engine) -> set[str]:
    with session_for(engine) as session:
        return set(session.exec(select(OutboxMessage.status)))


@pytest.fixture
async def slack_only(engine, clock):
    workspace = await start_workspace(engine, clock)
    yield workspace
    await workspace.settled()
    await workspace.client.close()
    await workspace.fake.stop()


def delivery_of(workspace):
    return workspace.client.server.app[DELIVERY]


async def test_slack_posting_but_answering_too_late_still_gives_each_person_one_copy(engine, session, slack_only):
    people = people_on_slack(session, 6)
    slack_only.adapter.workspaces.send_timeout = 0.2
    slack_only.fake.late["chat.postMessage"] = [0.6] * 6  # posted at once, answered after the bot gave up
    delivery, clock = delivery_of(slack_only), FixedClock(NINE)
    queue_day(engine, DAY, delivery=delivery, clock=clock)
    first = await flush(engine, send_through(delivery), clock=clock)
    assert (first.sent, first.retrying, first.failed) == (0, 6, 0)
    clock.moment += timedelta(seconds=31)
    second = await flush(engine, send_through(delivery), clock=clock)
    assert (second.sent, second.failed, second.reported) == (6, 0, 0)  # found in the conversation
    assert set(copies(slack_only.fake, people).values()) == {1}
    assert statuses(engine) == {"sent"}
    assert len(slack_only.fake.called("chat.postMessage")) == 6  # never sent again


async def test_a_429_holds_all_of_slack_and_everyone_gets_one_copy_after_the_wait(engine, session, slack_only):
    people = people_on_slack(session, 8)
    slack_only.fake.rate_limit("chat.postMessage", retry_after=30)
    delivery, clock = delivery_of(slack_only), FixedClock(NINE)
    queue_day(engine, DAY, delivery=delivery, clock=clock)
    pauses = Pauses()
    first = await flush(engine, send_through(delivery), clock=clock, pauses=pauses, concurrency=1)
    assert first.sent == 0 and len(slack_only.fake.called("chat.postMessage")) == 1  # nobody else was tried
    clock.moment += timedelta(seconds=29)
    assert (await flush(engine, send_through(delivery), clock=clock, pauses=pauses)).sent == 0
    clock.moment += timedelta(seconds=2)
    assert (await flush(engine, send_through(delivery), clock=clock, pauses=pauses)).sent == 8
    assert set(copies(slack_only.fake, people).values()) == {1}


async def test_a_slow_batch_whose_leases_run_out_is_never_sent_twice_by_another_flush(engine, session, slack_only):
    people = people_on_slack(session, 6)
    slack_only.fake.slow["chat.postMessage"] = 0.3
    delivery = delivery_of(slack_only)
    queue_day(engine, DAY, delivery=delivery, clock=FixedClock(NINE))
    lease = timedelta(seconds=0.5)  # shorter than the batch takes: the rows still waiting expire

    async def later_flush():
        await asyncio.sleep(0.8)
        return await flush(engine, send_through(delivery), clock=Clock(), lease=lease, concurrency=1)

    first, second = await asyncio.gather(
        flush(engine, send_through(delivery), clock=Clock(), lease=lease, concurrency=1), later_flush())
    assert second.sent > 0  # the second flush did take over rows the first had not reached
    assert first.sent + second.sent == 6
    assert set(copies(slack_only.fake, people).values()) == {1}
    assert statuses(engine) == {"sent"}


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_two_processes_with_slack_slow_limiting_timing_out_and_one_killed_send_each_reminder_once(
        engine, session, clock, report_figure):
    people = people_on_slack(session, 40)
    workspace = await start_workspace(engine, clock)
    fake = workspace.fake
    try:
        fake.slow["chat.postMessage"] = 0.05
        fake.rate_limit("chat.postMessage", retry_after=1, times=2)
        fake.late["chat.postMessage"] = [0, 0, 0, 1.5, 0, 0, 1.5, 0, 0, 0, 1.5]  # posted, answered too late
        queue_day(engine, DAY, delivery=delivery_of(workspace), clock=Clock())
        url = engine.url.render_as_string(hide_password=False)
        command = [sys.executable, "-m", "tests.fakes.outbox_worker", url, fake.api_url, "--lease", "2",
                   "--send-timeout", "0.5", "--batch", "8", "--seconds", "60"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        doomed = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        steady = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        started = time.monotonic()
        while len(fake.called("chat.postMessage")) < 10 and time.monotonic() - started < 30:
            await asyncio.sleep(0.05)
        doomed.send_signal(signal.SIGKILL)  # mid-batch: its claimed rows stay `sending` until their lease ends
        out, err = await asyncio.to_thread(steady.communicate, timeout=90)
        doomed.wait(timeout=10)
        assert steady.returncode == 0, err.decode()[-2000:]
        finished = json.loads(out.decode().strip().splitlines()[-1])
        assert finished["sent"] > 0
        counts = copies(fake, people)
        report_figure(f"outbox fault test (PostgreSQL, two processes, one killed): {len(people)} people; copies per person {sorted(set(counts.values()))}; "
              f"{len(fake.called('chat.postMessage'))} posts tried, "
              f"{sum(1 for c in fake.called('chat.postMessage') if c.args.get('metadata'))} tagged; "
              f"{len(fake.called('conversations.history'))} look-ups")
        assert set(counts.values()) == {1}, counts  # exactly one each, never none and never two
        assert statuses(engine) == {"sent"}
    finally:
        await workspace.settled()
        await workspace.client.close()
        await fake.stop()


async def test_a_statement_failing_for_one_message_leaves_the_rest_of_its_batch_sent_and_recorded(
        engine, session, slack_only, monkeypatch):
    """The batch's messages share one connection: it stays open until each has finished, so one
    message's failure neither cuts the others off halfway nor leaves them sent but unrecorded."""
    from schedules import sending

    people = people_on_slack(session, 5)
    delivery, clock = delivery_of(slack_only), FixedClock(NINE)
    queue_day(engine, DAY, delivery=delivery, clock=clock)
    real_hold, held = sending._Batch._hold, []

    def hold(batch, row, now, *, counting=False):
        held.append(row.id)
        if len(held) == 1:
            raise RuntimeError("the database could not take this one")
        return real_hold(batch, row, now, counting=counting)

    monkeypatch.setattr(sending._Batch, "_hold", hold)
    with pytest.raises(RuntimeError, match="could not take this one"):
        await flush(engine, send_through(delivery), clock=clock, concurrency=2)
    with session_for(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [row.status for row in rows if row.id != held[0]] == ["sent"] * 4
    assert sorted(copies(slack_only.fake, people).values()) == [0, 1, 1, 1, 1]
