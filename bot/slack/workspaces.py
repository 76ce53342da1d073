"""Which bot token answers for which Slack workspace.

One partnership in one workspace needs only SLACK_BOT_TOKEN: that token answers everything.
A deployment hosting several partnerships installs the app in each workspace through Slack's
OAuth flow (bot/slack/install.py); each installation's token is kept in the database by
slack_sdk's SQLAlchemy installation store, and found here by the request's team (or Enterprise
Grid organisation). Which partnership a workspace belongs to is the partnership's own setting
(`slack_team_id` in its YAML), never something a request can claim.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot.slack.client import REQUEST_TIMEOUT, SlackUnavailable, call, web_client
from models.db import session_for
from models.partnership import Partnership

log = logging.getLogger(__name__)

# A partnership's workspace is read again after this many seconds: a file loaded again with a new
# slack_team_id takes effect without restarting the server.
WORKSPACE_TTL = 300.0
HOME_WAIT = 1.0  # seconds a request waits for Slack to say which workspace the token is for
HOME_RETRY = 30.0  # seconds between asking Slack which workspace the single token is for, until it says


class Workspaces:
    """Bot tokens by workspace: the single SLACK_BOT_TOKEN, or the installations made with OAuth."""

    def __init__(self, api_url: str, engine: Engine, *, token: str | None = None, installations: Any = None,
                 send_timeout: float = REQUEST_TIMEOUT):
        self.api_url = api_url
        self.send_timeout = send_timeout
        self.engine = engine
        self.token = token
        self.installations = installations  # slack_sdk SQLAlchemyInstallationStore, when installing by OAuth
        self.session: aiohttp.ClientSession | None = None
        self._clients: dict[tuple[str | None, bool], AsyncWebClient] = {}
        self._bots: dict[tuple[str | None, str | None], tuple[str | None, str | None, str | None]] = {}
        self._teams: dict[int, tuple[float, tuple[str | None, str | None]]] = {}  # (read at, workspace)
        self._single: tuple[str | None, str | None, str | None] = (token, None, None)
        self._home: str | None = None  # the single token's own workspace, once Slack has said which
        self._home_enterprise: str | None = None  # or its Enterprise Grid organisation, for an org-wide token
        self._home_asked = float("-inf")  # when Slack was last asked which that is (time.monotonic)
        self._asking: asyncio.Future | None = None  # that question, while Slack has not answered it

    async def bot_of(self, team_id: str | None, enterprise_id: str | None) -> tuple[str | None, str | None,
                                                                                    str | None]:
        """(bot token, bot user id, bot id) for a workspace; the token is None if it has no installation."""
        if self.installations is None:
            return self._single
        key = (enterprise_id, team_id)
        if key not in self._bots:
            bot = await asyncio.to_thread(self.installations.find_bot, enterprise_id=enterprise_id,
                                          team_id=team_id, is_enterprise_install=team_id is None)
            if bot is None:
                return None, None, None  # not remembered: an installation may come later
            self._bots[key] = (bot.bot_token, bot.bot_user_id, bot.bot_id)
        return self._bots[key]

    def forget(self, team_id: str | None, enterprise_id: str | None) -> None:
        """After a new installation (or an uninstall), look the token up afresh."""
        self._bots.pop((enterprise_id, team_id), None)

    async def uninstalled(self, team_id: str | None, enterprise_id: str | None) -> None:
        """The workspace removed AssureBot (or revoked its tokens): its token is deleted."""
        self.forget(team_id, enterprise_id)
        if self.installations is None:
            log.warning("Slack: AssureBot was removed from workspace %s; SLACK_BOT_TOKEN no longer works there",
                        team_id)
            return
        await asyncio.to_thread(self.installations.delete_installation, enterprise_id=enterprise_id,
                                team_id=team_id)
        await asyncio.to_thread(self.installations.delete_bot, enterprise_id=enterprise_id, team_id=team_id)
        log.info("Slack: AssureBot was removed from workspace %s; its token is deleted", team_id)

    async def client(self, team_id: str | None, enterprise_id: str | None, *,
                     counted: bool = False) -> AsyncWebClient:
        """A Web API client with the workspace's bot token (shared, so its connections are reused).
        `counted`: for reminders, whose every send the outbox counts: no retries behind its back."""
        token, _user, _bot = await self.bot_of(team_id, enterprise_id)
        client = self._clients.get((token, counted))
        if client is None:
            client = web_client(self.api_url, token, retries=not counted,
                                timeout=self.send_timeout if counted else REQUEST_TIMEOUT)
            self._clients[(token, counted)] = client
        client.session = self.session
        return client

    async def workspace_of(self, partnership_id: int) -> tuple[str | None, str | None]:
        """The workspace (team id, enterprise id) a partnership's members are reached in."""
        if self.installations is None:
            return None, None
        known = self._teams.get(partnership_id)
        if known is None or time.monotonic() - known[0] >= WORKSPACE_TTL:
            def read() -> tuple[str | None, str | None]:
                with session_for(self.engine) as session:
                    place = session.get(Partnership, partnership_id)
                    return (place.slack_team_id, place.slack_enterprise_id) if place else (None, None)

            known = self._teams[partnership_id] = (time.monotonic(), await asyncio.to_thread(read))
        return known[1]

    async def ask_home(self) -> None:
        """Ask Slack which workspace the single token is for (at start-up); one question at a time."""
        if self.installations is None and (self._asking is None or self._asking.done()):
            self._asking = asyncio.ensure_future(self.check_tokens())
        if self._asking is not None:
            await asyncio.shield(self._asking)

    async def is_home(self, team_id: str | None, enterprise_id: str | None) -> bool | None:
        """Whether a request comes from the single bot token's own workspace (or its Enterprise Grid
        organisation, for an organisation-wide token); None when Slack has not yet said which that
        is (it is asked again at most every HOME_RETRY seconds, waiting up to HOME_WAIT). Installing
        by OAuth there is no such workspace: each partnership names its own (models.tenancy)."""
        if self.installations is not None:
            return False
        if self._home is None and self._home_enterprise is None:
            if self._asking is None or (self._asking.done() and time.monotonic() - self._home_asked >= HOME_RETRY):
                self._asking = asyncio.ensure_future(self.check_tokens())
            try:
                await asyncio.wait_for(asyncio.shield(self._asking), HOME_WAIT)
            except asyncio.TimeoutError:
                return None
            if self._home is None and self._home_enterprise is None:
                return None
        if self._home_enterprise is not None:
            return enterprise_id == self._home_enterprise
        return team_id is not None and team_id == self._home

    async def check_tokens(self) -> None:
        """Say in the log whether the single bot token works; the server runs either way."""
        if self.installations is not None:
            log.info("Slack: installing by OAuth; each workspace's token is kept in the database.")
            return
        self._home_asked = time.monotonic()
        try:
            identity = await call(await self.client(None, None), "auth.test")
        except SlackUnavailable as problem:
            log.warning("Slack: the bot token could not be checked (%s). Commands are still answered; "
                        "check SLACK_BOT_TOKEN if this persists.", problem.code)
            return
        self._single = (self.token, identity.get("user_id"), identity.get("bot_id"))
        if identity.get("is_enterprise_install"):
            self._home_enterprise = identity.get("enterprise_id") or None
        else:
            self._home = identity.get("team_id") or None
        log.info("Slack: connected as @%s in workspace %s.", identity.get("user"), identity.get("team"))
