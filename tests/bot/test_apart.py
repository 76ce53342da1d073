"""Commands run in processes of their own beside the server (quick ones in several, reports in one of
their own), and answer exactly as they would in it."""

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import select

from bot.apart import processes_for
from handlers.core import parse_command
from handlers.dispatch import Apart, Dispatcher, Who
from models.clock import Clock
from models.db import session_for
from models.escalations import Escalation
from tests.conftest import ADMIN, CHAIR, PRACTITIONER

ROOT = Path(__file__).resolve().parents[2]


def apart_for(engine, clock):
    return processes_for(engine, clock=clock, feed_links=None, email_on=False, log_level="WARNING")


async def ask(dispatcher: Dispatcher, email: str, line: str):
    return await dispatcher.run(parse_command(line, platform="slack"), Who(platform="slack", email=email, home=True))


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
    counting = Apart(start=lambda n, **how: started.append(n) or real.start(n, **how), call=real.call)
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
    assert processes_for(create_engine(url), clock=Clock(), feed_links=None, email_on=False,
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

    def start(workers, **_):
        started.append(1)
        return ThreadPoolExecutor(max_workers=workers)

    apart = Dispatcher(demo, clock=clock, heavy_idle=0.2, apart=Apart(start=start, call=slow))
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


# --- quick commands in several processes ----------------------------------------------------------

def in_processes(engine, clock, processes: int = 2) -> Dispatcher:
    return Dispatcher(engine, clock=clock, apart=apart_for(engine, clock), processes=processes)


async def test_quick_commands_in_processes_answer_as_here_and_other_processes_ran_them(demo, clock):
    here = Dispatcher(demo, clock=clock)
    apart = in_processes(demo, clock)
    try:
        await apart.start_processes()
        workers = {p.pid for p in multiprocessing.active_children()}
        for email, line in ((PRACTITIONER, "help"), (CHAIR, "quorum"), (ADMIN, "actions all"), (CHAIR, "home"),
                            (PRACTITIONER, "escalations"), (ADMIN, "whoami")):
            mine, theirs = await ask(here, email, line), await ask(apart, email, line)
            assert theirs.reply.text == mine.reply.text and theirs.reply.title == mine.reply.title, line
            assert [b.command for b in theirs.reply.buttons] == [b.command for b in mine.reply.buttons], line
            assert [i.text for i in theirs.reply.items] == [i.text for i in mine.reply.items], line
            assert theirs.member_id == mine.member_id
        ran = {apart.quick_pool().submit(os.getpid).result() for _ in range(4)}
        assert os.getpid() not in ran and ran <= workers
        assert apart._pool is None  # the server's own threads were never started
    finally:
        here.close()
        apart.close()


async def test_the_quick_commands_processes_start_with_the_server_not_at_the_first_command(demo, clock):
    before = {p.pid for p in multiprocessing.active_children()}
    apart = in_processes(demo, clock, processes=2)
    try:
        await apart.start_processes()
        started = {p.pid for p in multiprocessing.active_children()} - before
        assert len(started) == 2
        assert (await ask(apart, CHAIR, "quorum")).reply.tone.value != "error"
        assert {p.pid for p in multiprocessing.active_children()} - before == started  # no more were needed
    finally:
        apart.close()


async def test_what_a_process_saves_is_saved_and_its_notices_come_back_to_be_delivered(demo, clock):
    apart = in_processes(demo, clock)
    try:
        await apart.start_processes()
        raised = await apart.run(parse_command("escalate urgent capacity: health visiting caseloads above safe level",
                                               platform="slack"), Who(platform="slack", email=PRACTITIONER, home=True))
        assert raised.reply.changed and "call the police on 999" in raised.reply.text
        # Saved, and read back here from the server's own connection: the worker committed it.
        with session_for(demo) as session:
            saved = session.exec(select(Escalation).where(
                Escalation.summary == "health visiting caseloads above safe level")).one()
        assert sorted(member.name for member, _ in raised.notices) == [
            "Dr Amara Okafor", "Emma Clarke", "Helen Carter", "Priya Shah"]
        assert all(member.id and member.email for member, _ in raised.notices)
        assert all(any(b.command == f"escalation ack {saved.id}" for b in notice.buttons)
                   for _, notice in raised.notices)
    finally:
        apart.close()


async def test_when_a_quick_commands_process_dies_the_person_is_told_and_the_next_command_is_answered(
        demo, clock, caplog):
    apart = in_processes(demo, clock, processes=1)
    try:
        await apart.start_processes()
        worker = apart.quick_pool().submit(os.getpid).result()
        slow = asyncio.ensure_future(apart.run(parse_command("quorum", platform="slack"),
                                               Who(platform="slack", email=CHAIR, home=True)))
        os.kill(worker, signal.SIGKILL)
        told = await slow
        if told.reply.tone.value == "error":  # the process died under it, not after it answered
            assert told.reply.text.startswith("Sorry, something went wrong on our side")
            assert any("running 'quorum'" in r.getMessage() for r in caplog.records)
        for _ in range(50):  # the pool notices the death; the next command starts a new process
            again = await ask(apart, CHAIR, "quorum")
            if again.reply.tone.value != "error":
                break
        assert again.reply.tone.value != "error" and "quorate" in again.reply.text
        assert apart.quick_pool().submit(os.getpid).result() not in (worker, os.getpid())
    finally:
        apart.close()


def _cannot_start(*_):
    raise RuntimeError("no processes here")


async def test_when_the_processes_cannot_start_commands_are_answered_in_the_servers_threads(demo, clock, caplog):
    def start(workers, **_):
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_cannot_start)

    apart = Dispatcher(demo, clock=clock, apart=Apart(start=start, call=apart_for(demo, clock).call), processes=2)
    try:
        await apart.start_processes()
        assert apart.processes == 0
        assert any("could not start" in r.getMessage() for r in caplog.records)
        assert (await ask(apart, CHAIR, "quorum")).reply.tone.value != "error"
    finally:
        apart.close()


def test_a_database_in_memory_keeps_quick_commands_in_the_servers_own_threads():
    engine = create_engine("sqlite://")
    assert Dispatcher(engine, apart=processes_for(engine, clock=Clock(), feed_links=None, email_on=False,
                                                  log_level="INFO"), processes=4).processes == 0


async def test_reports_give_way_to_quick_commands_when_the_processors_are_busy(demo, clock):
    apart = in_processes(demo, clock, processes=1)
    try:
        await apart.start_processes()
        assert (await ask(apart, CHAIR, "report attendance arg")).reply.files
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        report = apart.heavy_pool().submit(os.getpid).result()
        quick = apart.quick_pool().submit(os.getpid).result()
        assert os.getpriority(os.PRIO_PROCESS, report) == min(19, ours + 10)
        assert os.getpriority(os.PRIO_PROCESS, quick) == ours
    finally:
        apart.close()


def _answer_that_cannot_travel(cmd, who, once):
    from handlers.dispatch import Outcome
    from messages.reply import Reply

    return Outcome(Reply(text=lambda: "not something a pipe can carry"))


@pytest.mark.parametrize("line", ["quorum", "report attendance arg"])  # the quick commands' processes, the reports'
async def test_an_answer_that_cannot_come_back_from_its_process_is_an_error_with_an_id(demo, clock, caplog, line):
    real = apart_for(demo, clock)
    apart = Dispatcher(demo, clock=clock, apart=Apart(start=real.start, call=_answer_that_cannot_travel), processes=1)
    try:
        told = await ask(apart, CHAIR, line)
        assert told.reply.tone.value == "error" and "quote error" in told.reply.text
        assert any(f"running {line.split()[0]!r}" in r.getMessage() for r in caplog.records)
    finally:
        apart.close()


SERVER = """
import asyncio, multiprocessing, sys
from bot.apart import processes_for
from handlers.dispatch import Dispatcher
from models.clock import Clock
from models.db import make_engine

async def main():
    engine = make_engine(sys.argv[1])
    apart = processes_for(engine, clock=Clock(), feed_links=None, email_on=False, log_level="WARNING")
    dispatcher = Dispatcher(engine, apart=apart, processes=2)
    await dispatcher.start_processes()
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")  # ended, not yet reaped
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc to see the workers end")
def test_the_workers_end_when_the_server_is_killed_outright(demo):
    server = subprocess.Popen([sys.executable, "-c", SERVER, demo.url.render_as_string(hide_password=False)],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        workers = [int(pid) for pid in server.stdout.readline().split()]
        assert len(workers) == 2 and not any(_gone(pid) for pid in workers)
    finally:
        server.kill()
        server.wait(timeout=30)
    for _ in range(100):
        if all(_gone(pid) for pid in workers):
            break
        time.sleep(0.1)
    assert all(_gone(pid) for pid in workers)
