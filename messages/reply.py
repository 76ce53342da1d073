"""The neutral reply every handler returns; each platform's renderer turns it into its own format.

A button carries the console command that does the same thing, so every platform can send it
back as an ordinary command and the console can simply print it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum


class Tone(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


class FieldKind(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    CHOICE = "choice"
    DATE = "date"
    MEMBER = "member"  # a person, chosen from a list the handler supplies as options


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    max_length: int | None = None
    options: tuple[Choice, ...] = ()
    initial: str | None = None
    hint: str | None = None
    # The rule an answer must meet beyond being given, one of the choices and within its length:
    # check(answer, today) says what is wrong, or None. The console applies it as each answer is
    # typed, and the handler applies the same when the form comes back from any platform.
    check: Callable[[str, date], str | None] | None = field(default=None, compare=False, repr=False)

    @property
    def bare_label(self) -> str:
        """The label without a closing "(optional)", for saying which field a problem is about."""
        return _OPTIONAL.sub("", self.label)

    @property
    def shown_label(self) -> str:
        """The label, saying "(optional)" once when the answer may be left out."""
        return self.label if self.required or self.bare_label != self.label else f"{self.label} (optional)"


_OPTIONAL = re.compile(r"\s*\(optional\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Form:
    """A short form. Submitting it runs `command` with the field values as form values."""

    form_id: str
    title: str
    command: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"
    intro: str | None = None

    def filled(self, values: Mapping[str, str]) -> Form:
        """The form with these answers as its fields' initial values, each within its length."""
        return replace(self, fields=tuple(
            replace(f, initial=values[f.name][: f.max_length or None]) if values.get(f.name) else f
            for f in self.fields))

    def label_of(self, name: str) -> str | None:
        """The label people see for the field called `name`, or None when the form has no such field."""
        return next((f.bare_label for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Button:
    """A next step. `command` is what the console would type to do the same."""

    label: str
    command: str
    style: str | None = None  # "primary" or "danger"
    form: Form | None = None  # a button that opens a form instead of acting at once


@dataclass
class Item:
    """One line of a list (an action, a return, a paper) with its own buttons."""

    text: str
    key: str = ""  # e.g. "action:12", so an adapter can update one item in place
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply (a report as CSV or XLSX, a chart as PNG)."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Notice:
    """A private message to another member, sent as part of handling a command."""

    member_id: int
    reply: "Reply"


@dataclass(frozen=True)
class EscalationAlert:
    """All that may be said of an escalation where its words must not go (an email): that it needs
    attention, its number, category, urgency and when it was raised."""

    number: int
    category: str
    urgency: str
    raised: str
    headline: str = "An escalation needs your attention"


@dataclass
class Reply:
    """What the bot says back. Built by handlers from templates; rendered per platform."""

    text: str
    title: str | None = None
    tone: Tone = Tone.INFO
    fields: list[tuple[str, str]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    more: int = 0  # items left out of `items`, with `more_hint` saying where to see them
    more_hint: str | None = None
    buttons: list[Button] = field(default_factory=list)
    form: Form | None = None
    # Field-level problems for a submitted form, keyed by field name.
    errors: dict[str, str] = field(default_factory=dict)
    # Content about one person's own items or an escalation: never post in a shared channel.
    private: bool = False
    # Others to tell privately (escalation handlers, a deputy who was named).
    notices: list[Notice] = field(default_factory=list)
    # True when the command changed something in the database.
    changed: bool = False
    files: list[Attachment] = field(default_factory=list)
    # Set on anything about one escalation: an email says only this, never the escalation's words.
    escalation: EscalationAlert | None = None

    @property
    def is_error(self) -> bool:
        return self.tone == Tone.ERROR

    def labelled_errors(self) -> list[tuple[str | None, str]]:
        """Each problem with the label of the field it is about, as people saw it (None: about no field
        of the form), to be shown after the text: one the text says already (a line typed, with no
        field to mark) is left out, so it is not said twice."""
        return [(self.form.label_of(name) if self.form else name.replace("_", " ").capitalize(), problem)
                for name, problem in self.errors.items() if problem not in self.text]


def for_everyone(reply: Reply) -> Reply:
    """The reply as it may be posted where others read it: the same words, no buttons and no form
    (each was offered to the person who asked, and another reader may not be allowed to press it)."""
    return replace(reply, buttons=[], form=None,
                   items=[replace(item, buttons=[]) for item in reply.items])
