"""The reminder jobs inside `assurebot serve`: the daily digest and the outbox flush.

The digest job runs at `reminder_time` (default 09:00) on weekdays in each partnership's time
zone, and does nothing for a partnership on its bank holidays. The flush job sends what is
ready every `FLUSH_SECONDS`. Both coalesce: runs missed while the process was busy become one
run, never a pile. A server started after the reminder time on a working day runs that day's
digest once at start; it queues nothing that is already queued, so a restart never sends twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.delivery import Delivery
from bot.settings import Settings
from models.db import session_for
from models.partnership import Partnership
from schedules.outbox import flush, send_through
from schedules.remind import run_day

log = logging.getLogger(__name__)

FLUSH_SECONDS = 30
DEFAULT_TIMEZONE = "Europe/London"
SCHEDULER = web.AppKey("reminder_scheduler", AsyncIOScheduler)
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 12 * 3600}


def reminder_time(settings: Settings) -> time:
    """REMINDER_TIME as a time of day; a bad value is a configuration error worth stopping for."""
    try:
        return time.fromisoformat(settings.reminder_time)
    except ValueError:
        raise ValueError(f"REMINDER_TIME must be a time of day like 09:00, not {settings.reminder_time!r}") from None


def partnership_timezones(engine: Engine) -> list[str]:
    with session_for(engine) as session:
        zones = sorted(set(session.scalars(select(Partnership.timezone))))
    return zones or [DEFAULT_TIMEZONE]


def started_late(now: datetime, at: time, zone: str) -> bool:
    """Whether a server starting `now` has missed today's digest time (on a weekday) in this zone."""
    local = now.astimezone(ZoneInfo(zone))
    return local.weekday() < 5 and local.time() >= at


def build_scheduler(engine: Engine, delivery: Delivery, settings: Settings, *,
                    now: datetime | None = None) -> AsyncIOScheduler:
    """The scheduler with one digest job per time zone in use and the flush job (not started)."""
    at = reminder_time(settings)
    now = now or datetime.now(timezone.utc)
    scheduler = AsyncIOScheduler(job_defaults=JOB_DEFAULTS, timezone=timezone.utc)
    for zone in partnership_timezones(engine):
        trigger = CronTrigger(day_of_week="mon-fri", hour=at.hour, minute=at.minute, timezone=zone)
        catch_up = started_late(now, at, zone)
        scheduler.add_job(run_day, trigger, args=[engine, delivery], kwargs={"timezone": zone},
                          id=f"digest:{zone}", name=f"daily digest ({zone})", replace_existing=True,
                          **({"next_run_time": now} if catch_up else {}))
    scheduler.add_job(flush, IntervalTrigger(seconds=FLUSH_SECONDS), args=[engine, send_through(delivery)],
                      id="outbox", name="outbox flush", replace_existing=True)
    return scheduler


def attach(app: web.Application, settings: Settings) -> None:
    """Start the reminder jobs with the server and stop them when it stops."""
    from bot.server import DELIVERY, ENGINE

    reminder_time(settings)  # refuse a bad REMINDER_TIME before the server starts

    async def start(app: web.Application) -> None:
        scheduler = build_scheduler(app[ENGINE], app[DELIVERY], settings)
        scheduler.start()
        app[SCHEDULER] = scheduler
        for job in scheduler.get_jobs():
            log.info("scheduled %s, next at %s", job.name, job.next_run_time)

    async def stop(app: web.Application) -> None:
        scheduler = app.get(SCHEDULER)
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler stops on the loop's next turn

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
