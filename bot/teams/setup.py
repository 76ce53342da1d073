"""Teams on the server: POST /api/messages and the Teams sender for private messages.

`attach` adds the route to the shared aiohttp app, registers the Teams sender with Delivery
and keeps the gateway under the TEAMS app key for reminders. Without MICROSOFT_APP_ID there is
no route at all, unless TEAMS_LOCAL_MODE=1 asks for the unauthenticated local mode (loopback only):

    gateway = app[TEAMS]  # bot.teams.setup.TEAMS
    await gateway.send_to_member(member, reply)
    await gateway.send_to_channel("19:...@thread.tacv2", reply)
"""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.delivery import Delivery
from bot.settings import Settings
from bot.teams.adapter import BotConfig, TeamsSettingsError, bot_config, make_adapter
from bot.teams.bot import AssureBotTeams
from bot.teams.gateway import ChannelUnreachable, TeamsGateway
from bot.teams.identity import HomeTenant
from bot.teams.retry import RetryPolicy
from bot.teams.trust import TrustedServiceUrls, is_loopback_host
from handlers.dispatch import Dispatcher
from models.db import session_for
from models.partnership import Partnership, Platform

log = logging.getLogger(__name__)

TEAMS = web.AppKey("teams", TeamsGateway)
TEAMS_BOT = web.AppKey("teams_bot", AssureBotTeams)

__all__ = ["TEAMS", "TEAMS_BOT", "ChannelUnreachable", "TeamsGateway", "TeamsSettingsError", "attach"]


def attach(app: web.Application, settings: Settings, *, engine: Engine, dispatcher: Dispatcher, delivery: Delivery,
           policy: RetryPolicy | None = None) -> TeamsGateway | None:
    """Add POST /api/messages and the Teams sender to the app, if Teams is configured."""
    config = bot_config(settings)
    local = check_local_mode(settings, app_id=config.APP_ID)
    if config.APP_ID is None and not local:
        log.info("Teams is not configured (set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD): running without "
                 "Teams, and /api/messages is not served.")
        return None
    try:
        trusted = TrustedServiceUrls.from_setting(settings.teams_service_urls, allow_loopback=local)
    except ValueError as problem:
        raise TeamsSettingsError(str(problem)) from problem
    adapter = make_adapter(config)
    policy = policy or RetryPolicy()
    gateway = TeamsGateway(adapter, engine, app_id=config.APP_ID, delivery=delivery, policy=policy, trusted=trusted,
                           home=home_tenant(config, local=local))
    teams_bot = AssureBotTeams(engine=engine, dispatcher=dispatcher, gateway=gateway, policy=policy)
    app[TEAMS] = gateway
    app[TEAMS_BOT] = teams_bot
    delivery.register(Platform.TEAMS.value, gateway.send_to_member, read_ahead=gateway.read_ahead)

    async def messages(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise web.HTTPUnsupportedMediaType(text="Send the activity as application/json.")
        try:
            activity = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="The body is not JSON.") from None
        if not isinstance(activity, dict):
            raise web.HTTPBadRequest(text="The body is not an activity.")
        if activity.get("serviceUrl") not in trusted:
            # Replies and look-ups would go to that address: refuse before reading anything else.
            log.warning("Teams: refused an activity whose serviceUrl is not trusted (set TEAMS_SERVICE_URLS "
                        "if Microsoft has added one)")
            raise web.HTTPForbidden(text="This service URL is not trusted.")
        return await adapter.process(request, teams_bot)

    async def on_startup(_app: web.Application) -> None:
        with session_for(engine) as session:
            unnamed = [] if gateway.home.anywhere or gateway.home.tenant_id else session.exec(
                select(Partnership.key).where(col(Partnership.teams_tenant_id).is_(None))).all()
        for key in unnamed:
            log.warning("Teams: the bot is Multi Tenant and partnership %r names no teams_tenant_id, so nobody "
                        "can reach it in Teams: put its Microsoft 365 tenant id in its file and load it again.", key)

    async def on_cleanup(_app: web.Application) -> None:
        await gateway.close()

    app.router.add_post("/api/messages", messages)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    log.info("Teams: listening on /api/messages (%s)",
             "authenticated" if config.APP_ID else f"LOCAL MODE, unauthenticated, on {settings.host} only")
    return gateway


def home_tenant(config: BotConfig, *, local: bool) -> HomeTenant:
    """The tenant whose people a lone partnership without `teams_tenant_id` takes (models.tenancy)."""
    if local:
        return HomeTenant(anywhere=True)
    if config.APP_TYPE == "MultiTenant":
        return HomeTenant()
    return HomeTenant(tenant_id=config.APP_TENANTID)


def check_local_mode(settings: Settings, *, app_id: str | None) -> bool:
    """Whether the unauthenticated local mode is on; refuses it with an app id or off loopback."""
    if not settings.teams_local_mode:
        return False
    if app_id is not None:
        raise TeamsSettingsError("TEAMS_LOCAL_MODE is for trying AssureBot without Microsoft on your own machine; "
                                 "unset it when MICROSOFT_APP_ID is set.")
    if not is_loopback_host(settings.host):
        raise TeamsSettingsError(f"TEAMS_LOCAL_MODE accepts messages nobody has vouched for, so AssureBot only "
                                 f"listens on this machine in that mode: use --host 127.0.0.1 (not {settings.host}).")
    return True
