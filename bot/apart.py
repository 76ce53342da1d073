"""Commands in processes of their own, beside the server.

The server's own process answers Slack, Teams and the email pages on one event loop; Python runs
one thread of it at a time, so commands worked out in its threads take turns with each other and
with every request still arriving. The server therefore works commands out in worker processes,
each with a Dispatcher of its own on the same database, the same clock and settings, and the
same rules about what may be logged:

- quick commands in a few processes (COMMAND_PROCESSES, one per processor up to four by
  default), started with the server, so that several run at once on a machine with several
  processors, and the server's process is left to answer requests;
- heavy commands (reports, which read a year of a partnership's work and write files) in one
  process of their own, started the first time someone asks for a report and stopped when
  nobody has for a while, so a chair's `quorum` never waits behind the business manager's report;
  it runs at a lower priority, so that when the processors are busy, quick answers come first.

Only the command and the person asking go to a worker; the reply (a report's files included) and
the notices it asks for come back, and the server delivers them as it delivers any reply.

A SQLite database held in memory cannot be shared with another process: there, commands stay in
threads of the server's own.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import select
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import TYPE_CHECKING

# This module is the first a worker imports, before it has lowered its priority: it imports the
# rest of AssureBot (a second of work) only once it has.
if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from handlers.core import Command
    from handlers.dispatch import Apart, Dispatcher, Outcome, Who
    from models.clock import Clock

MOST_PROCESSES = 4  # COMMAND_PROCESSES's default: one per processor, up to this many
BACKGROUND_NICENESS = 10  # the reports' process gives way to quick commands by this much
WATCH_SECONDS = 2.0  # where the system cannot say when a process ends, a worker asks this often
PRELOADED = ["bot.apart", "bot.logs", "handlers.dispatch", "models.db"]  # what every worker needs

_dispatcher: Dispatcher | None = None  # in a worker process only


def default_processes() -> int:
    """How many processes answer quick commands when COMMAND_PROCESSES is not set."""
    return max(1, min(MOST_PROCESSES, os.cpu_count() or 1))


def processes_for(engine: Engine, *, clock: Clock, feed_links: object | None, email_on: bool,
                  log_level: str) -> Apart | None:
    """How the server runs commands in processes of their own on `engine`'s database; None when
    another process cannot open it (SQLite in memory)."""
    from handlers.dispatch import Apart

    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    # The URL, password included, goes to the workers through their pipe, never on a command line.
    # The rest goes as bytes, read once the worker has set its priority (reading it imports models/).
    setup = pickle.dumps((url.render_as_string(hide_password=False), clock, feed_links, email_on, log_level,
                          os.getpid()))

    def start(workers: int, *, background: bool = False) -> Executor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=_starter(),
                                   initializer=_start_worker, initargs=(setup, background))

    return Apart(start=start, call=run_apart)


def _starter() -> multiprocessing.context.BaseContext:
    """How workers start: never as copies of the server mid-flight, with its threads and event loop.
    Where the system allows, they are forked from a small process ("forkserver") that started
    once, with AssureBot's modules already imported: a worker is ready in milliseconds, so a new
    one (the reports' process after an idle spell, say) does not spend a second of the processors'
    time importing while everyone waits for their answers. Elsewhere, each starts afresh ("spawn")."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


def _start_worker(setup: bytes, background: bool = False) -> None:
    """A worker's start: its priority, the same logging rules, then its own engine and Dispatcher."""
    global _dispatcher
    if background and hasattr(os, "nice"):
        os.nice(BACKGROUND_NICENESS)
    from bot.logs import configure_logging
    from handlers.dispatch import Dispatcher
    from models.db import make_engine

    address, clock, feed_links, email_on, log_level, server = pickle.loads(setup)
    _stop_with(server)
    configure_logging(log_level)
    _dispatcher = Dispatcher(make_engine(address), clock=clock, feed_links=feed_links, email_on=email_on)
    # What was loaded to get here lasts as long as the worker: kept out of the collector's full
    # passes, which would otherwise scan it all again every so often while someone waits.
    gc.collect()
    gc.freeze()


def _stop_with(server: int) -> None:
    """A worker ends when the server does, even a server killed outright (by the system when memory
    runs short, say): an idle worker would otherwise wait for work for ever, holding its memory and
    its database connections. A thread of the worker's own waits for the server's process to end."""
    def watch() -> None:
        try:
            ended = os.pidfd_open(server)  # Linux: readable once the process has ended
        except ProcessLookupError:
            os._exit(0)
        except (AttributeError, OSError):  # elsewhere: ask every few seconds
            while _alive(server):
                time.sleep(WATCH_SECONDS)
            os._exit(0)
        select.select([ended], [], [])
        os._exit(0)

    threading.Thread(target=watch, name="assurebot-stop-with-server", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # there, but not ours to signal
        return True
    return True


def run_apart(cmd: Command, who: Who, once: str | None) -> Outcome:
    """In a worker: one command, exactly as the server's own threads would run it."""
    if _dispatcher is None:
        raise RuntimeError("run_apart runs only in a worker started by processes_for")
    return portable(_dispatcher.execute(cmd, who, once=once))


def portable(outcome: Outcome) -> Outcome:
    """The outcome as it can travel back to the server: the members to notify as plain copies (a
    row loaded in a session bound to a partnership carries that session's loading rules, which
    cannot leave the process). Everything else in a reply is plain data already."""
    outcome.notices = [(type(member).model_validate(member.model_dump()), notice)
                       for member, notice in outcome.notices]
    return outcome
