"""The reminder jobs started and stopped with `assurebot serve`."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from sqlalchemy.engine import Engine

from bot.delivery import Delivery
from bot.settings import Settings
from models.clock import Clock
from schedules.remind import ReminderJobs
from schedules.scheduler import build_scheduler, partnership_timezones, reminder_time

log = logging.getLogger(__name__)

SCHEDULER = web.AppKey("reminder_scheduler", AsyncIOScheduler)


def attach(app: web.Application, settings: Settings, *, engine: Engine, delivery: Delivery,
           clock: Clock | None = None) -> None:
    """Start the reminder jobs with the server and stop them when it stops."""
    at = reminder_time(settings.reminder_time)  # refuse a bad REMINDER_TIME before the server starts

    async def start(app: web.Application) -> None:
        jobs = ReminderJobs(engine, delivery, clock=clock)
        scheduler = build_scheduler(jobs, at=at, zones=partnership_timezones(engine))
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
