"""A small stand-in for the Bot Framework's Direct Line 3.0 service, on 127.0.0.1, for Web Chat.

Web Chat talks to it as to Direct Line (polling, no websocket):

    POST /v3/directline/conversations                          start a conversation (any token)
    POST /v3/directline/conversations/{id}/activities          what the person typed or pressed
    GET  /v3/directline/conversations/{id}/activities?watermark=N   everything after N
    POST /v3/directline/tokens/refresh                         keep the token

The bot talks to it as to the Bot Connector (the activities' `serviceUrl` points here):

    POST /v3/conversations/{id}/activities[/{replyToId}]       a message from the bot
    PUT  /v3/conversations/{id}/activities/{activityId}        the bot updates one of its messages
    GET  /v3/conversations/{id}/members/{memberId}             who a person in the conversation is

Each activity from Web Chat goes to the bot's /api/messages as the Web Chat channel sends it:
channelId `webchat`, Web Chat's own channelData, no Teams channel data, and `from` as Web Chat
gives it, with the person's Azure AD object id added (Direct Line knows the signed-in person).
An updated message reaches Web Chat again with its old id, and Web Chat shows it in place.

The page (webchat.html) and Web Chat's bundle are served from here too, so the page and Direct
Line share one origin.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

E2E = Path(__file__).resolve().parent
BOT = {"id": "assurebot", "name": "AssureBot", "role": "bot"}
CHANNEL = "webchat"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Conversation:
    id: str
    activities: list[dict] = field(default_factory=list)
    ids: Any = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> str:
        return f"{self.id}|{next(self.ids):07d}"


@dataclass
class DirectLine:
    """The stand-in: start it with the bot's URL, point Web Chat at `url`, read `to_bot` and `problems`."""

    bot_url: str
    accounts: dict[str, dict] = field(default_factory=dict)  # Web Chat user id -> the person's account
    conversations: dict[str, Conversation] = field(default_factory=dict)
    to_bot: list[tuple[dict, int]] = field(default_factory=list)  # each activity forwarded, with the bot's status
    problems: list[str] = field(default_factory=list)
    url: str = ""
    _numbers: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _http: aiohttp.ClientSession | None = None
    _heard: asyncio.Condition = field(default_factory=asyncio.Condition)

    def add_account(self, user_id: str, *, name: str, aad_id: str, email: str) -> None:
        self.accounts[user_id] = {"id": user_id, "name": name, "aadObjectId": aad_id, "email": email,
                                  "userPrincipalName": email}

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3/directline/conversations", self._start_conversation)
        app.router.add_post("/v3/directline/conversations/{cid}/activities", self._from_user)
        app.router.add_get("/v3/directline/conversations/{cid}/activities", self._poll)
        app.router.add_post("/v3/directline/tokens/refresh", self._refresh)
        app.router.add_post("/v3/conversations/{cid}/activities", self._from_bot)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._from_bot)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update_from_bot)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        app.router.add_get("/webchat.html", self._page)
        app.router.add_static("/webchat/", E2E / "node_modules" / "botframework-webchat" / "dist")
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        self._http = aiohttp.ClientSession()
        return self.url

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def bot_messages(self) -> list[dict]:
        """What the bot has said, in every conversation, as Web Chat received it."""
        return [a for c in self.conversations.values() for a in c.activities if a["from"].get("role") == "bot"]

    def cards_sent(self) -> int:
        """How many different messages with an Adaptive Card the bot has sent (an update is the same one)."""
        return len({a["id"] for a in self.bot_messages() if any(
            attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
            for attachment in a.get("attachments") or [])})

    async def wait_for_bot(self, more_than: int, *, seconds: float) -> None:
        """Until the bot has said more than `more_than` things (or `seconds` have passed: then it fails)."""
        async with self._heard:
            await asyncio.wait_for(self._heard.wait_for(lambda: len(self.bot_messages()) > more_than), seconds)

    async def _page(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(E2E / "webchat.html")

    # Direct Line, for Web Chat ----------------------------------------------------------------

    async def _start_conversation(self, request: web.Request) -> web.Response:
        conversation = Conversation(f"conversation-{next(self._numbers)}")
        self.conversations[conversation.id] = conversation
        return web.json_response({"conversationId": conversation.id, "token": "local", "expires_in": 3600},
                                 status=201)

    async def _refresh(self, request: web.Request) -> web.Response:
        return web.json_response({"token": "local", "expires_in": 3600})

    def _conversation(self, request: web.Request) -> Conversation:
        found = self.conversations.get(request.match_info["cid"])
        if found is None:
            raise web.HTTPNotFound(text="no such conversation")
        return found

    async def _poll(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        try:
            watermark = int(request.query.get("watermark") or 0)
        except ValueError:
            watermark = 0
        return web.json_response({"activities": conversation.activities[watermark:],
                                  "watermark": str(len(conversation.activities))})

    async def _from_user(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        activity = await request.json()
        sender = dict(activity.get("from") or {})
        known = self.accounts.get(sender.get("id", ""))
        if known is not None:
            sender["aadObjectId"] = known["aadObjectId"]
        activity.update(id=conversation.next_id(), timestamp=now(), channelId=CHANNEL, serviceUrl=self.url + "/",
                        conversation={"id": conversation.id}, recipient={"id": BOT["id"], "name": BOT["name"]},
                        **{"from": sender})
        conversation.activities.append(activity)
        async with self._http.post(f"{self.bot_url}/api/messages", json=activity) as response:
            await response.read()
            status = response.status
        self.to_bot.append((activity, status))
        if status >= 300:
            self.problems.append(f"the bot answered {status} to {activity.get('type')} {activity['id']}")
        return web.json_response({"id": activity["id"]})

    # The Bot Connector, for the bot -----------------------------------------------------------

    async def _from_bot(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        activity = await request.json()
        activity.update(id=conversation.next_id(), timestamp=now(), conversation={"id": conversation.id},
                        **{"from": dict(activity.get("from") or {}, role="bot")})
        await self._keep(conversation, activity)
        return web.json_response({"id": activity["id"]}, status=201)

    async def _update_from_bot(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        activity_id = request.match_info["aid"]
        if not any(a["id"] == activity_id for a in conversation.activities):
            self.problems.append(f"the bot updated {activity_id}, which it never sent")
            raise web.HTTPNotFound(text="no such activity")
        activity = await request.json()
        activity.update(id=activity_id, timestamp=now(), conversation={"id": conversation.id},
                        **{"from": dict(activity.get("from") or {}, role="bot")})
        await self._keep(conversation, activity)  # Web Chat replaces the message with the same id
        return web.json_response({"id": activity_id})

    async def _keep(self, conversation: Conversation, activity: dict) -> None:
        async with self._heard:
            conversation.activities.append(activity)
            self._heard.notify_all()

    async def _member(self, request: web.Request) -> web.Response:
        self._conversation(request)
        account = self.accounts.get(request.match_info["mid"])
        if account is None:
            return web.json_response({"error": {"code": "MemberNotFound", "message": "no such member"}}, status=404)
        return web.json_response(account)
