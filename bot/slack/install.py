"""Installing AssureBot in a partnership's Slack workspace, with Slack's OAuth flow.

Used when one AssureBot serves several partnerships, each in its own workspace (set
SLACK_CLIENT_ID and SLACK_CLIENT_SECRET). Someone with the right to add apps to the workspace
opens https://assurebot.example.org/slack/install, approves, and lands on a page that gives the
workspace's id; the business unit puts it in the partnership's YAML (`slack_team_id`), and from
then on that workspace's requests are the partnership's. Installing alone links nothing: a
workspace that no partnership names is refused.

The tokens are kept in the database by slack_sdk's SQLAlchemy installation store (tables
slack_installations and slack_bots, created by migration 0005), and the one-time OAuth states by
its state store (slack_oauth_states). Both stores are synchronous, so they are called in a
worker thread, never on the server's event loop.
"""

from __future__ import annotations

import asyncio
import html
import logging
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.engine import Engine

from bot.slack.client import web_client
from bot.slack.workspaces import Workspaces

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# What the app asks for in each workspace; the same as slack-manifest.yaml (a test checks).
BOT_SCOPES = ("commands", "chat:write", "im:write", "im:history", "files:write", "users:read", "users:read.email")
STATE_EXPIRES = 600  # seconds between opening the install link and approving in Slack


class ThreadedInstallations(AsyncInstallationStore):
    """slack_sdk's SQLAlchemy installation store, its calls made in a worker thread."""

    def __init__(self, store: SQLAlchemyInstallationStore):
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return self.store.logger

    async def async_save(self, installation) -> None:
        await asyncio.to_thread(self.store.save, installation)

    async def async_find_bot(self, **kwargs: Any):
        return await asyncio.to_thread(lambda: self.store.find_bot(**kwargs))

    async def async_find_installation(self, **kwargs: Any):
        return await asyncio.to_thread(lambda: self.store.find_installation(**kwargs))

    async def async_delete_bot(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_bot(**kwargs))

    async def async_delete_installation(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_installation(**kwargs))


class ThreadedStates(AsyncOAuthStateStore):
    """slack_sdk's SQLAlchemy OAuth state store, its calls made in a worker thread."""

    def __init__(self, store: SQLAlchemyOAuthStateStore):
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return self.store.logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.store.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


def installation_store(client_id: str, engine: Engine) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(client_id=client_id, engine=engine)


def oauth_flow(*, client_id: str, client_secret: str, public_url: str | None, api_url: str, engine: Engine,
               workspaces: Workspaces, authorization_url: str = "https://slack.com/oauth/v2/authorize") -> AsyncOAuthFlow:
    """The install flow: GET /slack/install sends the person to Slack, Slack sends them back."""
    redirect = f"{public_url.rstrip('/')}{REDIRECT_PATH}" if public_url else None

    async def installed(args: AsyncSuccessArgs) -> BoltResponse:
        found = args.installation
        workspaces.forget(found.team_id, found.enterprise_id)
        log.info("Slack: AssureBot was installed in workspace %s (%s)", found.team_name, found.team_id)
        return _page(200, "AssureBot is installed", (
            f"AssureBot is now in the Slack workspace <b>{html.escape(found.team_name or '')}</b>.",
            "It answers here once your partnership's business unit links this workspace: give them this line "
            "for the partnership's file, then they run <code>assurebot load</code> again.",
            f"<code>slack_team_id: {html.escape(found.team_id or '')}</code>"
            + (f"<br><code>slack_enterprise_id: {html.escape(found.enterprise_id)}</code>"
               if found.enterprise_id and not found.team_id else "")))

    async def failed(args: AsyncFailureArgs) -> BoltResponse:
        log.warning("Slack: an installation did not complete (%s)", args.reason)
        return _page(args.suggested_status_code, "AssureBot was not installed", (
            "Slack did not complete the installation, so nothing was changed.",
            f"Start again from the install link. (Slack said: {html.escape(args.reason)}.)"))

    settings = AsyncOAuthSettings(
        client_id=client_id, client_secret=client_secret, scopes=list(BOT_SCOPES), redirect_uri=redirect,
        install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH, authorization_url=authorization_url,
        installation_store=ThreadedInstallations(workspaces.installations),
        state_store=ThreadedStates(SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRES, engine=engine)),
        callback_options=AsyncCallbackOptions(success=installed, failure=failed),
        install_page_rendering_enabled=False,
    )
    return AsyncOAuthFlow(client=web_client(api_url, None), settings=settings,
                          logger=logging.getLogger("bot.slack.bolt"))


def _page(status: int, title: str, paragraphs: tuple[str, ...]) -> BoltResponse:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return BoltResponse(status=status, headers={"Content-Type": "text/html; charset=utf-8"},
                        body=f"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport "
                             f"content='width=device-width'><title>{title}</title><h1>{title}</h1>{body}</html>")


def attach_install(app: web.Application, flow: AsyncOAuthFlow) -> None:
    """GET /slack/install and GET /slack/oauth_redirect."""

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    app.router.add_get(INSTALL_PATH, install)
    app.router.add_get(REDIRECT_PATH, redirect)
