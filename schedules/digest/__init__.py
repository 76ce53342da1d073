"""What is due for whom on a day, and one digest per person with the most urgent first.

`sweep(session, on=day)` reads what every partnership's digests need with a fixed set of SQL
statements: their number does not depend on how many members, items or partnerships there are
(only the lists inside them grow). Each partnership's rules (schedules.rules) are then applied
in Python on its own working-day calendar. Nothing is written here; the outbox queues and sends.

`stream(...)`, which the daily job uses, hands the same digests out a band of people at a time
(schedules.digest.decide.BAND): the due returns and actions are read as streams in owner order,
and the deputies offered in attendance asks are read for each band's agencies (one statement a
band), so memory holds a band and what is shared (the business unit's and chairs' lines), not
the whole day.

The work goes in steps, a module each, each importing only those before it: working_days
(counting working days fast), load (the statements), words (the lines and replies), day (what
a sweep hands back) and decide (who gets what, most urgent first).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy.engine import Connection
from sqlmodel import Session

from schedules.digest.day import Day, Digest, cycle_collector_paused
from schedules.digest.decide import AHEAD, ESCALATION, OVERDUE, REPORT, TODAY, Sweep
from schedules.digest.load import MINUTES_LOOK_BACK, RECIPIENT_COLUMNS, Recipient, owner_columns
from schedules.digest.words import FREE_TEXT, MAX_ITEMS, MAX_LISTED, day_text, item_text
from schedules.digest.working_days import WorkingDayCount, is_report_day, start_of_day

__all__ = [
    "AHEAD",
    "ESCALATION",
    "FREE_TEXT",
    "MAX_ITEMS",
    "MAX_LISTED",
    "MINUTES_LOOK_BACK",
    "OVERDUE",
    "RECIPIENT_COLUMNS",
    "REPORT",
    "TODAY",
    "Day",
    "Digest",
    "Recipient",
    "WorkingDayCount",
    "cycle_collector_paused",
    "day_text",
    "is_report_day",
    "item_text",
    "owner_columns",
    "start_of_day",
    "stream",
    "sweep",
]


def sweep(session: Session, *, on: date, partnership_ids: Iterable[int] | None = None) -> Day:
    """Every digest due on `on` (a local date), for all partnerships or the ones given."""
    with cycle_collector_paused():
        return Sweep(session, on, None if partnership_ids is None else set(partnership_ids)).run()


def stream(session: Session, *, on: date, partnership_ids: Iterable[int] | None = None,
           db: Connection | None = None) -> tuple[list[str], Iterator[Digest]]:
    """The day's quiet notes, and its digests as they are decided, in member id order: a band of
    people at a time, so that however large the day, only a band is held in memory. Each digest
    is to be read (worded) as it comes, as queue_day does. `db`: a connection of its own for
    reading the due items while the digests are written as they come."""
    day = Sweep(session, on, None if partnership_ids is None else set(partnership_ids))
    if not day.prepare():
        return day.quiet, iter(())
    return day.quiet, day.digests(db, by_band=True)
