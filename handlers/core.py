"""The neutral Command, the Context a handler runs in, and the registry of verbs."""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlmodel import Session

from models.clock import Clock
from models.partnership import Member, Partnership
from models.calendar import WorkingCalendar
from messages.reply import Reply


@dataclass(frozen=True)
class Command:
    """What somebody asked for, whatever platform it came from."""

    verb: str
    args: tuple[str, ...] = ()
    text: str = ""  # everything after the verb, as typed
    form: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    platform: str = "console"


@dataclass
class Context:
    """What a handler may use: the database session, the time, and who is asking."""

    session: Session
    actor: Member
    partnership: Partnership
    calendar: WorkingCalendar
    clock: Clock
    platform: str = "console"
    # Where calendar links point and what signs them; None when calendar links are off.
    feed_links: Any = None

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today's date in the partnership's zone."""
        return self.calendar.local_date(self.clock.now())


class UserError(Exception):
    """Something the user can fix; the message says how."""

    def __init__(self, message: str, *, title: str | None = None, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.title = title
        self.field_errors = field_errors or {}


Handler = Callable[[Command, Context], Awaitable[Reply]]


@dataclass(frozen=True)
class Verb:
    """A command people can type, with its help line."""

    name: str
    handler: Handler
    summary: str
    example: str
    audience: str  # everyone, chairs, admins, handlers
    usage: str


REGISTRY: dict[str, Verb] = {}


def command(name: str, *, summary: str, example: str, usage: str | None = None, audience: str = "everyone"):
    """Register a handler for a verb ("quorum") or a verb and sub-verb ("action done")."""

    def register(handler: Handler) -> Handler:
        REGISTRY[name] = Verb(name, handler, summary, example, audience, usage or name)
        return handler

    return register


def split_words(line: str) -> list[str]:
    """Words of a command line; quotes group words, and a stray quote is taken literally."""
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def parse_command(line: str, *, platform: str = "console", form: Mapping[str, str] | None = None) -> Command:
    """Turn a typed line into a Command. Two-word verbs ("action done") win over one-word ones."""
    line = line.strip()
    words = line.split()
    if not words:
        return Command(verb="help", platform=platform, form=MappingProxyType(dict(form or {})))
    first = words[0].lower().lstrip("/")
    verb, consumed = first, 1
    if len(words) > 1 and f"{first} {words[1].lower()}" in REGISTRY:
        verb, consumed = f"{first} {words[1].lower()}", 2
    rest = line.split(None, consumed)[consumed] if len(words) > consumed else ""
    return Command(
        verb=verb,
        args=tuple(split_words(rest)),
        text=rest,
        form=MappingProxyType(dict(form or {})),
        platform=platform,
    )


def closest_verbs(verb: str) -> list[str]:
    """Known verbs that look like what was typed."""
    candidates = sorted(set(REGISTRY) | {n.split()[0] for n in REGISTRY})
    return difflib.get_close_matches(verb, candidates, n=3, cutoff=0.6)
