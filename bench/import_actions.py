"""Import an action plan of 20,000 rows (xlsx) into SQLite; print the time and peak memory.

    .venv/bin/python bench/import_actions.py [--rows 20000]

Targets: under 10 seconds and under 300 MB. Prints the figures; asserts nothing about them.
A fresh SQLite file gets the demo partnership; then the plan is imported, imported again
(which must change nothing), and a revision of it with every date moved and new progress on
every row is imported. Each import runs in its own process, so the peak memory printed (the
process's peak resident size, interpreter included) is the import's own.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook  # noqa: E402

from bot.demo import demo_yaml  # noqa: E402
from models.db import make_engine, migrate, session_for  # noqa: E402
from models.imports import Importer, run_import, the_partnership  # noqa: E402
from models.loader import load_text  # noqa: E402

OWNERS = ["Dr Amara Okafor", "helen.carter@council.example.org", "DI Mark Evans", "Rachel Green", "Tom Hughes",
          "aisha.rahman@housing.example.org", "Gary Moore", "Ben Taylor", "Nadia Ali", "Laura Bennett"]


def write_plan(path: Path, rows: int, *, revision: int = 1) -> None:
    """An action plan in the audit tool's shape, written by Excel's library; a later revision
    moves every date on a week and has new progress on every row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Action plan")
    sheet.append(["Multi-agency audit: action plan"])
    sheet.append([])
    sheet.append(["Ref", "Action (SMART)", "By whom", "By when", "Progress/update", "RAG"])
    start = date(2027, 1, 4) + timedelta(weeks=revision - 1)
    for n in range(1, rows + 1):
        progress = f"Progress note {revision} for action {n}" if n % 3 or revision > 1 else None
        sheet.append([n, f"Action {n}: audit 10 case records for voice of the child and report findings to ARG",
                      OWNERS[n % len(OWNERS)], start + timedelta(days=n % 365), progress, "Amber"])
    workbook.save(path)


def child(url: str, path: Path) -> int:
    """Run one import in this process and print its time and this process's peak memory."""
    engine = make_engine(url)
    started = time.perf_counter()
    with session_for(engine) as session:
        report = run_import("actions", path, session=session, partnership=the_partnership(session),
                            importer=Importer(None, "bench"), now=datetime.now(timezone.utc))
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"{elapsed:.2f}\t{peak:.0f}\t{report.summary()}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], Path(args.child[1]))
    with tempfile.TemporaryDirectory() as folder:
        plan, db, revised = Path(folder) / "plan.xlsx", Path(folder) / "bench.db", Path(folder) / "plan v2.xlsx"
        write_plan(plan, args.rows)
        write_plan(revised, args.rows, revision=2)
        url = f"sqlite:///{db}"
        engine = make_engine(url)
        migrate(engine)
        with session_for(engine) as session:
            load_text(demo_yaml(date(2026, 11, 23)), session=session)
        engine.dispose()
        print(f"Action plan: {args.rows:,} rows, {plan.stat().st_size / 1e6:.1f} MB xlsx, into SQLite")
        # Each import runs in a fresh process, so its peak memory is the import's own.
        for label, path in (("first import", plan), ("same file again", plan), ("updated plan", revised)):
            out = subprocess.run([sys.executable, __file__, "--child", url, str(path)], check=True,
                                 capture_output=True, text=True).stdout.strip().splitlines()[-1]
            seconds, peak, summary = out.split("\t")
            print(f"{label:16} {float(seconds):6.2f} s   peak memory {int(peak):4d} MiB   ({summary})")
    print("Targets: under 10 s and under 300 MB.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
