"""A local fake of the Slack Web API and of response URLs, on 127.0.0.1.

It answers the methods AssureBot calls with Slack's JSON shapes, records every call, and can be
told to answer a method with 429 and Retry-After, with an error code, or to drop the connection
(Slack down). Run it alone with `python -m tests.fakes.slack_api --port N` (the benchmark does).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from messages.slack_blocks import MAX_MESSAGE_BLOCKS, MAX_TEXT_CHARS, text_size

TEAM_ID = "T0RIVER"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"


def block_kit_problems(blocks: list[dict[str, Any]], *, surface: str = "message") -> list[str]:
    """Why Slack would refuse these blocks: slack_sdk's model checks, a round trip that must give the
    same JSON back, and the limits slack_sdk does not model (block count, total size, unique ids)."""
    problems: list[str] = []
    if surface == "message" and len(blocks) > MAX_MESSAGE_BLOCKS:
        problems.append(f"{len(blocks)} blocks in a message (at most {MAX_MESSAGE_BLOCKS})")
    if surface == "message" and text_size(blocks) > MAX_TEXT_CHARS:
        problems.append(f"{text_size(blocks)} characters of text in a message (msg_blocks_too_long)")
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(ids) != len(set(ids)):
        problems.append("repeated block_id")
    try:
        parsed = Block.parse_all(blocks)
        if None in parsed:
            problems.append("a block of an unknown type")
        elif [b.to_dict() for b in parsed] != blocks:
            problems.append("blocks do not round-trip through slack_sdk.models")
    except SlackObjectFormationError as error:
        problems.append(str(error))
    return problems


def phone_problems(payload: dict[str, Any]) -> list[str]:
    """What would read badly on a phone, though Slack takes it: more than two buttons side by side
    (the rest belong in an overflow menu), and code marks or backslashes in the notification text."""
    problems: list[str] = []
    view = payload.get("view") if isinstance(payload.get("view"), dict) else {}
    for block in (payload.get("blocks") or []) + (view.get("blocks") or []):
        if block.get("type") == "actions":
            buttons = [e for e in block.get("elements", []) if e.get("type") == "button"]
            if len(buttons) > 2:
                problems.append(f"{len(buttons)} buttons side by side in block {block.get('block_id')}")
    text = payload.get("text")
    if isinstance(text, str) and ("`" in text or "\\" in text):
        problems.append(f"markup in the notification text: {text[:80]!r}")
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    """Why Slack would refuse this modal or Home view (slack_sdk's View, a round trip, the limits)."""
    try:
        if View(**view).to_dict() != view:
            return ["view does not round-trip through slack_sdk.models"]
    except (SlackObjectFormationError, TypeError) as error:
        return [str(error)]
    return block_kit_problems(view.get("blocks", []), surface=view.get("type", "modal"))


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.time)
    token: str | None = None  # the bot token the call was made with


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    drop: bool = False
    times: int = 1


class FakeSlack:
    """The fake server. `users` maps Slack user ids to (email, real name) for users.info."""

    def __init__(self, token: str | None = None):
        self.token = token
        self.current_token: str | None = None
        self.calls: list[Call] = []
        self.users: dict[str, tuple[str, str]] = {}
        self.failures: dict[str, list[Failure]] = {}
        self.invalid: list[tuple[str, list[str]]] = []  # what Slack would have refused
        self.down = False
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self.opened_views: list[str] = []  # ids of the views opened, in order
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self.socket: web.WebSocketResponse | None = None
        self.socket_messages: list[dict[str, Any]] = []
        self._files = itertools.count(1)
        self.pending_uploads: dict[str, dict[str, Any]] = {}  # file id -> filename, length, data
        self.shared_files: list[dict[str, Any]] = []  # completed uploads: id, title, data, channel, comment
        # Installing by OAuth: codes Slack would hand out, and the workspace each issued token is for.
        self.oauth_codes: dict[str, tuple[str, str]] = {}  # code -> (team id, team name)
        self.tokens: dict[str, str] = {}  # bot token -> team id
        self.history: dict[str, list[dict[str, Any]]] = {}  # channel -> messages, newest first
        self.late: dict[str, list[float]] = {}  # method -> seconds to hold each next answer after doing it
        self.slow: dict[str, float] = {}  # method -> seconds every answer takes
        self.client_credentials: tuple[str, str] | None = None

    # --- running -------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self.api)
        app.router.add_get("/api/{method}", self.api)
        app.router.add_post("/respond/{key}", self.on_response_url)
        app.router.add_post("/upload/{file_id}", self.on_upload)
        app.router.add_get("/socket", self.socket_mode)
        app.router.add_get("/_calls", self.list_calls)
        return app

    async def start(self, port: int = 0) -> FakeSlack:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def respond_url(self, key: str = "1") -> str:
        """A response_url as Slack would put in a payload, answered here."""
        return f"{self.url}/respond/{key}"

    # --- what tests arrange and inspect --------------------------------------------------

    def fail(self, method: str, *, status: int = 200, error: str | None = None, retry_after: int | None = None,
             drop: bool = False, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with a failure instead of success."""
        self.failures.setdefault(method, []).append(Failure(status, error, retry_after, drop, times))

    def rate_limit(self, method: str, *, retry_after: int = 0, times: int = 1) -> None:
        self.fail(method, status=429, error="ratelimited", retry_after=retry_after, times=times)

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        """The calls of a method once there are at least `count` (replies after an ack come later)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.called(method)) >= count), timeout)
        return self.called(method)

    # --- the API -------------------------------------------------------------------------

    async def _arguments(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            if request.content_type == "application/json":
                args.update(json.loads(body))
            else:
                args.update(parse_qsl(body.decode()))
        for key in ("blocks", "view", "metadata"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _record(self, method: str, args: dict[str, Any], token: str | None = None) -> None:
        async with self._changed:
            self.calls.append(Call(method, args, token=token))
            self._changed.notify_all()

    @staticmethod
    def _problems(args: dict[str, Any]) -> list[str]:
        if isinstance(args.get("view"), dict):
            return view_problems(args["view"])
        if isinstance(args.get("blocks"), list):
            return block_kit_problems(args["blocks"])
        return []

    def _failure(self, method: str) -> Failure | None:
        queue = self.failures.get(method) or []
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    async def api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if self.down:
            request.transport.close()  # Slack unreachable: the connection drops
            raise web.HTTPServiceUnavailable()
        args = await self._arguments(request)
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip() or args.get("token")
        await self._record(method, args, token)
        failure = self._failure(method)
        if failure is not None:
            if failure.drop:
                request.transport.close()
                raise web.HTTPServiceUnavailable()
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.error or "internal_error"},
                                     status=failure.status, headers=headers)
        if phone := phone_problems(args):
            self.invalid.append((method, phone))  # Slack takes it, but it reads badly on a phone
        problems = self._problems(args)
        if problems:
            self.invalid.append((method, problems))
            return web.json_response({"ok": False, "error": "invalid_blocks", "errors": problems})
        if method == "oauth.v2.access":
            return web.json_response(self.oauth_access(request, args))
        if method != "apps.connections.open" and token != self.token and token not in self.tokens \
                and (self.token or self.tokens):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        self.current_token = token
        answer = getattr(self, "m_" + method.replace(".", "_"), None)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        result = answer(args)
        holds = self.late.get(method)
        wait = (holds.pop(0) if holds else 0.0) + self.slow.get(method, 0.0)
        if wait:
            await asyncio.sleep(wait)  # done already: the answer is what is late
        if "error" in result:
            return web.json_response({"ok": False, **result})
        return web.json_response({"ok": True, **result})

    def _next_ts(self) -> str:
        return f"1790000000.{next(self._ts):06d}"

    def m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        team = self.tokens.get(self.current_token, TEAM_ID)
        return {"url": f"https://{team.lower()}.slack.com/", "team": "Riverside Partnership",
                "user": "assurebot", "team_id": team, "user_id": BOT_USER_ID, "bot_id": BOT_ID,
                "is_enterprise_install": False}

    def oauth_access(self, request: web.Request, args: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: a code handed out by the authorize page, for the app's own credentials."""
        import base64

        basic = (request.headers.get("Authorization") or "").removeprefix("Basic ").strip()
        given = tuple(base64.b64decode(basic).decode().split(":", 1)) if basic else (args.get("client_id"),
                                                                                    args.get("client_secret"))
        if self.client_credentials is None or given != self.client_credentials:
            return {"ok": False, "error": "invalid_client_id"}
        found = self.oauth_codes.pop(str(args.get("code")), None)
        if found is None:
            return {"ok": False, "error": "invalid_code"}
        team_id, team_name = found
        token = f"xoxb-{team_id.lower()}-not-real"
        self.tokens[token] = team_id
        return {"ok": True, "app_id": "A0ASSURE", "authed_user": {"id": "U0INSTALLER"}, "scope": "commands,chat:write",
                "token_type": "bot", "access_token": token, "bot_user_id": BOT_USER_ID,
                "team": {"id": team_id, "name": team_name}, "enterprise": None, "is_enterprise_install": False}

    def m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        posted = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": args.get("text", ""),
                  "blocks": args.get("blocks", []), "ts": ts, "team": TEAM_ID}
        if isinstance(args.get("metadata"), dict):
            posted["metadata"] = args["metadata"]
        self.history.setdefault(str(args.get("channel")), []).insert(0, posted)
        return {"channel": args.get("channel"), "ts": ts, "message": posted}

    def m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Newest first; metadata only when asked for with include_all_metadata (as Slack does)."""
        found = self.history.get(str(args.get("channel")), [])[:int(args.get("limit", 100))]
        if str(args.get("include_all_metadata")).lower() not in ("true", "1"):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return {"messages": found, "has_more": False}

    def posted_to(self, channel: str) -> list[dict[str, Any]]:
        """What reached a conversation, oldest first (whatever the bot was told)."""
        return list(reversed(self.history.get(channel, [])))

    def m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": args.get("channel"), "ts": args.get("ts"), "text": args.get("text", ""),
                "message": {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": args.get("text", ""),
                            "blocks": args.get("blocks", [])}}

    def m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel"), str(args.get("message_ts", ""))
        return {"channel": channel,
                "permalink": f"https://riverside-partnership.slack.com/archives/{channel}/p{ts.replace('.', '')}"}

    def _view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        view_id = view_id or f"V{next(self._views):08d}"
        return {"view": {"id": view_id, "team_id": TEAM_ID, "app_id": "A0ASSURE", "bot_id": BOT_ID,
                         "hash": f"{time.time():.6f}.{view_id}", "state": {"values": {}},
                         "private_metadata": "", "callback_id": "", "root_view_id": view_id,
                         "previous_view_id": None, **view}}

    def m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"error": "invalid_arguments"}
        opened = self._view(args["view"])
        self.opened_views.append(opened["view"]["id"])
        return opened

    def m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._view(args["view"], args.get("view_id"))

    def m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._view(args["view"])

    def m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if user_id not in self.users:
            return {"error": "user_not_found"}
        email, name = self.users[user_id]
        return {"user": {"id": user_id, "team_id": TEAM_ID, "name": email.split("@")[0], "deleted": False,
                         "real_name": name, "tz": "Europe/London", "is_bot": False,
                         "profile": {"real_name": name, "display_name": name.split()[0], "email": email}}}

    def m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", ""))
        return {"channel": {"id": "D" + users.split(",")[0].removeprefix("U")}}

    def m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        """Step 1 of an upload: a URL to POST the bytes to, for a file of the stated length."""
        try:
            length = int(args.get("length", ""))
        except ValueError:
            return {"error": "invalid_arguments"}
        if not args.get("filename") or length <= 0:
            return {"error": "invalid_arguments"}
        file_id = f"F{next(self._files):08d}"
        self.pending_uploads[file_id] = {"filename": args["filename"], "length": length, "data": None}
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        """Step 3: share the uploaded files in a channel. Each must have arrived whole."""
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        if not files:
            return {"error": "invalid_arguments"}
        done = []
        for entry in files:
            pending = self.pending_uploads.get(entry.get("id"))
            if pending is None or pending["data"] is None or len(pending["data"]) != pending["length"]:
                return {"error": "file_not_found"}
            done.append({"id": entry["id"], "name": pending["filename"], "title": entry.get("title"),
                         "data": pending["data"], "channel": args.get("channel_id"),
                         "comment": args.get("initial_comment")})
        for entry in done:
            del self.pending_uploads[entry["id"]]
        self.shared_files.extend(done)
        return {"files": [{"id": f["id"], "name": f["name"], "title": f["title"]} for f in done]}

    def m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"ws://127.0.0.1:{self.port}/socket"}

    # --- response URLs, Socket Mode and the call log ---------------------------------------

    async def on_response_url(self, request: web.Request) -> web.Response:
        if self.down:
            request.transport.close()
            raise web.HTTPServiceUnavailable()
        payload = await request.json()
        await self._record("response_url", {"key": request.match_info["key"], **payload})
        if phone := phone_problems(payload):
            self.invalid.append(("response_url", phone))
        problems = self._problems(payload)
        if problems:
            self.invalid.append(("response_url", problems))
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")

    async def on_upload(self, request: web.Request) -> web.Response:
        """Step 2 of an upload: the file's bytes, at the URL step 1 gave."""
        if self.down:
            request.transport.close()
            raise web.HTTPServiceUnavailable()
        file_id = request.match_info["file_id"]
        data = await request.read()
        await self._record("upload", {"file_id": file_id, "length": len(data)})
        failure = self._failure("upload")
        if failure is not None:
            return web.Response(status=failure.status if failure.status != 200 else 500, text="upload failed")
        pending = self.pending_uploads.get(file_id)
        if pending is None:
            return web.Response(status=404, text="not found")
        pending["data"] = data
        return web.Response(text=f"OK - {len(data)}")

    async def socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"},
                            "connection_info": {"app_id": "A0ASSURE"}})
        async for received in ws:
            if received.type.name == "TEXT":
                await self._record("socket_ack", json.loads(received.data))
        return ws

    async def send_over_socket(self, envelope_type: str, payload: dict[str, Any]) -> str:
        """Send an envelope as Slack does in Socket Mode; the app acks with the same envelope id."""
        envelope_id = f"env-{next(self._ts)}"
        await self.socket.send_json({"envelope_id": envelope_id, "type": envelope_type, "payload": payload,
                                     "accepts_response_payload": envelope_type != "events_api",
                                     "retry_attempt": 0, "retry_reason": ""})
        return envelope_id

    async def list_calls(self, request: web.Request) -> web.Response:
        """The calls so far; `?method=response_url` lists only those, with their key and time."""
        method = request.query.get("method")
        if method:
            return web.json_response([{"method": c.method, "key": c.args.get("key"), "at": c.at}
                                      for c in self.calls if c.method == method])
        return web.json_response([{"method": c.method, "args": c.args, "at": c.at} for c in self.calls])


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake Slack Web API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=None)
    args = parser.parse_args()

    async def run() -> None:
        fake = await FakeSlack(token=args.token).start(args.port)
        print(fake.port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(run())


if __name__ == "__main__":
    main()
