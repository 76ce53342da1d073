"""One aiohttp server for Slack (/slack/events), Teams (/api/messages), the email link pages (/email/...),
health and reminders."""

from __future__ import annotations

import gc
import logging
import sys

from aiohttp import web

from bot.calendar_feed import feed_handler
from bot.delivery import Delivery
from bot.email.setup import attach as attach_email
from bot.logs import keep_content_out_of_logs
from bot.reminders import attach as attach_reminders
from bot.apart import default_processes, processes_for
from bot.settings import Settings, get_settings
from bot.slack.setup import attach as attach_slack
from bot.teams.adapter import TeamsSettingsError
from bot.teams.setup import attach as attach_teams
from handlers.dispatch import Dispatcher
from handlers.limits import RateLimit
from models.clock import Clock
from models.base import utcnow
from models.db import ready_engine, refresh_statistics
from schedules.forget import forget_old

log = logging.getLogger(__name__)

ENGINE = web.AppKey("engine", object)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
DELIVERY = web.AppKey("delivery", Delivery)
SETTINGS = web.AppKey("settings", Settings)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_app(engine, *, settings: Settings | None = None, clock: Clock | None = None,
              with_scheduler: bool = False, processes: int = 0) -> web.Application:
    """The web application with every configured platform attached. `processes`: how many worker
    processes work quick commands out (0: threads of this process; reports have a process of
    their own either way, unless the database is SQLite in memory)."""
    keep_content_out_of_logs()
    settings = settings or get_settings()
    delivery = Delivery()  # no console here: a server prints nobody's messages
    app = web.Application()
    app[ENGINE] = engine
    app[SETTINGS] = settings
    app[DELIVERY] = delivery
    feed_links = settings.feed_links()
    apart = processes_for(engine, clock=clock or Clock(), feed_links=feed_links, email_on=settings.email_on,
                          log_level=settings.log_level)
    app[DISPATCHER] = Dispatcher(engine, clock=clock, notify=delivery.notify, feed_links=feed_links,
                                 limit=RateLimit(settings.commands_per_second, settings.command_burst),
                                 email_on=settings.email_on, apart=apart, processes=processes)

    async def forget_old_cards_and_claims(_app: web.Application) -> None:
        forget_old(engine, now=utcnow())

    async def start_processes(_app: web.Application) -> None:
        await app[DISPATCHER].start_processes()

    async def close_dispatcher(_app: web.Application) -> None:
        app[DISPATCHER].close()

    app.on_startup.append(forget_old_cards_and_claims)
    app.on_startup.append(start_processes)
    app.on_cleanup.append(close_dispatcher)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/calendar/{token}.ics", feed_handler(engine, settings, clock=clock))
    attach_slack(app, settings, engine=engine, dispatcher=app[DISPATCHER], delivery=delivery)
    attach_teams(app, settings, engine=engine, dispatcher=app[DISPATCHER], delivery=delivery)
    attach_email(app, settings, dispatcher=app[DISPATCHER], delivery=delivery, clock=clock)
    if with_scheduler:
        attach_reminders(app, settings, engine=engine, delivery=delivery, clock=clock)
    return app


def serve(database_url: str, *, host: str | None = None, port: int | None = None) -> int:
    """Run `assurebot serve` until stopped."""
    settings = get_settings()
    if host:
        settings = settings.model_copy(update={"host": host})
    engine = ready_engine(database_url)
    refresh_statistics(engine)
    try:
        processes = settings.command_processes
        app = build_app(engine, settings=settings, with_scheduler=True,
                        processes=default_processes() if processes is None else processes)
    except TeamsSettingsError as problem:
        print(f"AssureBot cannot start: {problem}", file=sys.stderr)
        return 2
    app.on_startup.append(_freeze_long_lived_objects)
    web.run_app(app, host=settings.host, port=port or settings.port, print=log.info)
    return 0


async def _freeze_long_lived_objects(app: web.Application) -> None:
    """Keep what is loaded at startup (modules, the app) out of the garbage collector's full passes:
    scanning them took 100-150 ms at a time, long enough to hold up every Slack ack in flight."""
    gc.collect()
    gc.freeze()
