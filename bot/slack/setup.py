"""Slack on the server: POST /slack/events (or Socket Mode) and the Slack sender for private messages.

`attach` adds `POST /slack/events` when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set, or
connects over Socket Mode when SLACK_APP_TOKEN is set too (no public URL needed), and registers
the Slack sender for private messages. With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET instead of a
bot token, each partnership's workspace installs the app through /slack/install (see install.py).
Without the settings the server runs without Slack.
"""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.engine import Engine

from bot.delivery import Delivery
from bot.settings import Settings
from bot.slack.app import SlackAdapter
from bot.slack.workspaces import Workspaces
from handlers.dispatch import Dispatcher

log = logging.getLogger(__name__)

SLACK = web.AppKey("slack", SlackAdapter)
EVENTS_PATH = "/slack/events"


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None and value.get_secret_value() else None


def attach(app: web.Application, settings: Settings, *, engine: Engine, dispatcher: Dispatcher,
           delivery: Delivery) -> SlackAdapter | None:
    """Put Slack on the server if it is configured; say so in the log either way."""
    token = _secret(settings.slack_bot_token)
    signing_secret = _secret(settings.slack_signing_secret)
    app_token = _secret(settings.slack_app_token)
    by_oauth = settings.slack_installs_by_oauth and bool(signing_secret)
    if not (token or by_oauth) or not (signing_secret or app_token):
        log.info("Slack is not configured (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for "
                 "Socket Mode, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for several workspaces): running "
                 "without Slack.")
        return None
    if by_oauth:
        from bot.slack.install import attach_install, installation_store, oauth_flow

        workspaces = Workspaces(settings.slack_api_url, engine,
                                installations=installation_store(settings.slack_client_id, engine),
                                send_timeout=settings.slack_send_timeout)
        attach_install(app, oauth_flow(
            client_id=settings.slack_client_id, client_secret=_secret(settings.slack_client_secret),
            public_url=settings.public_url, api_url=settings.slack_api_url, engine=engine, workspaces=workspaces,
            authorization_url=settings.slack_authorize_url))
        log.info("Slack: each workspace installs AssureBot at /slack/install.")
    else:
        workspaces = Workspaces(settings.slack_api_url, engine, token=token,
                                send_timeout=settings.slack_send_timeout)
    adapter = SlackAdapter(dispatcher, workspaces=workspaces, signing_secret=signing_secret,
                           api_url=settings.slack_api_url, app_token=app_token)
    app[SLACK] = adapter
    delivery.register("slack", adapter.send, finder=adapter.find)

    async def started(_app: web.Application) -> None:
        await adapter.startup()

    async def stopping(_app: web.Application) -> None:
        await adapter.close()

    app.on_startup.append(started)
    app.on_cleanup.append(stopping)
    if app_token:
        app.cleanup_ctx.append(_socket_mode(adapter, app_token))
        log.info("Slack: Socket Mode (SLACK_APP_TOKEN is set), so no public URL is needed.")
    else:
        app.router.add_post(EVENTS_PATH, adapter.handle_http)
        log.info("Slack: listening for Slack at %s.", EVENTS_PATH)
    return adapter


def _socket_mode(adapter: SlackAdapter, app_token: str):
    """Connect to Slack over Socket Mode while the server runs."""
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    from bot.slack.client import web_client

    async def connection(_app: web.Application):
        handler = AsyncSocketModeHandler(adapter.bolt, app_token, web_client=web_client(adapter.api_url, None))
        try:
            await handler.connect_async()
        except Exception as problem:  # Slack down or a bad app token: run on, and say why
            log.error("Slack: Socket Mode could not connect (%s); check SLACK_APP_TOKEN.", problem)
        yield
        await handler.close_async()

    return connection


__all__ = ["SLACK", "SlackAdapter", "attach"]
