"""Posting a proactive message to the Bot Connector in one plain request.

A reminder run posts thousands of messages. Through the SDK's continue_conversation each one
costs several milliseconds of CPU before it leaves: the saved reference is read into msrest models
and written out again, msrest checks and converts the whole activity, card included, node by node
(three passes), and `requests` sends it from a worker thread. Here a Chat is the saved reference's
JSON as it is: its channel, service URL, conversation, bot and user go into the request unchanged
(what TurnContext.apply_conversation_reference and msrest would have written), only the
activity's own few fields are converted, the card (plain JSON already) goes in as it is, and the
request goes out on one shared aiohttp session: POST {serviceUrl}/v3/conversations/{id}/activities,
as ConversationsOperations.send_to_conversation makes it. The token comes from the SDK's own
credentials for the service URL (a connector client made as the adapter makes one for a proactive
turn, and kept), so the request is signed as the SDK signs it.

A refusal is raised as the SDK raises one (an msrest HttpOperationError carrying the status, the
headers and Teams' error code) and a request that got no answer as ClientRequestError, saying
whether it could not connect (nothing left) or the answer never came (it may have arrived), so
retry.py tells them apart as before.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import quote, urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
import orjson
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ConversationReference
from botframework.connector.models import ErrorResponse
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.serialization import Model

OK = (200, 201, 202)
UNAUTHORIZED = 401
# How long one signature is used for a service URL before the credentials are asked again. MSAL hands
# out a cached token until five minutes before it expires, so a signature a minute old is still good;
# asking once a minute spares a reminder run a trip to a worker thread for every message.
SIGNATURE_KEPT = 60.0
ADDRESS = ("channel_id", "locale", "service_url", "conversation", "from_property", "recipient", "reply_to_id")


@dataclass(frozen=True)
class Chat:
    """A saved conversation to post into: a ConversationReference as its JSON (camelCase keys)."""

    reference: dict[str, Any]

    @classmethod
    def of(cls, reference: ConversationReference) -> "Chat":
        return cls(reference.serialize())

    @property
    def service_url(self) -> str | None:
        return self.reference.get("serviceUrl")

    @property
    def conversation(self) -> dict[str, Any]:
        return self.reference.get("conversation") or {}

    @property
    def conversation_id(self) -> str:
        return self.conversation.get("id") or ""

    @property
    def conversation_type(self) -> str | None:
        return self.conversation.get("conversationType")

    @property
    def tenant_id(self) -> str | None:
        conversation = self.conversation  # msrest writes "tenantID"; Teams' own activities say "tenantId"
        return conversation.get("tenantID") or conversation.get("tenantId")

    def address(self) -> dict[str, Any]:
        """Where an outgoing activity goes and from whom, as apply_conversation_reference sets it."""
        reference = self.reference
        found = {"channelId": reference.get("channelId"), "locale": reference.get("locale"),
                 "serviceUrl": reference.get("serviceUrl"), "conversation": reference.get("conversation"),
                 "from": reference.get("bot"), "recipient": reference.get("user"),
                 "replyToId": reference.get("activityId")}
        return {key: value for key, value in found.items() if value is not None}


class ConnectorAnswer(HttpOperationError):
    """The Bot Connector answered with an error status: `response` has the status and headers,
    `error.error.code` Teams' code (BotNotInConversationRoster...), as in the SDK's own error."""

    def __init__(self, response: aiohttp.ClientResponse, body: bytes):
        self.response = response
        self.inner_exception = None
        try:
            self.error = ErrorResponse.deserialize(json.loads(body or b"null") or {})
        except (ValueError, TypeError, AttributeError):
            self.error = None
        inner = getattr(self.error, "error", None)
        code, text = getattr(inner, "code", None), getattr(inner, "message", None)
        self.message = f"({code}) {text}" if code else f"Operation returned an invalid status code {response.reason!r}"
        Exception.__init__(self, self.message)


class _Headers:
    """What the SDK's credentials sign: they set (or clear) Authorization on a session's headers."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}


class ConnectorPoster:
    """Posts activities into saved conversations for the bot with `app_id` (None: the local mode)."""

    def __init__(self, adapter: CloudAdapter, app_id: str | None):
        self.adapter = adapter
        self.app_id = app_id
        self._clients: dict[str, Any] = {}
        self._proxies: dict[str, str | None] = {}
        self._signatures: dict[str, tuple[dict[str, str], float]] = {}
        self._http: aiohttp.ClientSession | None = None

    async def send(self, chat: Chat, activity: Activity | dict[str, Any]) -> str | None:
        """Post the activity (or its JSON, as activity_json would write it) as a new message in the
        chat; the id Teams gave it."""
        service_url, conversation_id = chat.service_url or "", chat.conversation_id
        config = await self._config(service_url)
        headers = await self._headers(service_url, config)
        url = f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}/activities"
        data = orjson.dumps(activity_json(activity, chat))
        http = self._session(config.connection.timeout)
        try:
            async with http.post(url, data=data, headers=headers, proxy=self._proxy(service_url)) as response:
                body = await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
            raise ClientRequestError(f"Cannot connect to the Bot Connector ({type(error).__name__})",
                                     inner_exception=error) from error
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise ClientRequestError(f"No answer from the Bot Connector ({type(error).__name__})",
                                     inner_exception=error) from error
        if response.status not in OK:
            if response.status == UNAUTHORIZED:  # the next request is signed afresh
                self._signatures.pop(service_url, None)
            raise ConnectorAnswer(response, body)
        answer = json.loads(body) if body else {}
        return answer.get("id") if isinstance(answer, dict) else None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _config(self, service_url: str) -> Any:
        """The SDK connector client's configuration for a service URL: its credentials and user agent."""
        client = self._clients.get(service_url)
        if client is None:
            claims = self.adapter.create_claims_identity(self.app_id)
            factory = self.adapter.bot_framework_authentication.create_connector_factory(claims)
            client = await factory.create(service_url, None)  # as a proactive turn makes it
            self._clients[service_url] = client
        return client.config

    async def _headers(self, service_url: str, config: Any) -> dict[str, str]:
        """The request's headers, signed as the SDK's credentials sign them (none in the local mode);
        a signature is used for SIGNATURE_KEPT seconds, or until the connector answers 401."""
        kept = self._signatures.get(service_url)
        if kept is None or time.monotonic() >= kept[1]:
            signed = _Headers()
            # Off the event loop: when its cached token has run out, MSAL asks Azure AD for a new one
            # (a blocking request), and the server's other conversations must not wait for it.
            await asyncio.to_thread(config.credentials.signed_session, signed)
            headers = {"Accept": "application/json", "Content-Type": "application/json; charset=utf-8",
                       "User-Agent": config.user_agent, **signed.headers}
            kept = self._signatures[service_url] = (headers, time.monotonic() + SIGNATURE_KEPT)
        return kept[0]

    def _proxy(self, service_url: str) -> str | None:
        """The proxy the environment names for a service URL (HTTPS_PROXY, NO_PROXY...), as `requests`
        would use, looked up once per service URL rather than on every request."""
        if service_url not in self._proxies:
            host = urlsplit(service_url).hostname or ""
            proxies = getproxies()
            self._proxies[service_url] = None if proxy_bypass(host) else proxies.get(urlsplit(service_url).scheme)
        return self._proxies[service_url]

    def _session(self, timeout: float) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            import certifi  # the certificates `requests` trusts, whatever the system has installed

            tls = ssl.create_default_context(cafile=certifi.where())
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=tls), trust_env=False,  # proxies: see _proxy
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout))
        return self._http


def activity_json(activity: Activity | dict[str, Any], chat: Chat) -> dict[str, Any]:
    """The activity as the connector reads it, addressed to the chat. Its own fields are written
    under their JSON names straight from the model's attribute map, as msrest would write them,
    when each is plain JSON, a model or a list of them (a card, plain JSON already, as it is);
    anything else (a date) goes through msrest. An activity given as its JSON already is taken as
    it is. The address comes from the chat."""
    if isinstance(activity, dict):
        return {**activity, **chat.address()}
    data = _fields(activity, skip=ADDRESS)
    if data is None:
        kept = {name: getattr(activity, name) for name in ADDRESS}
        for name in kept:
            setattr(activity, name, None)
        try:
            data = activity.serialize()
        finally:
            for name, value in kept.items():
                setattr(activity, name, value)
    data.update(chat.address())
    return data


class _Other(Exception):
    """A value msrest has to convert itself."""


def _fields(model: Model, *, skip: tuple[str, ...] = ()) -> dict[str, Any] | None:
    try:
        return _model_json(model, skip)
    except _Other:
        return None


def _model_json(model: Model, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, spec in model._attribute_map.items():
        value = getattr(model, name, None)
        if value is None or name in skip:
            continue
        key = spec["key"]
        if "." in key or not key:
            raise _Other(name)
        data[key] = _json(value)
    return data


def _json(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (str, bool, int, float, dict)):
        return value
    if isinstance(value, Model):
        return _model_json(value)
    if isinstance(value, list):
        return [_json(item) for item in value]
    raise _Other(type(value).__name__)
