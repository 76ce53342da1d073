"""Reports in a process of their own, beside the server.

A report reads a year of a partnership's meetings, returns and actions and writes its files: on
one interpreter, that work would take turns with everyone's quick commands (a chair's `quorum`
would wait while the business manager's report runs). The server therefore runs heavy commands in
one worker process, started the first time someone asks for a report, with a Dispatcher of its
own on the same database, the same clock and settings, and the same rules about what may be
logged. Only the command and the person asking go to it; the reply (its files included) comes
back, and the server delivers it as it delivers any reply.

A SQLite database held in memory cannot be shared with another process: there, reports stay in a
thread of the server's own.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor

from sqlalchemy.engine import Engine

from handlers.core import Command
from handlers.dispatch import Apart, Dispatcher, Outcome, Who
from models.clock import Clock

_dispatcher: Dispatcher | None = None  # in the reports' process only


def reports_apart(engine: Engine, *, clock: Clock, feed_links: object | None, email_on: bool,
                  log_level: str) -> Apart | None:
    """How the server runs reports in a process of their own on `engine`'s database; None when
    another process cannot open it (SQLite in memory)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    # The URL, password included, goes to the worker through its pipe, never on a command line.
    address = url.render_as_string(hide_password=False)

    def start() -> Executor:
        # A fresh interpreter ("spawn"), not a copy of this one mid-flight with its threads and loop.
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker,
                                   initargs=(address, clock, feed_links, email_on, log_level))

    return Apart(start=start, call=run_apart)


def _start_worker(address: str, clock: Clock, feed_links: object | None, email_on: bool, log_level: str) -> None:
    """The worker's start: the same logging rules, then its own engine and Dispatcher."""
    from bot.logs import configure_logging
    from models.db import make_engine

    global _dispatcher
    configure_logging(log_level)
    _dispatcher = Dispatcher(make_engine(address), clock=clock, feed_links=feed_links, email_on=email_on)


def run_apart(cmd: Command, who: Who, once: str | None) -> Outcome:
    """In the worker: one command, exactly as the server's own threads would run it."""
    if _dispatcher is None:
        raise RuntimeError("run_apart runs only in a worker started by reports_apart")
    return _dispatcher.execute(cmd, who, once=once)
