"""Reports run in a process of their own beside the server, and answer exactly as they would in it."""

import asyncio
import multiprocessing
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine

from bot.reports_apart import reports_apart
from handlers.core import parse_command
from handlers.dispatch import Apart, Dispatcher, Who
from models.clock import Clock
from tests.conftest import ADMIN, CHAIR, PRACTITIONER


def apart_for(engine, clock):
    return reports_apart(engine, clock=clock, feed_links=None, email_on=False, log_level="WARNING")


async def ask(dispatcher: Dispatcher, email: str, line: str):
    return await dispatcher.run(parse_command(line, platform="slack"), Who(platform="slack", email=email))


def files(reply) -> dict[str, bytes]:
    # The CSV files and the chart; a workbook carries the moment it was written, so it is compared by name.
    return {f.filename: f.data for f in reply.files if not f.filename.endswith(".xlsx")}


async def test_a_report_run_apart_is_the_report_run_here_and_another_process_ran_it(demo, clock):
    here = Dispatcher(demo, clock=clock)
    apart = Dispatcher(demo, clock=clock, apart=apart_for(demo, clock))
    try:
        for email, line in ((CHAIR, "report attendance arg"), (ADMIN, "report actions"),
                            (ADMIN, "report escalations")):
            mine, theirs = await ask(here, email, line), await ask(apart, email, line)
            assert theirs.reply.text == mine.reply.text and theirs.reply.title == mine.reply.title
            assert [f.filename for f in theirs.reply.files] == [f.filename for f in mine.reply.files]
            assert files(theirs.reply) == files(mine.reply) and files(mine.reply)
            assert theirs.member_id == mine.member_id
        worker = apart.heavy_pool().submit(os.getpid).result()
        assert worker != os.getpid()
    finally:
        here.close()
        apart.close()


async def test_a_report_refused_apart_is_refused_as_here(demo, clock):
    here = Dispatcher(demo, clock=clock)
    apart = Dispatcher(demo, clock=clock, apart=apart_for(demo, clock))
    try:
        outcome = await ask(apart, PRACTITIONER, "report attendance arg")
        assert outcome.reply.files == [] and outcome.reply.tone.value == "error"
        assert outcome.reply.text == (await ask(here, PRACTITIONER, "report attendance arg")).reply.text
    finally:
        here.close()
        apart.close()


async def test_quick_commands_never_start_the_reports_process(demo, clock):
    started = []
    real = apart_for(demo, clock)
    counting = Apart(start=lambda: started.append(1) or real.start(), call=real.call)
    apart = Dispatcher(demo, clock=clock, apart=counting)
    try:
        for email, line in ((PRACTITIONER, "help"), (CHAIR, "quorum"), (ADMIN, "actions all"), (CHAIR, "home")):
            quick = await ask(apart, email, line)
            assert quick.reply.text and quick.reply.tone.value != "error"
        assert started == []
        assert (await ask(apart, CHAIR, "report attendance arg")).reply.files
        assert started == [1]
    finally:
        apart.close()


async def test_when_the_reports_process_dies_the_person_is_told_and_the_next_report_runs(demo, clock, caplog):
    apart = Dispatcher(demo, clock=clock, apart=apart_for(demo, clock))
    try:
        assert (await ask(apart, CHAIR, "report attendance arg")).reply.files
        os.kill(apart.heavy_pool().submit(os.getpid).result(), signal.SIGKILL)
        told = await ask(apart, CHAIR, "report attendance arg")
        assert told.reply.files == [] and told.reply.tone.value == "error"
        assert told.reply.text.startswith("Sorry, something went wrong on our side")
        assert "quote error" in told.reply.text
        assert any("running 'report'" in r.getMessage() for r in caplog.records)
        again = await ask(apart, CHAIR, "report attendance arg")
        assert again.reply.files and again.reply.tone.value != "error"
    finally:
        apart.close()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_a_database_in_memory_keeps_reports_in_the_servers_own_thread(url):
    assert reports_apart(create_engine(url), clock=Clock(), feed_links=None, email_on=False,
                         log_level="INFO") is None


async def test_the_reports_process_stops_when_nobody_has_asked_for_a_report_for_a_while(demo, clock):
    apart = Dispatcher(demo, clock=clock, apart=apart_for(demo, clock), heavy_idle=0.5)
    try:
        assert (await ask(apart, CHAIR, "report attendance arg")).reply.files
        first = apart.heavy_pool().submit(os.getpid).result()
        assert first in [p.pid for p in multiprocessing.active_children()]
        for _ in range(100):  # stopped half a second after the report; the process then exits
            await asyncio.sleep(0.1)
            if first not in [p.pid for p in multiprocessing.active_children()]:
                break
        assert first not in [p.pid for p in multiprocessing.active_children()]
        again = await ask(apart, ADMIN, "report actions")
        assert again.reply.files and again.reply.tone.value != "error"
        assert apart.heavy_pool().submit(os.getpid).result() not in (first, os.getpid())
    finally:
        apart.close()


async def test_the_reports_process_is_kept_while_a_report_runs_and_stops_after_the_last(demo, clock):
    here = Dispatcher(demo, clock=clock)
    started = []

    def slow(cmd, who, once):  # a report that takes 0.6 s, in a thread standing in for the process
        time.sleep(0.6)
        return here.execute(cmd, who, once=once)

    apart = Dispatcher(demo, clock=clock, heavy_idle=0.2,
                       apart=Apart(start=lambda: started.append(1) or ThreadPoolExecutor(max_workers=1), call=slow))
    try:
        # The second report waits for the first, and runs on past the first's end by more than the idle time.
        both = await asyncio.gather(ask(apart, CHAIR, "report attendance arg"), ask(apart, ADMIN, "report actions"))
        assert all(outcome.reply.files for outcome in both) and started == [1]
        assert apart._heavy_pool is not None  # just finished: kept for the idle time
        await asyncio.sleep(0.5)
        assert apart._heavy_pool is None
        assert (await ask(apart, CHAIR, "report attendance arg")).reply.files and started == [1, 1]
    finally:
        apart.close()
        here.close()
