"""A Reply as JSON and back, for messages queued in the outbox (and anything else that keeps one)."""

from __future__ import annotations

from dataclasses import fields
from enum import Enum
from functools import lru_cache
from typing import Any

from messages.reply import Button, Choice, EscalationAlert, FieldKind, Form, FormField, Item, Reply, Tone


def reply_to_payload(reply: Reply) -> dict[str, Any]:
    """The reply as JSON-safe data (notices are not part of a queued message)."""
    data = _plain(reply)
    data.pop("notices", None)
    return data


@lru_cache(maxsize=None)
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def _plain(value: Any) -> Any:
    # dataclasses.asdict deep-copies every leaf; a day's outbox is thousands of replies.
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    # A form field's check is a rule in code, not data: the handler gives it again when the form is used.
    return {name: _plain(getattr(value, name)) for name in _field_names(type(value))
            if not callable(getattr(value, name))}


def reply_from_payload(data: dict[str, Any]) -> Reply:
    """The reply a row was queued with."""
    def form(raw: dict | None) -> Form | None:
        if raw is None:
            return None
        fields = tuple(FormField(**{**f, "kind": FieldKind(f["kind"]),
                                    "options": tuple(Choice(**c) for c in f.get("options", ()))})
                       for f in raw["fields"])
        return Form(**{**raw, "fields": fields})

    def buttons(raw: list) -> list[Button]:
        return [Button(**{**b, "form": form(b.get("form"))}) for b in raw]

    return Reply(
        **{**data,
           "tone": Tone(data.get("tone", Tone.INFO.value)),
           "fields": [tuple(f) for f in data.get("fields", [])],
           "items": [Item(**{**i, "fields": [tuple(f) for f in i.get("fields", [])],
                             "buttons": buttons(i.get("buttons", []))}) for i in data.get("items", [])],
           "buttons": buttons(data.get("buttons", [])),
           "form": form(data.get("form")),
           "escalation": EscalationAlert(**data["escalation"]) if data.get("escalation") else None,
           "notices": []},
    )
