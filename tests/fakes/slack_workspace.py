"""Slack as AssureBot meets it in tests: requests signed and shaped exactly as Slack sends them,
posted over a local port to the real aiohttp app, with the fake Web API on 127.0.0.1 behind it.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.settings import Settings
from models.db import session_for
from models.partnership import Member
from tests.fakes.slack_api import TEAM_ID, FakeSlack, block_kit_problems, phone_problems, view_problems

SIGNING_SECRET = "test-signing-secret-not-real"
BOT_TOKEN = "xoxb-test-token-not-real"
EVENTS = "/slack/events"

_ids = itertools.count(1)


def sign(body: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """The headers Slack signs a request with: v0=HMAC-SHA256 of "v0:timestamp:body"."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def slack_settings(fake: FakeSlack, **values: Any) -> Settings:
    return Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=fake.api_url, **values)


def link_slack(engine, email: str, slack_user_id: str, *, prefer_slack: bool = True) -> None:
    """Give a demo member a Slack id (and make Slack where they get private messages)."""
    with session_for(engine) as session:
        member = session.exec(select(Member).where(Member.email == email)).one()
        member.slack_user_id = slack_user_id
        if prefer_slack:
            member.preferred_platform = "slack"
        session.add(member)
        session.commit()


@dataclass
class Workspace:
    """One Slack workspace talking to one running AssureBot."""

    client: TestClient
    fake: FakeSlack
    adapter: Any
    team: str = TEAM_ID  # the workspace the requests come from

    # --- raw requests ----------------------------------------------------------------------

    async def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> ClientResponse:
        return await self.client.post(EVENTS, data=body.encode(),
                                      headers={"Content-Type": content_type, **(headers if headers is not None
                                                                                 else sign(body))})

    async def post_form(self, fields: dict[str, str], **sign_options: Any) -> ClientResponse:
        body = urlencode(fields)
        return await self.post(body, "application/x-www-form-urlencoded", sign(body, **sign_options))

    async def post_payload(self, payload: dict[str, Any]) -> ClientResponse:
        return await self.post_form({"payload": json.dumps(payload)})

    # --- what people do --------------------------------------------------------------------

    def command_fields(self, user: str, text: str, *, command: str = "/assure", channel: str = "D0DM") -> dict:
        n = next(_ids)
        return {
            "token": "legacy-verification-token", "team_id": self.team, "team_domain": "riverside-partnership",
            "channel_id": channel, "channel_name": "directmessage" if channel.startswith("D") else "arg",
            "user_id": user, "user_name": user.lower(), "command": command, "text": text,
            "api_app_id": "A0ASSURE", "is_enterprise_install": "false",
            "response_url": self.fake.respond_url(f"cmd{n}"), "trigger_id": f"{n}.{self.team}.trigger",
        }

    async def command(self, user: str, text: str, **options: Any) -> ClientResponse:
        """A slash command, form-encoded as Slack sends it."""
        return await self.post_form(self.command_fields(user, text, **options))

    async def ack_json(self, response: ClientResponse) -> dict[str, Any]:
        """The body of an ack, checked as Slack would check it."""
        assert response.status == 200, await response.text()
        text = await response.text()
        body = json.loads(text) if text else {}
        assert phone_problems(body) == []
        if "blocks" in body:
            assert block_kit_problems(body["blocks"]) == []
        if "view" in body:
            assert view_problems(body["view"]) == []
        return body

    def _user(self, user: str) -> dict[str, str]:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team}

    def _base(self, kind: str, user: str) -> dict[str, Any]:
        n = next(_ids)
        return {"type": kind, "user": self._user(user), "api_app_id": "A0ASSURE", "token": "legacy",
                "team": {"id": self.team, "domain": "riverside-partnership"}, "enterprise": None,
                "is_enterprise_install": False, "trigger_id": f"{n}.{self.team}.trigger"}

    async def click(self, user: str, button: dict[str, Any], block_id: str, *, blocks: list | None = None,
                    channel: str = "D0DM", ephemeral: bool = False, message_ts: str = "1790000000.000001",
                    response_key: str | None = None) -> ClientResponse:
        """A button press on a message (block_actions); an ephemeral message's payload has no message."""
        payload = self._base("block_actions", user)
        payload.update({
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                          "is_ephemeral": ephemeral},
            "channel": {"id": channel, "name": "directmessage" if channel.startswith("D") else "arg"},
            "state": {"values": {}},
            "response_url": self.fake.respond_url(response_key or f"act{next(_ids)}"),
            "actions": [{**button, "block_id": block_id, "action_ts": f"{time.time():.6f}"}],
        })
        if not ephemeral:
            payload["message"] = {"type": "message", "user": "U0BOT", "ts": message_ts, "text": "AssureBot",
                                  "blocks": blocks or []}
        return await self.post_payload(payload)

    async def click_on_home(self, user: str, button: dict[str, Any], block_id: str) -> ClientResponse:
        payload = self._base("block_actions", user)
        payload.update({
            "container": {"type": "view", "view_id": "V0HOME"},
            "view": {"id": "V0HOME", "type": "home", "blocks": [], "private_metadata": "", "callback_id": "assure.home",
                     "state": {"values": {}}, "hash": "1.home"},
            "actions": [{**button, "block_id": block_id, "action_ts": f"{time.time():.6f}"}],
        })
        return await self.post_payload(payload)

    async def submit(self, user: str, view: dict[str, Any], values: dict[str, str],
                     view_id: str | None = None) -> ClientResponse:
        """A modal submitted with these values, each in the state shape its input type has.
        The view id is the one Slack gave the last opened view unless another is named."""
        view_id = view_id or self.fake.opened_views[-1]
        state: dict[str, dict[str, Any]] = {}
        for block in view["blocks"]:
            if block.get("type") != "input":
                continue
            element = block["element"]
            value = values.get(block["block_id"])
            if element["type"] == "static_select":
                chosen = next((o for o in element["options"] if o["value"] == value), None)
                state[block["block_id"]] = {"value": {"type": "static_select", "selected_option": chosen}}
            elif element["type"] == "datepicker":
                state[block["block_id"]] = {"value": {"type": "datepicker", "selected_date": value}}
            else:
                state[block["block_id"]] = {"value": {"type": "plain_text_input", "value": value}}
        payload = self._base("view_submission", user)
        payload.update({
            "view": {**view, "id": view_id, "team_id": self.team, "state": {"values": state}, "hash": "1.form",
                     "root_view_id": view_id, "app_id": "A0ASSURE", "bot_id": "B0BOT"},
            "response_urls": [],
        })
        return await self.post_payload(payload)

    async def global_shortcut(self, user: str, callback_id: str = "raise_escalation") -> ClientResponse:
        payload = self._base("shortcut", user)
        payload.update({"callback_id": callback_id, "action_ts": f"{time.time():.6f}"})
        return await self.post_payload(payload)

    async def message_shortcut(self, user: str, text: str, *, channel: str = "C0ARG",
                               ts: str = "1789990000.123400") -> ClientResponse:
        payload = self._base("message_action", user)
        payload.update({
            "callback_id": "escalate_message", "action_ts": f"{time.time():.6f}",
            "channel": {"id": channel, "name": "arg"}, "message_ts": ts,
            "message": {"type": "message", "user": "U0SOMEONE", "ts": ts, "text": text},
            "response_url": self.fake.respond_url(f"msg{next(_ids)}"),
        })
        return await self.post_payload(payload)

    async def event(self, event: dict[str, Any]) -> ClientResponse:
        body = json.dumps({"token": "legacy", "team_id": self.team, "api_app_id": "A0ASSURE", "event": event,
                           "type": "event_callback", "event_id": f"Ev{next(_ids):08d}",
                           "event_time": int(time.time()),
                           "authorizations": [{"team_id": self.team, "user_id": "U0BOT", "is_bot": True}]})
        return await self.post(body, "application/json")

    async def home_opened(self, user: str) -> ClientResponse:
        return await self.event({"type": "app_home_opened", "user": user, "channel": "D0DM", "tab": "home",
                                 "event_ts": f"{time.time():.6f}"})

    # --- reading what the bot did --------------------------------------------------------

    async def settled(self) -> None:
        """Wait until the bot has finished what it does after acknowledging."""
        await self.adapter.settle()

    def last_view_opened(self) -> dict[str, Any]:
        return self.fake.called("views.open")[-1].args["view"]


async def start_workspace(engine, clock, *, fake: FakeSlack | None = None, processes: int = 0, **settings: Any):
    """The real app (build_app) on a local port, with Slack configured against the fake;
    `processes`: how many worker processes answer quick commands, as `serve` has them."""
    from bot.server import DISPATCHER, build_app
    from bot.slack.setup import SLACK
    from tests.conftest import travelling

    fake = fake or await FakeSlack(token=BOT_TOKEN).start()
    app = build_app(engine, settings=slack_settings(fake, **settings), clock=clock, processes=processes)
    travelling(app[DISPATCHER])
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    await app[SLACK].settle()  # as on a server that has been up a moment: the start-up checks are done
    return Workspace(client, fake, app[SLACK])


@pytest.fixture
async def slack(demo, clock):
    """The demo partnership's AssureBot with Slack configured against the fake Web API."""
    workspace = await start_workspace(demo, clock)
    yield workspace
    await workspace.settled()
    await workspace.client.close()
    await workspace.fake.stop()
    assert workspace.fake.invalid == [], "Slack would have refused these"
