"""Every Adaptive Card the bot sends in Teams, collected by driving the real bot through its Bot
Connector fake (tests/fakes/teams_world.py) and kept as JSON files for rendering and for reading.

Each card is named `<who>-<what>`: the role of the person who did something (admin, chair, police,
practitioner), what they typed or pressed, and, for a card that went to somebody else, `to-<whom>`.
A card the bot updated in place after a tap ends in `-updated`. Besides those: `channel-<what>` (the
chair asking in a team channel), `stranger-<what>` (somebody not registered) and
`digest-<date>-<whom>` (a day's reminders, with `-press-<button>` for what pressing one did).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlmodel import select

from bot.demo import demo_yaml
from bot.settings import Settings
from models.clock import FixedClock
from models.db import make_engine, migrate, session_for
from models.loader import load_text
from models.partnership import Member
from tests.conftest import ADMIN, CHAIR, DEFAULT_NOW, POLICE, PRACTITIONER
from tests.fakes.teams_world import TeamsUser, TeamsWorld, start_world, stop_world

ROLES = {"admin": ADMIN, "chair": CHAIR, "police": POLICE, "practitioner": PRACTITIONER}
OUT = Path(__file__).resolve().parent / "out" / "cards"

# What a person would type into a form, by the field's name; choices fall back to the first option.
FILLED = {
    "summary": "Two police desk posts vacant since October", "case_reference": "POL-2291",
    "title": "Refresh the neglect toolkit", "owner": "mark.evans@police.example.org",
    "email": "sam.lee@housing.example.org", "name": "Sam Lee", "period": "Q3 2026/27", "due": "2027-01-15",
    "date": "2027-03-02", "time": "10:00", "location": "Council House, Committee Room 2",
    "source": "Neglect audit 2026", "text": "Draft shared with the council", "outcome": "Agreed a joint visit",
    "category": "capacity", "urgency": "routine", "kind": "dataset", "agency": "police", "group": "arg",
    "role": "member",
}
NHS_NUMBER = "943 476 5919"


def slug(text: str, limit: int = 48) -> str:
    """A file-name-safe version of what was typed or pressed."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(words) > limit:
        words = words[:limit + 1].rsplit("-", 1)[0]  # whole words only
    return words or "blank"


def words(card: dict | None) -> str:
    """Every piece of text on a card as a reader sees it (markdown escapes dropped), one per line."""
    parts: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, list):
            for child in node:
                visit(child)
        elif isinstance(node, dict) and node.get("type") == "RichTextBlock":
            parts.append("".join(run if isinstance(run, str) else str(run.get("text", ""))
                                 for run in node.get("inlines") or []))
        elif isinstance(node, dict):
            for key in ("text", "title", "value", "label", "placeholder"):
                if isinstance(node.get(key), str):
                    parts.append(node[key])
            for key, child in node.items():
                if isinstance(child, (list, dict)) and key != "data":
                    visit(child)

    visit(card)
    return re.sub(r"\\(.)", r"\1", "\n".join(parts)).replace("\u200b", "")


def without_nonces(card: dict) -> str:
    """The card as JSON with the per-card nonce taken out, to tell identical cards apart from new ones."""
    return re.sub(r'"nonce": "[0-9a-f]+"', '"nonce": ""', json.dumps(card, sort_keys=True))


@dataclass
class Collection:
    """The collected cards by name, in the order they were sent."""

    cards: dict[str, dict] = field(default_factory=dict)

    def add(self, name: str, card: dict) -> str:
        unique, n = name, 2
        while unique in self.cards:
            unique, n = f"{name}-{n}", n + 1
        self.cards[unique] = card
        return unique

    def save(self, folder: Path = OUT) -> None:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for name, card in self.cards.items():
            (folder / f"{name}.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n",
                                                 encoding="utf-8")

    def unique(self) -> dict[str, list[str]]:
        """One name per distinct card (nonces aside), with every name that card was sent under."""
        seen: dict[str, list[str]] = {}
        for name, card in self.cards.items():
            seen.setdefault(without_nonces(card), []).append(name)
        return {names[0]: names for names in seen.values()}


@dataclass
class Demo:
    """One demo partnership on Teams with everybody in it having added AssureBot."""

    world: TeamsWorld
    clock: FixedClock
    people: dict[str, TeamsUser]
    collection: Collection
    folder: Path

    def whom(self, conversation_id: str) -> str:
        for email, user in self.people.items():
            if self.world.personal_id(user) == conversation_id:
                role = next((r for r, e in ROLES.items() if e == email), None)
                return role or slug(email.split("@")[0])
        return "channel" if conversation_id.startswith("19:") else slug(conversation_id)

    async def step(self, name: str, act: Callable[[], Awaitable[object]], *, me: TeamsUser | None = None
                   ) -> list[tuple[str, dict, str | None]]:
        """Do something and collect every card the bot sent or updated because of it.

        Returns (name, card, message id) for the cards that went to `me` (or to a channel)."""
        since = len(self.world.connector.calls)
        await act()
        mine = []
        for call in self.world.connector.calls[since:]:
            if call.card is None or call.status >= 300 or call.kind not in ("send", "reply", "update"):
                continue
            to = self.whom(call.conversation_id.split(";")[0])
            own = me is not None and call.conversation_id == self.world.personal_id(me)
            label = name if own or to == "channel" else f"{name}-to-{to}"
            if call.kind == "update":
                label += "-updated"
            stored = self.collection.add(label, call.card)
            if own or to == "channel":
                mine.append((stored, call.card, call.message_id if call.kind != "update" else call.activity_id))
        return mine


async def open_demo(template: Path, collection: Collection, role: str | None = None) -> Demo:
    """A fresh copy of the migrated database, the demo partnership, and everybody installed in Teams;
    the welcome card of `role`'s person is collected."""
    folder = Path(tempfile.mkdtemp(prefix="assurebot-e2e-"))
    shutil.copy(template, folder / "demo.db")
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    clock = FixedClock(DEFAULT_NOW)
    with session_for(engine) as db:
        load_text(demo_yaml(clock.now().date()), session=db)
        emails = [m.email for m in db.exec(select(Member).order_by(Member.id))]
    # One person pressing everything in a few seconds would be asked to slow down; nobody is, here.
    world = await start_world(engine, clock, settings=Settings(_env_file=None, teams_local_mode=True,
                                                               command_burst=100_000, commands_per_second=1000))
    people = {email: world.user(email, linked=False) for email in emails}
    demo = Demo(world, clock, people, collection, folder)
    for email, user in people.items():
        if role is not None and email == ROLES[role]:
            await demo.step(f"{role}-welcome", lambda u=user: world.post(world.installed(u)), me=user)
        else:  # so that notices and reminders reach them in Teams
            await world.post(world.installed(user))
    world.connector.calls.clear()
    return demo


async def close_demo(demo: Demo) -> None:
    await stop_world(demo.world)
    demo.world.engine.dispose()
    shutil.rmtree(demo.folder, ignore_errors=True)


def migrated_template(folder: Path) -> Path:
    path = folder / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


# Pressing buttons and filling forms ---------------------------------------------------------------

def inputs_of(card: dict) -> list[dict]:
    found = []

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found.append(node)
            for key in ("body", "items", "columns"):
                for child in node.get(key) or []:
                    visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    visit(card)
    return found


def filled(form_card: dict, submit: dict, **overrides: str) -> dict[str, str]:
    """Values a person would give the inputs a submit action sends (by input id)."""
    prefix = submit["data"]["assurebot"].get("fields") or ""
    values = {}
    for node in inputs_of(form_card):
        if not node["id"].startswith(prefix):
            continue
        name = node["id"][len(prefix):]
        value = overrides.get(name, FILLED.get(name))
        if node["type"] == "Input.ChoiceSet":
            choices = [c["value"] for c in node.get("choices", [])]
            value = value if value in choices else (choices[0] if choices else "")
        elif node["type"] == "Input.Date":
            value = value if value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else "2027-01-15"
        values[node["id"]] = value or "Checked with the team"
    return values


def buttons(card: dict) -> list[tuple[dict, dict, str]]:
    """Every Action.Submit a person can reach on a card, the first of each title, including those behind a
    ShowCard: (action, the card holding the inputs it sends, the ShowCard's title or "")."""
    found: list[tuple[dict, dict, str]] = []
    titles: set[str] = set()

    def visit(node: object, holder: dict, behind: str) -> None:
        if isinstance(node, list):
            for child in node:
                visit(child, holder, behind)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind == "Action.ShowCard":
            visit(node.get("card") or {}, node.get("card") or {}, node.get("title", ""))
            return
        if kind == "Action.Submit":
            if node.get("title") not in titles:
                titles.add(node.get("title"))
                found.append((node, holder, behind))
            return
        for key in ("body", "items", "columns", "actions"):
            visit(node.get(key) or [], holder, behind)

    visit(card, card, "")
    return found


def is_form(action: dict) -> bool:
    return bool(action["data"]["assurebot"].get("form"))


async def submit_form(demo: Demo, me: TeamsUser, name: str, form_card: dict, submit: dict,
                      message_id: str, **overrides: str) -> list[tuple[str, dict, str | None]]:
    """A form sent empty (refused), then filled in."""
    world = demo.world
    await demo.step(f"{name}-empty", lambda: world.post(world.submit(
        me, submit, message_id, inputs={n["id"]: "" for n in inputs_of(form_card)})), me=me)
    return await demo.step(f"{name}-filled", lambda: world.post(world.submit(
        me, submit, message_id, inputs=filled(form_card, submit, **overrides))), me=me)


async def press_everything(demo: Demo, me: TeamsUser, name: str, card: dict, message_id: str | None) -> None:
    """Press each button on a card once (the first of each title) and fill in each of its forms."""
    if not message_id:
        return
    world = demo.world
    for action, holder, behind in buttons(card):
        label = slug(f"{behind} {action['title']}" if behind else action["title"], 32)
        if is_form(action):
            await submit_form(demo, me, f"{name}-{label}", holder, action, message_id)
        else:
            await demo.step(f"{name}-press-{label}", lambda a=action: world.post(world.submit(me, a, message_id)),
                            me=me)


# What each role does ---------------------------------------------------------------------------------

# Typed bare, each opens its form (meeting #3: the examples before have moved and cancelled #2).
FORM_VERBS = ("escalate", "action add", "paper add", "return add", "member add", "meeting add", "meeting move 3")


async def as_role(template: Path, collection: Collection, role: str) -> None:
    """Every verb's example as one role, the buttons on what comes back, the bare forms and some refusals."""
    from handlers.dispatch import REGISTRY

    demo = await open_demo(template, collection, role)
    world, me = demo.world, demo.people[ROLES[role]]
    try:
        for verb in REGISTRY.values():
            name = f"{role}-{slug(verb.example)}"
            for stored, card, message_id in await demo.step(name, lambda v=verb: world.say(me, v.example), me=me):
                await press_everything(demo, me, stored, card, message_id)
        for verb in FORM_VERBS:
            replies = await demo.step(f"{role}-{slug(verb)}-form", lambda v=verb: world.say(me, v), me=me)
            for stored, card, message_id in replies:
                if verb == "escalate":
                    await escalation_refused_then_corrected(demo, me, stored, card, message_id)
                else:
                    await press_everything(demo, me, stored, card, message_id)
        await demo.step(f"{role}-help", lambda: world.say(me, "help"), me=me)  # the first thing people type
        await demo.step(f"{role}-typo-quorom", lambda: world.say(me, "quorom"), me=me)
        await demo.step(f"{role}-action-done-missing", lambda: world.say(me, "action done 999"), me=me)
        if role == "chair":
            for line in ("help", "quorum arg", "papers arg", "actions"):
                await demo.step(f"channel-{slug(line)}", lambda t=line: world.say(me, t, where="channel"), me=me)
    finally:
        await close_demo(demo)


async def escalation_refused_then_corrected(demo: Demo, me: TeamsUser, name: str, card: dict,
                                            message_id: str | None) -> None:
    """The escalation form sent empty, then with an NHS number in the summary (refused), then corrected."""
    world = demo.world
    submit = next(a for a, _, _ in buttons(card) if a["title"] == "Raise escalation")
    await demo.step(f"{name}-empty", lambda: world.post(world.submit(
        me, submit, message_id, inputs={n["id"]: "" for n in inputs_of(card)})), me=me)
    refused = await demo.step(f"{name}-nhs-number", lambda: world.post(world.submit(
        me, submit, message_id, inputs=filled(card, submit, summary=f"Child with NHS number {NHS_NUMBER} not "
                                                                    "seen by a health visitor since March"))), me=me)
    again_card = refused[-1][1] if refused else card
    again = next((a for a, _, _ in buttons(again_card) if a["title"] == "Raise escalation"), submit)
    await demo.step(f"{name}-corrected", lambda: world.post(world.submit(
        me, again, message_id, inputs=filled(again_card, again, summary="Child CS-4410 not seen by a health "
                                                                        "visitor since March"))), me=me)


async def stranger(template: Path, collection: Collection) -> None:
    """Somebody the partnership has not registered."""
    demo = await open_demo(template, collection)
    try:
        world = demo.world
        kim = world.user("kim.lee@elsewhere.example.org", name="Kim Lee")
        await demo.step("stranger-whoami", lambda: world.say(kim, "whoami"), me=kim)
    finally:
        await close_demo(demo)


async def digests(template: Path, collection: Collection, days: int = 10) -> None:
    """Ten working days of reminder digests to everybody in Teams, and the buttons on the first day's."""
    from bot.server import DELIVERY
    from schedules.remind import ReminderJobs

    demo = await open_demo(template, collection)
    world, clock = demo.world, demo.clock
    jobs = ReminderJobs(world.engine, world.app[DELIVERY], clock=clock)
    try:
        day, sent_days = DEFAULT_NOW, 0
        while sent_days < days:
            if day.weekday() < 5:
                clock.moment = datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc)
                since = len(world.connector.calls)
                await jobs.run_day()
                await world.gateway.settle()
                first = sent_days == 0
                for call in world.connector.calls[since:]:
                    if call.card is None or call.status >= 300:
                        continue
                    who = demo.whom(call.conversation_id)
                    stored = collection.add(f"digest-{day:%Y-%m-%d}-{who}", call.card)
                    if first and who in ROLES:
                        await press_everything(demo, demo.people[ROLES[who]], stored, call.card,
                                               call.message_id)
                sent_days += 1
            day += timedelta(days=1)
    finally:
        await close_demo(demo)


async def collect_everything() -> Collection:
    """Drive the bot through every role, the digests and a stranger; return every card it sent."""
    collection = Collection()
    with tempfile.TemporaryDirectory(prefix="assurebot-e2e-template-") as folder:
        template = migrated_template(Path(folder))
        for role in ROLES:
            await as_role(template, collection, role)
        await stranger(template, collection)
        await digests(template, collection)
    return collection
