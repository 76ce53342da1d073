"""The reminder jobs' timetable inside `assurebot serve`: the daily digest and the outbox flush.

The digest job runs at the reminder time (default 09:00) on weekdays in each partnership's time
zone, and does nothing for a partnership on its bank holidays. The flush job sends what is
ready every `FLUSH_SECONDS`. Both coalesce: runs missed while the process was busy become one
run, never a pile. A server started after the reminder time on a working day runs that day's
digest once at start; it queues nothing that is already queued, so a restart never sends twice.

Each job is given plain values (a time zone); `ReminderJobs` holds what they work with.
"""

from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.engine import Engine

from models.dates import DateError, parse_time
from models.db import session_for
from models.partnership import Partnership
from schedules.remind import ReminderJobs

FLUSH_SECONDS = 30
DEFAULT_TIMEZONE = "Europe/London"
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 12 * 3600}


def reminder_time(value: str) -> time:
    """REMINDER_TIME as a time of day; a bad value is a configuration error worth stopping for."""
    try:
        return parse_time(value)
    except DateError as error:
        raise ValueError(f"REMINDER_TIME must be a time of day like 09:00, not {value!r}: {error.message}") from None


def partnership_timezones(engine: Engine) -> list[str]:
    with session_for(engine) as session:
        zones = sorted(set(session.scalars(select(Partnership.timezone))))
    return zones or [DEFAULT_TIMEZONE]


def started_late(now: datetime, at: time, zone: str) -> bool:
    """Whether a server starting `now` has missed today's digest time (on a weekday) in this zone."""
    local = now.astimezone(ZoneInfo(zone))
    return local.weekday() < 5 and local.time() >= at


def build_scheduler(jobs: ReminderJobs, *, at: time, zones: list[str],
                    now: datetime | None = None) -> AsyncIOScheduler:
    """The scheduler with one digest job per time zone and the flush job (not started)."""
    now = now or datetime.now(timezone.utc)
    scheduler = AsyncIOScheduler(job_defaults=JOB_DEFAULTS, timezone=timezone.utc)
    for zone in zones:
        trigger = CronTrigger(day_of_week="mon-fri", hour=at.hour, minute=at.minute, timezone=zone)
        catch_up = started_late(now, at, zone)
        scheduler.add_job(jobs.run_day, trigger, kwargs={"timezone": zone}, id=f"digest:{zone}",
                          name=f"daily digest ({zone})", replace_existing=True,
                          **({"next_run_time": now} if catch_up else {}))
    scheduler.add_job(jobs.flush, IntervalTrigger(seconds=FLUSH_SECONDS), id="outbox", name="outbox flush",
                      replace_existing=True)
    return scheduler
