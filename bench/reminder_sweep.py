"""How long a day's reminder digests take to decide, at 1,000, 10,000 and 50,000 members.

    .venv/bin/python bench/reminder_sweep.py [--sizes 1000,10000,50000] [--sqlite-only] [--postgresql-only]

For each size it builds one synthetic partnership (ten actions per member; returns, groups,
meetings, papers and escalations in proportion; about 5% of the items due on the day) in SQLite,
and in PostgreSQL when TEST_DATABASE_URL is set or 127.0.0.1:5432 database `test` answers (in a
database of its own, dropped afterwards). It prints, for a Monday (with the weekly report) and
a Wednesday:

  decide    time to decide every digest of the day: who gets which items (schedules.digest.sweep)
  +word     time to word those digests as replies with their buttons (Digest.reply)
  total     decide + word: a day's digests ready to queue
  stmts     SQL statements issued for all of it (the same at every size)
  peak MB   peak Python memory for all of it (tracemalloc, measured in a separate run)
  plain     time of the plain SQL that selects the day's due returns, actions and papers
  ratio     decide / plain, and total / plain
  queue s   the production path, as the daily job runs it (schedules.remind.queue_day): decide,
            word, turn into the outbox's JSON and write, a chunk at a time, in a fresh process
  RSS MB    how much that process's peak resident memory grew while it queued the day (with the
            modules the job loads the first time it runs, about 25 MB at any size)

The targets are printed last, against the largest size measured on each backend. It asserts
nothing; the figures are for reading.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from models.db import make_engine, migrate, refresh_statistics, session_for  # noqa: E402
from models.escalations import Escalation  # noqa: E402
from models.groups import Group, Membership  # noqa: E402
from models.meetings import AttendanceAnswer, Meeting, Paper  # noqa: E402
from models.partnership import Agency, Member, Partnership  # noqa: E402
from models.snooze import Snooze  # noqa: E402
from models.work import Action, DataReturn  # noqa: E402
from models.calendar import calendar_for  # noqa: E402
from schedules.digest import WorkingDayCount, start_of_day, sweep  # noqa: E402
from schedules.rules import Rules  # noqa: E402

MONDAY = date(2026, 11, 23)
WEDNESDAY = date(2026, 11, 25)
MEMBERS_PER_GROUP = 20
MEMBERS_PER_AGENCY = 100
ACTIONS_PER_MEMBER = 10
NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


# --- synthetic data ------------------------------------------------------------------------


def bulk_insert(engine: Engine, table, rows: list[dict]) -> None:
    """Many rows at once: COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    columns = list(rows[0])
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                names = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row([json.dumps(row[c]) if isinstance(row[c], dict) else row[c]
                                        for c in columns])
            raw.commit()
        finally:
            raw.close()
    else:
        with engine.begin() as conn:
            conn.execute(table.insert(), rows)


def build(engine: Engine, members: int, seed: int = 5) -> dict[str, int]:
    """One partnership of `members` people; returns how many rows of each kind were made."""
    rng = random.Random(seed)
    with session_for(engine) as session:
        partnership = Partnership(key=f"bench{members}", name=f"Bench {members}", nation="england-and-wales")
        session.add(partnership)
        session.commit()
        pid = partnership.id
    agencies = max(10, members // MEMBERS_PER_AGENCY)
    bulk_insert(engine, Agency.__table__, [
        {"id": a + 1, "partnership_id": pid, "key": f"a{a}", "name": f"Agency {a}", "named_partner": a < 3}
        for a in range(agencies)])
    people = [{"id": m + 1, "partnership_id": pid, "email": f"m{m}@bench.example.org", "name": f"Member {m:06d}",
               "agency_id": m % agencies + 1, "preferred_platform": "console", "is_admin": m < 5,
               "active": m % 400 != 399, "teams_unreachable": False, "created_at": NOW} for m in range(members)]
    bulk_insert(engine, Member.__table__, people)
    groups = members // MEMBERS_PER_GROUP
    bulk_insert(engine, Group.__table__, [
        {"id": g + 1, "partnership_id": pid, "key": f"g{g}", "name": f"Group {g}", "papers_notice_working_days": 5,
         "clear_days": g % 3 == 0, "deputies_count": True, "handles_escalations": g == 0,
         "quorum": {"all_of": ["a0", "a1", "a2"]}, "minutes_within_days": 14} for g in range(groups)])
    bulk_insert(engine, Membership.__table__, [
        {"group_id": m // MEMBERS_PER_GROUP + 1, "member_id": m + 1,
         "role": "chair" if m % MEMBERS_PER_GROUP == 0 else "member"} for m in range(groups * MEMBERS_PER_GROUP)])

    # Each group meets every eight weeks, on a day of its own: two past meetings, two to come.
    meetings, papers, answers = [], [], []
    for g in range(groups):
        first = MONDAY - timedelta(days=112 - g % 56)
        for k in range(4):
            mid = len(meetings) + 1
            day = first + timedelta(days=56 * k)
            if day.weekday() >= 5:
                day += timedelta(days=7 - day.weekday())
            meetings.append({"id": mid, "group_id": g + 1, "starts_at": datetime.combine(day, datetime.min.time())
                             .replace(hour=10, tzinfo=timezone.utc), "location": "Room 1", "status": "scheduled"})
            seats = range(g * MEMBERS_PER_GROUP + 1, (g + 1) * MEMBERS_PER_GROUP + 1)
            for owner in rng.sample(seats, 3):
                papers.append({"meeting_id": mid, "title": f"Paper {len(papers)}", "owner_id": owner,
                               "submitted_at": NOW if rng.random() < 0.4 else None})
            for seat in seats:
                if day < MONDAY or rng.random() < 0.5:
                    answers.append({"meeting_id": mid, "member_id": seat, "answered_at": NOW,
                                    "answer": rng.choice(["attending", "attending", "apologies", "deputy"])})
    bulk_insert(engine, Meeting.__table__, meetings)
    bulk_insert(engine, Paper.__table__, papers)
    bulk_insert(engine, AttendanceAnswer.__table__, answers)

    def due() -> date:
        # Mostly ahead, some overdue: about 5% of open items come up on a given working day.
        return MONDAY + timedelta(days=rng.randint(-40, 110))

    actions = [{"title": f"Action {i}", "owner_id": i // ACTIONS_PER_MEMBER + 1,
                "agency_id": (i // ACTIONS_PER_MEMBER) % agencies + 1, "source": "Audit", "due_date": due(),
                "status": "done" if rng.random() < 0.2 else "open", "created_at": NOW}
               for i in range(members * ACTIONS_PER_MEMBER)]
    bulk_insert(engine, Action.__table__, actions)
    returns = [{"agency_id": r % agencies + 1, "owner_id": rng.randrange(members) + 1, "title": f"Return {r}",
                "kind": "dataset", "period": "Q3", "due_date": due(),
                "submitted_at": NOW if rng.random() < 0.3 else None} for r in range(members // 2)]
    bulk_insert(engine, DataReturn.__table__, returns)
    escalations = [{"raised_by_id": rng.randrange(members) + 1, "agency_id": rng.randrange(agencies) + 1,
                    "raised_at": NOW - timedelta(days=rng.randint(0, 30)), "category": "practice",
                    "urgency": "routine", "summary": "A disagreement", "stage": 1,
                    "stage_entered_at": NOW - timedelta(days=rng.randint(0, 20)),
                    "acknowledged_at": NOW if rng.random() < 0.5 else None, "immediate_risk_advised": False}
                   for _ in range(max(5, members // 1000))]
    bulk_insert(engine, Escalation.__table__, escalations)
    snoozes = [{"member_id": a["owner_id"], "item_kind": "action", "item_id": i + 1,
                "until": MONDAY + timedelta(days=rng.randint(-10, 10))}
               for i, a in enumerate(actions) if rng.random() < 0.01]
    bulk_insert(engine, Snooze.__table__, snoozes)
    if engine.dialect.name == "postgresql":
        # As autovacuum leaves a database in use (statistics, visibility map, hint bits), and so
        # that it does not start on the new rows in the middle of the measurements.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    refresh_statistics(engine)  # SQLite: as `assurebot serve` leaves it, when it starts and after each sweep
    return {"actions": len(actions), "returns": len(returns), "meetings": len(meetings), "papers": len(papers),
            "open items": sum(a["status"] == "open" for a in actions) + sum(r["submitted_at"] is None for r in returns)}


# --- the plain query ------------------------------------------------------------------------


def plain_query(engine: Engine, on: date) -> tuple[str, dict]:
    """The due items in plain SQL: returns and actions on their reminder dates, papers owed for the
    meetings whose deadline rule falls today. The dates are worked out beforehand, as for the sweep."""
    calendar, rules = calendar_for("england-and-wales"), Rules()
    count = WorkingDayCount(calendar, on - timedelta(days=400), on + timedelta(days=400))

    def dates(cadence) -> list[str]:
        return [(on + timedelta(d)).isoformat() for d in range(-400, 30)
                if cadence.reminds(*count.when(on + timedelta(d), on))]

    paper_meetings = []
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT m.id, m.starts_at, g.clear_days FROM meeting m JOIN \"group\" g "
                                 "ON g.id = m.group_id WHERE m.status = 'scheduled' AND m.starts_at >= :start"),
                            {"start": start_of_day(on, calendar).replace(tzinfo=None)
                             if engine.dialect.name == "sqlite" else start_of_day(on, calendar)}).all()
    for mid, starts_at, clear in rows:
        day = (starts_at if isinstance(starts_at, datetime) else datetime.fromisoformat(starts_at)).date()
        deadline = calendar.papers_due(day, 5, bool(clear))
        if rules.group_defaults.papers.reminds(*count.when(deadline, on)):
            paper_meetings.append(str(mid))

    def listed(values: list[str], quote: bool) -> str:
        return ", ".join(f"'{v}'" if quote else v for v in values) or "NULL"

    sql = f"""
        SELECT r.id, r.owner_id, r.title, r.due_date FROM data_return r
         WHERE r.submitted_at IS NULL AND r.due_date IN ({listed(dates(rules.returns), True)})
        UNION ALL
        SELECT a.id, a.owner_id, a.title, a.due_date FROM action a
         WHERE a.status = 'open' AND a.due_date IN ({listed(dates(rules.actions), True)})
        UNION ALL
        SELECT p.id, p.owner_id, p.title, NULL FROM paper p
         WHERE p.submitted_at IS NULL AND p.meeting_id IN ({listed(paper_meetings, False)})
    """
    return sql, {}


def time_plain(engine: Engine, sql: str, repeats: int = 3) -> tuple[float, int]:
    best, found = float("inf"), 0
    for _ in range(repeats):
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            started = time.perf_counter()
            cursor.execute(sql)
            found = len(cursor.fetchall())
            best = min(best, time.perf_counter() - started)
            cursor.close()
        finally:
            raw.close()
    return best, found


# --- measuring the sweep ----------------------------------------------------------------------


def time_sweep(engine: Engine, on: date, repeats: int = 3) -> dict:
    """Best of `repeats` sweeps: deciding who gets what, then wording every reply; and what it issued."""
    best = {"decide": float("inf"), "word": float("inf"), "total": float("inf")}
    for _ in range(repeats):
        seen = []

        def count(*_args):
            seen.append(1)

        event.listen(engine, "before_cursor_execute", count)
        gc.collect()
        try:
            with session_for(engine) as session:
                started = time.perf_counter()
                day = sweep(session, on=on)
                decided = time.perf_counter()
                replies = day.replies()
                worded = time.perf_counter()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        best = {"decide": min(best["decide"], decided - started), "word": min(best["word"], worded - decided),
                "total": min(best["total"], worded - started)}
        found = {"statements": len(seen), "digests": len(replies),
                 "items": sum(len(r.items) + r.more for r in replies)}
        del day, replies
    return best | found


def peak_memory(engine: Engine, on: date) -> float:
    gc.collect()
    tracemalloc.start()
    with session_for(engine) as session:
        day = sweep(session, on=on)
        replies = day.replies()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del day, replies
    return peak / 1e6


def queue_in_child(engine: Engine, on: date) -> tuple[float, float, int]:
    """queue_day in a fresh process: (seconds, peak RSS growth in MB, messages queued)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
    url = engine.url.render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, __file__, "--queue-child", url, on.isoformat()], check=True,
                          capture_output=True, text=True)
    seconds, grown, queued = done.stdout.split()
    return float(seconds), float(grown), int(queued)


def queue_child(url: str, on: date) -> None:
    """The child's side: the peak resident set is reset (Linux: /proc/self/clear_refs), then the day is queued."""
    from models.clock import FixedClock
    from schedules.remind import queue_day

    def kilobytes(key: str) -> int:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(key))

    engine = make_engine(url)
    with engine.connect():
        pass
    gc.collect()
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    before = kilobytes("VmRSS:")
    started = time.perf_counter()
    queued = queue_day(engine, on, clock=FixedClock(NOW)).queued
    seconds = time.perf_counter() - started
    print(f"{seconds:.3f} {(kilobytes('VmHWM:') - before) / 1024:.1f} {queued}")


# --- databases --------------------------------------------------------------------------------


def postgres_base() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    try:
        probe = create_engine(url)
        with probe.connect():
            pass
        probe.dispose()
        return url
    except Exception:  # noqa: BLE001 - no PostgreSQL here: SQLite only
        return None


class Database:
    """A fresh, migrated database for one size, removed afterwards."""

    def __init__(self, backend: str, base: str | None, folder: Path):
        self.backend, self.base, self.folder = backend, base, folder

    def __enter__(self) -> Engine:
        if self.backend == "sqlite":
            self.path = self.folder / f"bench-{uuid.uuid4().hex[:6]}.db"
            self.engine = make_engine(f"sqlite:///{self.path}")
        else:
            base = make_url(self.base)
            self.name = f"assurebot_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            self.admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.engine = make_engine(base.set(database=self.name).render_as_string(hide_password=False))
        migrate(self.engine)
        return self.engine

    def __exit__(self, *exc) -> None:
        self.engine.dispose()
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgresql-only", action="store_true")
    parser.add_argument("--queue-child", nargs=2, metavar=("URL", "DAY"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.queue_child:
        queue_child(args.queue_child[0], date.fromisoformat(args.queue_child[1]))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    base = None if args.sqlite_only else postgres_base()
    backends = ([] if args.postgresql_only else ["sqlite"]) + (["postgresql"] if base else [])
    print(f"Backends: {', '.join(backends)}" + ("" if base or args.sqlite_only else " (no PostgreSQL reachable)"))
    header = (f"{'backend':<10} {'members':>7} {'day':<3} {'digests':>7} {'items':>7} {'decide s':>8} "
              f"{'+word s':>7} {'total s':>7} {'stmts':>5} {'peak MB':>7} {'plain s':>7} {'due':>6} "
              f"{'ratio':>5} {'total/plain':>11} {'queue s':>7} {'RSS MB':>6}")
    mondays: dict[tuple[str, int], dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            for members in sizes:
                with Database(backend, base, Path(folder)) as engine:
                    started = time.perf_counter()
                    made = build(engine, members)
                    print(f"\n{backend}, {members:,} members: built in {time.perf_counter() - started:.1f} s "
                          f"({made['actions']:,} actions, {made['returns']:,} returns, {made['meetings']:,} "
                          f"meetings, {made['papers']:,} papers; {made['open items']:,} open actions and returns)")
                    print(header)
                    for label, on in (("Mon", MONDAY), ("Wed", WEDNESDAY)):
                        run = time_sweep(engine, on)
                        peak = peak_memory(engine, on)
                        sql, _ = plain_query(engine, on)
                        plain, due_rows = time_plain(engine, sql)
                        queued_in, grown, _queued = queue_in_child(engine, on)
                        print(f"{backend:<10} {members:>7,} {label:<3} {run['digests']:>7,} {run['items']:>7,} "
                              f"{run['decide']:>8.3f} {run['word']:>7.3f} {run['total']:>7.3f} "
                              f"{run['statements']:>5} {peak:>7.1f} {plain:>7.4f} {due_rows:>6,} "
                              f"{run['decide'] / plain:>5.1f} {run['total'] / plain:>11.1f} "
                              f"{queued_in:>7.2f} {grown:>6.0f}")
                        sys.stdout.flush()
                        if label == "Mon":
                            mondays[backend, members] = run | {"plain": plain, "grown": grown, "members": members}
    print("\nTargets (Monday): time at 50,000 members (or the largest size below), memory at the largest size")
    for backend in backends:
        measured = sorted(m for b, m in mondays if b == backend)
        timed = mondays[backend, max([m for m in measured if m <= 50_000] or measured[:1])]
        members, run = max(measured), mondays[backend, max(measured)]
        print(f"  {backend:<10} decide/plain {timed['decide'] / timed['plain']:.1f} (target <= 5), "
              f"total {timed['total']:.2f} s (target <= 1.5 s on PostgreSQL) at {timed['members']:,}; "
              f"queue RSS growth {run['grown']:.0f} MB at {members:,} (target < 150 MB at 200,000)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
