"""The Bot Framework CloudAdapter, configured from the settings.

With MICROSOFT_APP_ID set, every request to /api/messages must carry a token from the Bot
Framework, or it gets 401. Without it there is no Teams at all, except in the local mode
(TEAMS_LOCAL_MODE=1, loopback only), which is unauthenticated and says so loudly in the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import jwt
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import AuthenticateRequestResult, ClaimsIdentity, ConnectorFactory

from bot.settings import Settings
from bot.teams.retry import without_sdk_retries
from handlers.dispatch import internal_error

log = logging.getLogger(__name__)

APP_TYPES = {"multitenant": "MultiTenant", "singletenant": "SingleTenant", "userassignedmsi": "UserAssignedMSI"}


class TeamsSettingsError(ValueError):
    """The Microsoft settings don't fit together; the message says which to set."""


@dataclass(frozen=True)
class BotConfig:
    """The configuration object botbuilder reads (its attribute names are fixed by the SDK)."""

    APP_ID: str | None
    APP_PASSWORD: str | None = field(repr=False)
    APP_TYPE: str
    APP_TENANTID: str | None


def bot_config(settings: Settings) -> BotConfig:
    """The SDK configuration from MICROSOFT_APP_* settings, checked so mistakes fail at start-up."""
    app_id = (settings.microsoft_app_id or "").strip() or None
    password = settings.microsoft_app_password.get_secret_value() if settings.microsoft_app_password else None
    tenant = (settings.microsoft_app_tenant_id or "").strip() or None
    app_type = APP_TYPES.get((settings.microsoft_app_type or "MultiTenant").strip().lower())
    if app_type is None:
        raise TeamsSettingsError(f"MICROSOFT_APP_TYPE must be MultiTenant, SingleTenant or UserAssignedMSI, "
                                 f"not {settings.microsoft_app_type!r}.")
    if app_id is None:
        return BotConfig(APP_ID=None, APP_PASSWORD=None, APP_TYPE="MultiTenant", APP_TENANTID=None)
    if app_type in ("SingleTenant", "UserAssignedMSI") and not tenant:
        raise TeamsSettingsError(f"MICROSOFT_APP_TYPE={app_type} needs MICROSOFT_APP_TENANT_ID (your "
                                 f"Microsoft 365 tenant id).")
    if app_type != "UserAssignedMSI" and not password:
        raise TeamsSettingsError("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not; set the client "
                                 "secret from the Azure bot registration.")
    return BotConfig(APP_ID=app_id, APP_PASSWORD=password, APP_TYPE=app_type, APP_TENANTID=tenant)


class _OwnRetriesConnectorFactory(ConnectorFactory):
    """Hands out connector clients without the SDK's hidden retries, one per service URL and audience.

    Reusing a client keeps its HTTP connections, which matters when thousands of reminders go out.
    """

    def __init__(self, inner: ConnectorFactory, cache: dict):
        self._inner = inner
        self._cache = cache

    async def create(self, service_url: str, audience: str = None):
        key = (service_url, audience, getattr(self._inner, "_app_id", None))
        client = self._cache.get(key)
        if client is None:
            client = without_sdk_retries(await self._inner.create(service_url, audience))
            self._cache[key] = client
        return client


class TeamsAuthentication(ConfigurationBotFrameworkAuthentication):
    """Configuration-based Bot Framework authentication whose connectors leave retrying to us."""

    def __init__(self, config: BotConfig):
        super().__init__(config)
        self._clients: dict = {}

    async def authenticate_request(self, activity, auth_header: str) -> AuthenticateRequestResult:
        try:
            result = await super().authenticate_request(activity, auth_header)
        except jwt.PyJWTError as problem:  # a token that is not a JWT at all: 401, as for any bad token
            log.info("Teams: refused a request whose token could not be read (%s)", type(problem).__name__)
            raise PermissionError("unreadable token") from None
        if result.connector_factory is not None:
            result.connector_factory = _OwnRetriesConnectorFactory(result.connector_factory, self._clients)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _OwnRetriesConnectorFactory(super().create_connector_factory(claims_identity), self._clients)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity):
        # The SDK builds one per turn (costly: msrest configuration); AssureBot uses no user sign-in,
        # so one per app id serves every turn, proactive ones included.
        key = ("user-token", claims_identity.get_claim_value("aud") or claims_identity.get_claim_value("appid"))
        client = self._clients.get(key)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._clients[key] = client
        return client


def make_adapter(config: BotConfig) -> CloudAdapter:
    """A CloudAdapter that logs turn errors with an id instead of showing a stack trace to people."""
    if config.APP_ID is None:
        log.warning("*" * 72)
        log.warning("TEAMS_LOCAL_MODE: /api/messages accepts UNAUTHENTICATED requests from this machine.")
        log.warning("This is for the Bot Framework Emulator or Web Chat on your own machine only.")
        log.warning("*" * 72)
    adapter = CloudAdapter(TeamsAuthentication(config))

    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        reply = internal_error(f"in a Teams turn ({turn_context.activity.type})", error)
        try:
            await turn_context.send_activity(reply.text)
        except Exception:  # the connector may be what failed
            log.warning("could not tell the user about the error: %s", reply.text)

    adapter.on_turn_error = on_turn_error
    return adapter
