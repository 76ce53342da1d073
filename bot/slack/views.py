"""Where a Slack button or modal came from, and small helpers for showing a result in the right place."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from handlers.core import parse_command
from messages.reply import Button, Form, Reply, Tone
from models.identifiers import ESCALATION, GENERAL, PLACE, mask_identifiers

REMEMBERED_VIEWS = 1000  # submissions and origins kept to recognise a modal submitted twice
FORM_UNAVAILABLE = ("I couldn't open the form: Slack didn't answer in time. Nothing was saved. "
                    "Press the button to try again.")


@dataclass(frozen=True)
class SlackUser:
    """Who pressed or typed something, in which workspace. The email comes from users.info."""

    id: str
    team_id: str | None = None
    enterprise_id: str | None = None
    email: str | None = None
    name: str = ""


@dataclass
class Place:
    """Where a button or modal came from, so its result can be shown in the right place."""

    user: SlackUser
    home: bool = False
    channel: str | None = None
    ts: str | None = None
    ephemeral: bool = False
    response_url: str | None = None
    block_id: str | None = None

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def personal(self) -> bool:
        """Only this person sees it (an ephemeral reply or their DM with the bot), so it may change."""
        return self.ephemeral or (self.channel or "").startswith("D")

    def to_metadata(self) -> dict[str, Any]:
        if self.home:
            return {"h": 1}
        return {k: v for k, v in {"ch": self.channel, "ts": self.ts, "e": int(self.ephemeral),
                                  "u": self.response_url, "b": self.block_id}.items() if v}

    @classmethod
    def from_metadata(cls, user: SlackUser, meta: dict[str, Any]) -> Place:
        return cls(user=user, home=bool(meta.get("h")), channel=meta.get("ch"), ts=meta.get("ts"),
                   ephemeral=bool(meta.get("e")), response_url=meta.get("u"), block_id=meta.get("b"))

    @classmethod
    def of_action(cls, user: SlackUser, body: dict[str, Any]) -> Place:
        container = body.get("container") or {}
        view = body.get("view") or {}
        action = (body.get("actions") or [{}])[0]
        return cls(
            user=user,
            home=container.get("type") == "view" and view.get("type") == "home",
            channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            ts=container.get("message_ts"),
            ephemeral=bool(container.get("is_ephemeral")),
            response_url=body.get("response_url"),
            block_id=action.get("block_id"),
        )


def prefilled(form: Form, **values: str) -> Form:
    """The form with some fields filled in (within each field's length)."""
    fields = tuple(
        replace(f, initial=values[f.name][: f.max_length or None]) if values.get(f.name) else f for f in form.fields
    )
    return replace(form, fields=fields)


def form_unavailable(reply: Reply, line: str) -> Reply:
    """A form that could not be opened, as a message with a button to try again."""
    return Reply(title=reply.title, text=f"{reply.text}\n\n{FORM_UNAVAILABLE}".strip(), tone=Tone.WARNING,
                 private=True, buttons=[Button("Open the form", safe_to_carry(line), style="primary",
                                               form=reply.form)])


def safe_to_carry(line: str) -> str:
    """A line as typed, for a button to carry (Slack keeps a button's value with the message): a
    child's details in it masked, as strictly as the command itself checks them (an escalation's
    strictly, where any date that could be a child's birth is refused; a new meeting's line keeps the
    address where it meets)."""
    verb = parse_command(line).verb  # as the command itself reads it ("/escalate ..." is escalate)
    where = ESCALATION if verb.startswith("escalat") else PLACE if verb == "meeting add" else GENERAL
    return mask_identifiers(line, today=date.today(), where=where)


def remember(store: OrderedDict, key: str, value: Any) -> None:
    """Keep a bounded number of recent entries."""
    store[key] = value
    store.move_to_end(key)
    while len(store) > REMEMBERED_VIEWS:
        store.popitem(last=False)
