"""The neutral Command, the Context a handler runs in, and the registry of verbs with their rules.

A verb is registered with what it needs declared beside it:

    @command("action done", summary=..., example=..., rule=EVERYONE, target=ACTION_OF_MINE)
    def action_done(cmd, ctx) -> Reply: ...

- `rule`: whether the verb is for this person at all (help lists it, its form opens, its
  buttons are offered). A Rule is a predicate over what is known of the person.
- `target`: what the verb acts on, found from its arguments within the partnership, and
  whether this person may act on that one. A target from another partnership, or one the
  person may not even know exists (someone else's escalation), reads exactly as a missing one.

The dispatcher checks both before the handler runs, and checks every button of the answer the
same way against whoever will see it, so nothing is offered that is then refused. Handlers are
plain functions: the dispatcher runs them off the event loop.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlmodel import Session

from messages.reply import Reply
from models.calendar import WorkingCalendar
from models.clock import Clock
from models.partnership import Member, Partnership
from models.permissions import Person
from models.scope import Scope


@dataclass(frozen=True)
class Command:
    """What somebody asked for, whatever platform it came from."""

    verb: str
    args: tuple[str, ...] = ()
    text: str = ""  # everything after the verb, as typed
    form: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    platform: str = "console"

    def __reduce__(self):
        """Sent whole to the process that runs reports: the read-only form travels as a plain dict."""
        return _command, (self.verb, self.args, self.text, dict(self.form), self.platform)

    def text_after(self, count: int, *, options: bool = False) -> str:
        """What was typed after the first `count` words, exactly as typed (only its ends trimmed): the
        free text of a title, a place or a note, with its apostrophes, quotes and spacing as they were.

        With `options`, key=value options are not counted among the words, and those before the text
        and after it are left out of it (the handler reads them as fields). One in the middle of the
        text could be either, so it is refused, saying how to give it."""
        words = words_of(self.text)
        if not options:
            return _said(self.text[words[count].start:].strip()) if len(words) > count else ""
        free = [w for w in words if not is_option(w)]
        if len(free) <= count:
            return ""
        start, end = free[count].start, free[-1].end
        inside = [w for w in words if is_option(w) and start < w.start < end]
        if inside:
            key = inside[0].typed.partition("=")[0]
            raise UserError(f"`{key}=` is in the middle of the text, so I can't tell whether it is part of it. "
                            f"Put options such as {key}= before the text or after it; or, if it belongs to the "
                            f"text, give the whole text in quotes as its field (title=\"...\", location=\"...\").")
        return _said(self.text[start:end])


def _said(text: str) -> str:
    """Free text, or "" when it says nothing: only quotes (`""`, `''`) or spaces inside them. Text
    that is all one quoted piece ("Room 3, Riverside House") is what is inside the quotes."""
    words = words_of(text)
    if not any(word.value.strip() for word in words):
        return ""
    if len(words) == 1 and words[0].typed[:1] in QUOTES and words[0].typed != words[0].value:
        return words[0].value.strip()
    return text


def _command(verb: str, args: tuple[str, ...], text: str, form: dict[str, str], platform: str) -> Command:
    return Command(verb=verb, args=args, text=text, form=MappingProxyType(form), platform=platform)


@dataclass
class Context:
    """What a handler may use: the session (bound to the partnership), the time, and who is asking."""

    session: Session
    scope: Scope
    actor: Member
    person: Person
    partnership: Partnership
    calendar: WorkingCalendar
    clock: Clock
    platform: str = "console"
    # Where calendar links point and what signs them; None when calendar links are off.
    feed_links: Any = None
    # Whether this AssureBot can send email (SMTP is set up), so reminders may be chosen by email.
    email_on: bool = False
    # What the verb acts on, found and checked by the dispatcher (see Target).
    target: Any = None

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


class NotAllowed(UserError):
    """A refusal: you may not do this, and here is who can."""


@dataclass(frozen=True)
class Rule:
    """Who a verb is for. `audience` is the help section it is listed under."""

    audience: str  # everyone, chairs, admins, handlers
    allows: Callable[[Person], bool]
    refusal: Callable[[Context], str]


@dataclass(frozen=True)
class Target:
    """What a verb acts on: `find` reads it from the command within the partnership (None: not
    named yet, as when a form is still to be filled in; UserError: no such thing), and `refuse`
    says why this person may not act on it, or None when they may."""

    find: Callable[[Command, Context], Any]
    refuse: Callable[[Context, Any], str | None] = lambda ctx, target: None
    # The table whose rows the command names by number or email (None: a group, or several kinds).
    kind: type | None = None


Handler = Callable[[Command, Context], Reply]


@dataclass(frozen=True)
class Verb:
    """A command people can type, with its help line and who may run it on what."""

    name: str
    handler: Handler
    summary: str
    example: str
    usage: str
    rule: Rule
    target: Target | None = None
    # Reads a lot (a report): runs in a worker of its own, one at a time per person.
    heavy: bool = False
    # The key=value options it reads (owner=, due=...); None for a verb that reads none, whose words
    # are all its own. An option it does not read is refused, never dropped (see unknown_option).
    options: tuple[str, ...] | None = None

    @property
    def audience(self) -> str:
        return self.rule.audience


REGISTRY: dict[str, Verb] = {}

EVERYONE = Rule("everyone", lambda person: True, lambda ctx: "")


def command(name: str, *, summary: str, example: str, usage: str | None = None, rule: Rule = EVERYONE,
            target: Target | None = None, heavy: bool = False, options: tuple[str, ...] | None = None):
    """Register a handler for a verb ("quorum") or a verb and sub-verb ("action done")."""

    def register(handler: Handler) -> Handler:
        REGISTRY[name] = Verb(name, handler, summary, example, usage or name, rule, target, heavy, options)
        return handler

    return register


# Options that hold free text, which may itself hold something=like this.
TEXT_OPTIONS = ("title", "location", "name")


def unknown_option(verb: Verb, cmd: Command) -> str | None:
    """Why a typed key=value option is not one the verb reads (a slip such as `ownr=` would otherwise
    be dropped and the command run without it), or None. Only the key is repeated, never its value."""
    if verb.options is None:
        return None
    for word in words_of(cmd.text):
        key = word.typed.partition("=")[0]
        if is_option(word) and key.lower() not in verb.options:
            known = ", ".join(f"{option}=" for option in verb.options)
            texts = [option for option in verb.options if option in TEXT_OPTIONS]
            quote = (f" If `{key}=` is part of the text, give the whole text in quotes as {texts[0]}=\"...\"."
                     if texts else "")
            return (f"`{verb.name}` has no `{key}=`, so nothing was done. It reads {known}: `{verb.usage}`, "
                    f"e.g. `{verb.example}`.{quote}")
    return None


@dataclass(frozen=True)
class Word:
    """One word of a typed line: where it starts and ends in the line, and what it says."""

    start: int
    end: int
    typed: str  # as typed, quotes and all
    value: str  # what it says: quotes that group words left out


# Quotes that group words, each with the one that closes it. A straight or curly apostrophe within a
# word (Children's, teams') is only an apostrophe, never a quote.
QUOTES = {"'": "'", '"': '"', "\u2018": "\u2019", "\u201c": "\u201d"}
APOSTROPHES = ("'", "\u2019")


def words_of(line: str) -> list[Word]:
    """The words of a typed line, in order. Quotes group words into one (owner="Mark Evans",
    location='St Mary's Hall'), the quotes themselves left out of its value, as the shell's quoting
    does (so what shlex.quote writes reads back the same); a quote that is never closed is taken
    literally, as is a backslash. Nothing typed ever makes the line unreadable."""
    words: list[Word] = []
    at = 0
    while at < len(line):
        if line[at].isspace():
            at += 1
            continue
        start, parts = at, []
        while at < len(line) and not line[at].isspace():
            char = line[at]
            close = QUOTES.get(char)
            if close is None or (char in APOSTROPHES and at > start and line[at - 1].isalnum()):
                parts.append(char)
                at += 1
                continue
            end = _closing(line, at + 1, close)
            if end is None:  # never closed: the word is as typed
                while at < len(line) and not line[at].isspace():
                    at += 1
                parts = [line[start:at]]
                break
            parts.append(line[at + 1:end])
            at = end + 1
        words.append(Word(start, at, line[start:at], "".join(parts)))
    return words


def _closing(line: str, at: int, close: str) -> int | None:
    """Where the quote closes, from `at` on; an apostrophe followed by a letter (it's) does not close it."""
    while (end := line.find(close, at)) >= 0:
        if close in APOSTROPHES and end + 1 < len(line) and line[end + 1].isalnum():
            at = end + 1
            continue
        return end
    return None


def is_option(word: Word) -> bool:
    """Whether a word is a key=value option (owner=EMAIL, title="..."), its key typed unquoted."""
    key, sep, _value = word.typed.partition("=")
    return bool(sep) and key.isidentifier()


def split_words(line: str) -> list[str]:
    """Words of a command line; quotes group words, and a stray quote is taken literally."""
    return [word.value for word in words_of(line)]


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
