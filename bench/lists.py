"""How long the business unit waits for the long lists, at 5,000 and 50,000 members.

    .venv/bin/python bench/lists.py [--sizes 5000,50000] [--runs 200] [--sqlite-only]

For each size it builds the synthetic partnership of bench/reminder_sweep.py (ten actions per
member, returns, groups, meetings, escalations), in SQLite and in PostgreSQL when one answers,
and runs `actions all`, `escalations` and `home` as an admin through the dispatcher (the same
path as every platform: partnership, person, rule, handler, buttons), in-process, once each has
run ten times (a server that has been answering a while). It prints p50 and p99 per command and
size, then the ratio of the largest size's p99 to the smallest's: a list
fetched a page at a time in SQL stays flat as the partnership grows.

It asserts nothing; the figures are for reading.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from handlers.core import parse_command  # noqa: E402
from handlers.dispatch import Dispatcher, Who  # noqa: E402
from models.clock import FixedClock  # noqa: E402
from reminder_sweep import NOW, Database, build, postgres_base  # noqa: E402

COMMANDS = ("actions all", "escalations", "home")
# Runs of each command before any is timed. On PostgreSQL a statement is prepared (planned once)
# after it has run five times on a connection, and PostgreSQL settles on its plan after five more:
# the first ten answers after a server starts are slower than every later one.
WARM = 10
ADMIN = "m0@bench.example.org"  # the first members of the synthetic partnership are its business unit


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def enough_escalations(engine, members: int) -> None:
    """At least a full page of open escalations at every size, so each size shows the same number."""
    from sqlalchemy import func, select

    from models.escalations import Escalation
    from models.partnership import Member

    with engine.begin() as conn:
        have = conn.execute(select(func.count()).select_from(Escalation)).scalar_one()
        if have >= 30:
            return
        raiser = conn.execute(select(Member.id, Member.agency_id).where(Member.id == 2)).one()
        conn.execute(Escalation.__table__.insert(), [
            {"raised_by_id": raiser.id, "agency_id": raiser.agency_id, "raised_at": NOW, "category": "practice",
             "urgency": "routine", "summary": f"A disagreement {n}", "stage": 1, "stage_entered_at": NOW,
             "immediate_risk_advised": False} for n in range(30 - have)])


def time_lists(engine, members: int, runs: int) -> dict[str, tuple[float, float, int]]:
    """p50 and p99 seconds, and the items shown, for each command as the admin, once each has run
    WARM times. As `assurebot serve` does once it has started, what is loaded by then is kept out
    of the garbage collector's passes."""
    enough_escalations(engine, members)
    dispatcher = Dispatcher(engine, clock=FixedClock(NOW))
    who = Who(platform="console", email=ADMIN, partnership_key=f"bench{members}")
    for line in COMMANDS:  # as a server that has been answering a while: see WARM
        for _ in range(WARM):
            dispatcher.execute(parse_command(line), who)
    gc.collect()
    gc.freeze()
    found = {}
    for line in COMMANDS:
        cmd = parse_command(line)
        reply = dispatcher.execute(cmd, who).reply  # warm: the first run loads the code paths
        assert not reply.is_error, reply.text
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            reply = dispatcher.execute(cmd, who).reply
            samples.append(time.perf_counter() - started)
        found[line] = (statistics.median(samples), p99(samples), len(reply.items))
    dispatcher.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,50000")
    parser.add_argument("--runs", type=int, default=200)  # p99 of 40 runs would be the slowest one
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    base = None if args.sqlite_only else postgres_base()
    backends = ["sqlite"] + (["postgresql"] if base else [])
    print(f"Backends: {', '.join(backends)}; {args.runs} runs of each command per size, after {WARM} untimed")
    results: dict[tuple[str, int], dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            for members in sizes:
                with Database(backend, base, Path(folder)) as engine:
                    build(engine, members)
                    results[backend, members] = time_lists(engine, members, args.runs)
                for line, (p50, p99_, shown) in results[backend, members].items():
                    print(f"{backend:<10} {members:>7,} {line:<12} p50 {p50 * 1000:7.1f} ms   "
                          f"p99 {p99_ * 1000:7.1f} ms   ({shown} items shown)")
    print()
    small, large = min(sizes), max(sizes)
    for backend in backends:
        for line in COMMANDS:
            ratio = results[backend, large][line][1] / results[backend, small][line][1]
            print(f"ratio {backend:<10} {line:<12} p99 at {large:,} / p99 at {small:,} = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
