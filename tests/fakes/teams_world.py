"""Teams as the tests see it: the real aiohttp app on a local port, the fake Bot Connector, and
activities built the way Teams sends them (channelId msteams, channelData with tenant and team,
from.aadObjectId, conversation.conversationType, serviceUrl pointing at the fake).

Every card the bot sends or updates is checked against the Adaptive Card 1.5 schema when the
test ends, and must use only the elements Teams renders on phones.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import select

from bot.server import DISPATCHER, build_app
from bot.settings import Settings
from bot.teams.setup import TEAMS
from messages.teams_cards import ACTION_TYPES, ELEMENT_TYPES, walk
from models.db import session_for
from models.partnership import Member
from tests.conftest import travelling
from tests.fakes.bot_connector import FakeBotConnector

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "adaptive-card-1.5.json"  # see its README
BOT_ID = "28:assurebot-app-id"
BOT_NAME = "AssureBot"
TENANT = "tenant-1"
TEAM_ID = "19:arg-team@thread.tacv2"  # the team, and its General channel
CHANNEL_ID = TEAM_ID
GROUP_CHAT_ID = "19:meeting-prep@thread.v2"


@lru_cache(maxsize=1)
def card_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def card_problems(card: dict) -> list[str]:
    """Why a card would not render in Teams: schema errors, and elements outside the allowed set."""
    from jsonschema import Draft6Validator
    from jsonschema.exceptions import best_match

    problems = []
    errors = list(Draft6Validator(card_schema()).iter_errors(card))
    if errors:
        best = best_match(errors)
        problems.append(f"{'/'.join(map(str, best.absolute_path))}: {best.message[:200]}")
    kinds = {node["type"] for node in walk(card)} - {"AdaptiveCard"}
    unexpected = kinds - ELEMENT_TYPES - ACTION_TYPES
    if unexpected:
        problems.append(f"elements Teams may not render on phones: {sorted(unexpected)}")
    if float(card.get("version", "99")) > 1.5:
        problems.append(f"version {card.get('version')} is above 1.5")
    if not card.get("fallbackText"):
        problems.append("no fallbackText")
    return problems


def assert_valid_card(card: dict) -> None:
    assert card_problems(card) == []


def card_text(card: dict | None) -> str:
    """Every piece of text on a card, as one string (escaped as the card has it)."""
    if not card:
        return ""
    parts = []
    for node in walk(card):
        for key in ("text", "title", "value", "label"):
            if isinstance(node.get(key), str):
                parts.append(node[key])
        for fact in node.get("facts", []) if node.get("type") == "FactSet" else []:
            parts.extend((fact["title"], fact["value"]))
    return "\n".join(parts)


def unescaped(text: str) -> str:
    """What a reader sees: Teams drops the backslash before an escaped character."""
    import re

    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")


def submits(card: dict) -> list[dict]:
    """Every Action.Submit on a card, including those inside ShowCards."""
    return [node for node in walk(card) if node.get("type") == "Action.Submit"]


def submit_titled(card: dict, title: str, *, item: str | None = None) -> dict:
    found = [a for a in submits(card) if a["title"] == title and (item is None or
                                                                    a["data"]["assurebot"].get("item") == item)]
    assert found, f"no {title!r} button on the card"
    return found[0]


@dataclass
class TeamsUser:
    """A person with a Teams account: their Teams id, AAD id and email."""

    email: str
    name: str
    user_id: str
    aad_id: str

    def account(self) -> dict:
        return {"id": self.user_id, "name": self.name, "aadObjectId": self.aad_id}


@dataclass
class TeamsWorld:
    """The running app, the fake connector, and a way to post activities as Teams would."""

    engine: Any
    connector: FakeBotConnector
    app: web.Application
    url: str
    http: aiohttp.ClientSession
    sleeps: list[float] = field(default_factory=list)
    paced: list[float] = field(default_factory=list)  # waits to keep to Teams' limits
    _ids: Any = field(default_factory=lambda: itertools.count(1_700_000_000_000))

    # People ---------------------------------------------------------------------------------------

    def user(self, email: str, *, linked: bool = True, known_to_teams: bool = True,
             name: str | None = None) -> TeamsUser:
        """A Teams account for a member (or a stranger); `linked` stores their AAD id on the member."""
        slug = email.split("@")[0].replace(".", "-")
        with session_for(self.engine) as session:
            member = session.exec(select(Member).where(Member.email == email)).first()
            shown = name or (member.name if member else slug)
            if member is not None and linked:
                member.teams_aad_id = f"aad-{slug}"
                session.add(member)
                session.commit()
        person = TeamsUser(email=email, name=shown, user_id=f"29:{slug}", aad_id=f"aad-{slug}")
        if known_to_teams:
            self.connector.add_account(person.user_id, name=shown, aad_id=person.aad_id, email=email)
        return person

    def personal_id(self, user: TeamsUser) -> str:
        return self.connector.personal_conversation_id(user.user_id)

    def member(self, email: str) -> Member:
        with session_for(self.engine) as session:
            return session.exec(select(Member).where(Member.email == email)).one()

    @property
    def gateway(self):
        return self.app[TEAMS]

    # Activities -----------------------------------------------------------------------------------

    def conversation(self, user: TeamsUser, where: str, *, thread: str | None = None) -> dict:
        if where == "personal":
            return {"conversationType": "personal", "tenantId": TENANT, "id": self.personal_id(user)}
        if where == "channel":
            return {"isGroup": True, "conversationType": "channel", "tenantId": TENANT,
                    "id": f"{CHANNEL_ID};messageid={thread or next(self._ids)}"}
        return {"isGroup": True, "conversationType": "groupChat", "tenantId": TENANT, "id": GROUP_CHAT_ID}

    def channel_data(self, where: str) -> dict:
        data: dict[str, Any] = {"tenant": {"id": TENANT}}
        if where == "channel":
            data.update(teamsChannelId=CHANNEL_ID, teamsTeamId=TEAM_ID, channel={"id": CHANNEL_ID},
                        team={"id": TEAM_ID})
        return data

    def activity(self, kind: str, user: TeamsUser, where: str = "personal", **values) -> dict:
        activity = {
            "type": kind, "id": str(next(self._ids)), "timestamp": "2026-11-23T09:00:00.000Z",
            "serviceUrl": self.connector.url, "channelId": "msteams", "from": user.account(),
            "conversation": self.conversation(user, where, thread=values.pop("thread", None)),
            "recipient": {"id": BOT_ID, "name": BOT_NAME}, "locale": "en-GB",
            "channelData": self.channel_data(where),
        }
        activity.update(values)
        return activity

    def message(self, user: TeamsUser, text: str, where: str = "personal") -> dict:
        if where == "personal":
            return self.activity("message", user, where, text=text, textFormat="plain")
        mention = f"<at>{BOT_NAME}</at>"
        return self.activity("message", user, where, text=f"{mention} {text}", textFormat="plain", entities=[
            {"type": "mention", "text": mention, "mentioned": {"id": BOT_ID, "name": BOT_NAME}}])

    def submit(self, user: TeamsUser, action: dict, reply_to: str, where: str = "personal",
               inputs: dict[str, str] | None = None, thread: str | None = None) -> dict:
        """What Teams sends when someone presses an Action.Submit: its data merged with the inputs."""
        value = dict(action["data"])
        value.update(inputs or {})
        return self.activity("message", user, where, value=value, replyToId=reply_to, thread=thread)

    def form_inputs(self, action: dict, **values: str) -> dict[str, str]:
        """Input values keyed as the card names them (form-N-FIELD)."""
        prefix = action["data"]["assurebot"]["fields"]
        return {f"{prefix}{name}": value for name, value in values.items()}

    def installed(self, user: TeamsUser, where: str = "personal") -> dict:
        members = [{"id": BOT_ID}] if where != "personal" else [{"id": BOT_ID}, {"id": user.user_id}]
        activity = self.activity("conversationUpdate", user, where, membersAdded=members)
        activity["conversation"]["id"] = activity["conversation"]["id"].split(";")[0]  # not in a thread
        return activity

    def installation_update(self, user: TeamsUser, action: str, where: str = "personal") -> dict:
        activity = self.activity("installationUpdate", user, where, action=action)
        activity["conversation"]["id"] = activity["conversation"]["id"].split(";")[0]
        return activity

    async def post(self, activity: dict, *, headers: dict | None = None) -> int:
        """POST an activity to /api/messages as Teams does; returns the HTTP status."""
        async with self.http.post(f"{self.url}/api/messages", json=activity, headers=headers or {}) as response:
            await response.read()
            status = response.status
        await self.gateway.settle()
        return status

    async def say(self, user: TeamsUser, text: str, where: str = "personal") -> int:
        return await self.post(self.message(user, text, where))

    # What people saw ------------------------------------------------------------------------------

    def cards_to(self, conversation_id: str) -> list[dict]:
        return [c.card for c in self.connector.sent(conversation_id) if c.card]

    def last_card_to(self, conversation_id: str) -> tuple[dict, str]:
        """The last card posted in a conversation and its message id (for pressing its buttons)."""
        calls = [c for c in self.connector.sent(conversation_id) if c.card]
        assert calls, f"nothing was posted in {conversation_id}"
        return calls[-1].card, calls[-1].message_id

    def check_cards(self) -> None:
        for call in self.connector.calls:
            if call.card is not None and call.status < 300:
                assert_valid_card(call.card)


async def start_world(engine, clock, *, settings: Settings | None = None, processes: int = 0) -> TeamsWorld:
    """`processes`: how many worker processes answer quick commands, as `serve` has them."""
    connector = FakeBotConnector()
    await connector.start()
    app = build_app(engine, settings=settings or Settings(_env_file=None, teams_local_mode=True), clock=clock,
                    processes=processes)
    travelling(app[DISPATCHER])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    world = TeamsWorld(engine=engine, connector=connector, app=app, url=f"http://127.0.0.1:{port}",
                       http=aiohttp.ClientSession())
    world.runner = runner

    async def no_wait(seconds: float) -> None:  # tests never wait: they note how long the bot would
        world.sleeps.append(seconds)

    async def paced(seconds: float) -> None:  # nor wait for Teams' pace: the waits are noted apart
        world.paced.append(seconds)

    app[TEAMS].policy.sleep = no_wait
    app[TEAMS].pace.sleep = paced
    return world


async def stop_world(world: TeamsWorld) -> None:
    await world.http.close()
    await world.runner.cleanup()
    await world.connector.stop()


@pytest.fixture
async def teams(demo, clock):
    """The demo partnership on Teams in the local mode (unauthenticated, loopback only, as with the Emulator)."""
    world = await start_world(demo, clock)
    try:
        yield world
        world.check_cards()
    finally:
        await stop_world(world)
