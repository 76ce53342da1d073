"""A local fake of the Bot Connector service that Teams activities point at with `serviceUrl`.

It answers the real routes the bot uses, records every call, and can be told to answer 403, 429
(with Retry-After) or 500 for chosen calls:

    POST /v3/conversations                                   create a conversation (a personal chat)
    POST /v3/conversations/{id}/activities                   send a message
    POST /v3/conversations/{id}/activities/{activityId}      reply to a message
    PUT  /v3/conversations/{id}/activities/{activityId}      update a message (a card, in place)
    GET  /v3/conversations/{id}/members/{memberId}           one member (TeamsInfo.get_member)
    GET  /v3/conversations/{id}/pagedmembers                 the members of a team or chat

With `throttle` set it also keeps Teams' own limits, as the service does: a request over them in
its tenant or its conversation is answered 429 with Retry-After (see Throttle).
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

SENDS = ("send", "reply")


@dataclass
class Call:
    """One request the bot made, with the answer it got."""

    method: str
    kind: str  # create, send, reply, update, member, roster
    conversation_id: str | None
    activity_id: str | None
    body: Any
    status: int
    answer: Any = None
    at: float = 0.0  # when it arrived (time.monotonic in the fake's process)
    authorization: str | None = None  # the Authorization header it carried

    @property
    def message_id(self) -> str | None:
        """The id the fake gave a posted message (what a card submit names in replyToId)."""
        return (self.answer or {}).get("id") if isinstance(self.answer, dict) else None

    @property
    def card(self) -> dict | None:
        """The Adaptive Card in a sent or updated activity, if any."""
        for attachment in (self.body or {}).get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment.get("content")
        return None

    @property
    def text(self) -> str:
        return (self.body or {}).get("text") or ""


@dataclass
class Fault:
    status: int
    matches: Callable[[str, str | None], bool]
    times: int | None  # None: for ever
    retry_after: float | None = None
    code: str = ""


TENANT_LIMITS = ((1.0, 50),)  # all of an app's conversations in one tenant
CONVERSATION_LIMITS = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))  # one bot in one conversation


@dataclass
class Throttle:
    """Teams' documented limits, kept as the service keeps them: every request that reaches it counts
    (those answered 429 too), and one that would make more than the limit within a sliding window,
    in its tenant or in its conversation, is answered 429. `tolerance` is the share over a limit still
    let through, as the real service's counting is not exact to the request."""

    tenant: tuple[tuple[float, int], ...] = TENANT_LIMITS
    conversation: tuple[tuple[float, int], ...] = CONVERSATION_LIMITS
    tolerance: float = 0.0
    retry_after: float = 1.0
    seen: dict[tuple[str, str], deque] = field(default_factory=dict)

    def admits(self, tenant: str, conversation: str | None, *, at: float) -> bool:
        """Count one request arriving `at` (seconds, ascending); whether it keeps within every window
        of its tenant and its conversation."""
        keys = [(("tenant", tenant), self.tenant)]
        if conversation:
            keys.append((("conversation", conversation), self.conversation))
        over = False
        for key, limits in keys:
            times = self.seen.setdefault(key, deque())
            longest = max(seconds for seconds, _ in limits)
            while times and times[0] <= at - longest:
                times.popleft()
            times.append(at)
            for seconds, count in limits:
                if len(times) > count and _within(times, at - seconds) > int(count * (1 + self.tolerance)):
                    over = True
        return not over


def _within(times: deque, after: float) -> int:
    """How many of the (ascending) times are later than `after`."""
    found = 0
    for moment in reversed(times):
        if moment <= after:
            break
        found += 1
    return found


def tenant_of(body: Any) -> str:
    """The tenant a request is for, as a Teams activity or a new conversation names it."""
    if not isinstance(body, dict):
        return ""
    conversation = body.get("conversation") or {}
    channel_data = body.get("channelData") or {}
    return str(conversation.get("tenantId") or conversation.get("tenantID")  # Teams' spelling, and msrest's
               or body.get("tenantId") or (channel_data.get("tenant") or {}).get("id") or "")


@dataclass
class FakeBotConnector:
    """The fake service; start it, point activities' serviceUrl at `url`, then read `calls`."""

    calls: list[Call] = field(default_factory=list)
    accounts: dict[str, dict] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)  # what was PUT at an upload URL (OneDrive)
    url: str = ""
    throttle: Throttle | None = None  # Teams' own limits, when the fake should keep them
    _ids: Any = field(default_factory=lambda: itertools.count(1000))
    _runner: web.AppRunner | None = None

    # Setting up -----------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._reply)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._roster)
        app.router.add_put("/upload/{name}", self._upload)  # stands in for a OneDrive upload URL
        app.router.add_get("/_record", self._record)  # for a fake running in another process
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def add_account(self, user_id: str, *, name: str, aad_id: str, email: str | None) -> dict:
        """Someone Teams knows: what GET members/{id} and the roster return for them."""
        account = {"id": user_id, "name": name, "aadObjectId": aad_id, "email": email,
                   "userPrincipalName": email, "givenName": name.split()[0], "tenantId": "tenant-1"}
        self.accounts[user_id] = account
        return account

    def fail(self, status: int, *, kind: str | None = None, conversation: str | None = None,
             times: int | None = 1, retry_after: float | None = None, code: str = "") -> None:
        """Answer `status` to the next `times` matching calls (None: to all of them)."""
        def matches(call_kind: str, conversation_id: str | None) -> bool:
            return (kind is None or call_kind == kind or (kind == "send" and call_kind in SENDS)) and \
                   (conversation is None or conversation_id == conversation)
        self.faults.append(Fault(status, matches, times, retry_after, code))

    def fail_when(self, status: int, matches: Callable[[str, str | None], bool], *, times: int | None = 1,
                  retry_after: float | None = None, code: str = "") -> None:
        self.faults.append(Fault(status, matches, times, retry_after, code))

    # Reading what happened ------------------------------------------------------------------------

    def sent(self, conversation_id: str | None = None, *, ok: bool = True) -> list[Call]:
        """Messages the bot posted (new messages and replies), optionally in one conversation."""
        return [c for c in self.calls if c.kind in SENDS and (conversation_id is None or c.conversation_id ==
                                                               conversation_id) and (not ok or c.status < 300)]

    def updates(self, conversation_id: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.kind == "update" and c.status < 300
                and (conversation_id is None or c.conversation_id.split(";")[0] == conversation_id.split(";")[0])]

    def of_kind(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind]

    @staticmethod
    def personal_conversation_id(user_id: str) -> str:
        """The id this fake gives the 1:1 chat with an account (the same each time, as Teams does)."""
        return f"a:personal-{user_id}"

    # Routes ---------------------------------------------------------------------------------------

    def _fault_for(self, kind: str, conversation_id: str | None) -> Fault | None:
        for fault in self.faults:
            if fault.times != 0 and fault.matches(kind, conversation_id):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    async def _answer(self, request: web.Request, kind: str, ok: Callable[[Any], tuple[int, Any]]) -> web.Response:
        arrived = time.monotonic()
        conversation_id = request.match_info.get("cid")
        activity_id = request.match_info.get("aid")
        body = await request.json() if request.can_read_body else None
        fault = self._fault_for(kind, conversation_id)
        if self.throttle is not None and not self.throttle.admits(
                tenant_of(body), (conversation_id or "").split(";")[0] or None, at=arrived):
            fault = Fault(429, lambda *_: True, None, self.throttle.retry_after)
        if fault is not None:
            self.calls.append(Call(request.method, kind, conversation_id, activity_id, body, fault.status,
                                   at=arrived, authorization=request.headers.get("Authorization")))
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            code = fault.code or {403: "BotNotInConversationRoster", 429: "TooManyRequests"}.get(fault.status,
                                                                                                 "ServiceError")
            return web.json_response({"error": {"code": code, "message": f"fake {fault.status}"}},
                                     status=fault.status, headers=headers)
        status, answer = ok(body)
        self.calls.append(Call(request.method, kind, conversation_id, activity_id, body, status, answer, arrived,
                               request.headers.get("Authorization")))
        return web.json_response(answer, status=status)

    async def _create(self, request: web.Request) -> web.Response:
        def ok(body: dict) -> tuple[int, dict]:
            members = body.get("members") or [{}]
            if body.get("isGroup"):
                return 201, {"id": f"19:group-{next(self._ids)}@thread.v2", "activityId": str(next(self._ids))}
            return 201, {"id": self.personal_conversation_id(members[0].get("id")), "serviceUrl": self.url}
        return await self._answer(request, "create", ok)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._answer(request, "send", lambda body: (201, {"id": str(next(self._ids))}))

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._answer(request, "reply", lambda body: (201, {"id": str(next(self._ids))}))

    async def _update(self, request: web.Request) -> web.Response:
        return await self._answer(request, "update", lambda body: (200, {"id": request.match_info["aid"]}))

    async def _member(self, request: web.Request) -> web.Response:
        def ok(body: Any) -> tuple[int, dict]:
            account = self.accounts.get(request.match_info["mid"])
            if account is None:
                return 404, {"error": {"code": "MemberNotFoundInConversation", "message": "no such member"}}
            return 200, account
        return await self._answer(request, "member", ok)

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["name"]] = await request.read()
        return web.json_response({"name": request.match_info["name"]}, status=201)

    async def _record(self, request: web.Request) -> web.Response:
        return web.json_response([{"method": c.method, "kind": c.kind, "conversation_id": c.conversation_id,
                                   "activity_id": c.activity_id, "body": c.body, "status": c.status,
                                   "answer": c.answer, "at": c.at, "authorization": c.authorization}
                                  for c in self.calls])

    async def _roster(self, request: web.Request) -> web.Response:
        return await self._answer(request, "roster", lambda body: (200, {"members": list(self.accounts.values()),
                                                                        "continuationToken": None}))
