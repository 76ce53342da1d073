"""The reminder jobs inside `assurebot serve`."""

from datetime import date, datetime, time, timezone

import pytest
from aiohttp import web

from bot.delivery import Delivery
from bot.settings import Settings
from models.clock import FixedClock
from bot.reminders import SCHEDULER, attach
from schedules.remind import ReminderJobs
from schedules.scheduler import FLUSH_SECONDS, build_scheduler, reminder_time, started_late
from tests.schedules.builders import a_return, town
from tests.schedules.test_outbox import Inbox


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def scheduler_for(engine, settings: Settings, now: datetime):
    jobs = ReminderJobs(engine, Delivery())
    return build_scheduler(jobs, at=reminder_time(settings.reminder_time), zones=["Europe/London"], now=now)


def jobs(scheduler) -> dict:
    return {job.id: job for job in scheduler.get_jobs()}


def started(scheduler):
    """Jobs take their settings when the scheduler starts; paused, none of them runs."""
    scheduler.start(paused=True)
    return scheduler


async def test_a_digest_job_at_the_reminder_time_on_weekdays_and_a_frequent_flush(engine, session):
    town(session)
    scheduler = started(scheduler_for(engine, settings(reminder_time="08:30"),
                                      now=datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)))
    digest, flush = jobs(scheduler)["digest:Europe/London"], jobs(scheduler)["outbox"]
    fields = {f.name: str(f) for f in digest.trigger.fields}
    assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("mon-fri", "8", "30")
    assert str(digest.trigger.timezone) == "Europe/London"
    assert flush.trigger.interval.total_seconds() == FLUSH_SECONDS
    for job in (digest, flush):
        assert job.coalesce and job.max_instances == 1
    scheduler.shutdown(wait=False)


async def test_a_server_started_after_the_reminder_time_runs_the_day_once_at_start(engine, session):
    town(session)
    late = datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)
    scheduler = started(scheduler_for(engine, settings(), now=late))
    assert jobs(scheduler)["digest:Europe/London"].next_run_time == late
    scheduler.shutdown(wait=False)


@pytest.mark.parametrize("now, late", [
    (datetime(2026, 11, 23, 8, 59, tzinfo=timezone.utc), False),  # Monday before 09:00 in London
    (datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc), True),
    (datetime(2026, 7, 6, 8, 30, tzinfo=timezone.utc), True),  # 09:30 in London in summer time
    (datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc), False),  # Saturday
])
def test_only_a_start_after_the_reminder_time_on_a_weekday_catches_up(now, late):
    assert started_late(now, time(9, 0), "Europe/London") is late


def test_the_digest_runs_at_nine_london_time_on_the_next_weekday(engine, session):
    town(session)
    scheduler = scheduler_for(engine, settings(), now=datetime(2026, 11, 28, 10, tzinfo=timezone.utc))
    trigger = jobs(scheduler)["digest:Europe/London"].trigger
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
    assert trigger.get_next_fire_time(None, saturday) == datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    summer_friday = datetime(2026, 7, 3, 9, 0, tzinfo=timezone.utc)  # 10:00 in London
    assert trigger.get_next_fire_time(None, summer_friday) == datetime(2026, 7, 6, 8, 0, tzinfo=timezone.utc)


def test_a_reminder_time_that_is_not_a_time_stops_the_server_with_a_clear_message():
    with pytest.raises(ValueError, match="REMINDER_TIME must be a time of day like 09:00"):
        attach(web.Application(), settings(reminder_time="nine"), engine=None, delivery=Delivery())


async def test_the_scheduler_starts_and_stops_with_the_server(engine):
    app = web.Application()
    attach(app, settings(), engine=engine, delivery=Delivery())
    runner = web.AppRunner(app)
    await runner.setup()
    scheduler = app[SCHEDULER]
    assert scheduler.running and {"digest:Europe/London", "outbox"} <= set(jobs(scheduler))
    await runner.cleanup()
    assert not scheduler.running


async def test_the_job_sends_the_day_once_and_nothing_on_a_bank_holiday(engine, session):
    t = town(session)
    a_return(session, t.officer, date(2026, 12, 24))
    a_return(session, t.nurse, date(2026, 12, 28))
    inbox = Inbox()
    delivery = Delivery()
    delivery.register("console", inbox)
    christmas_eve = FixedClock(datetime(2026, 12, 24, 9, tzinfo=timezone.utc))
    assert (await ReminderJobs(engine, delivery, clock=christmas_eve).run_day()).sent == 2
    assert (await ReminderJobs(engine, delivery, clock=christmas_eve).run_day()).sent == 0
    boxing_day_holiday = FixedClock(datetime(2026, 12, 28, 9, tzinfo=timezone.utc))
    assert (await ReminderJobs(engine, delivery, clock=boxing_day_holiday).run_day()).sent == 0
    assert inbox.names() == ["Mark Officer", "Rachel Nurse"]
