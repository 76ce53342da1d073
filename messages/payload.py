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
def _field_names(kind: type) -> tuple[tuple[str, bool], ...]:
    return tuple((f.name, "Callable" in str(f.type)) for f in fields(kind))


_ATOMS = frozenset((str, int, float, bool, type(None)))


def _plain(value: Any) -> Any:
    # dataclasses.asdict deep-copies every leaf; a day's outbox is thousands of replies, so leaves
    # (most of what there is) are taken as they are without a call each.
    atoms, kind = _ATOMS, type(value)
    if kind in atoms:
        return value
    if kind is list or kind is tuple:
        return [v if type(v) in atoms else _plain(v) for v in value]
    if kind is dict:
        return {k: v if type(v) in atoms else _plain(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    data = {}
    for name, is_rule in _field_names(kind):
        if is_rule:  # a form field's check is a rule in code, not data: the handler gives it again
            continue
        v = getattr(value, name)
        data[name] = v if type(v) in atoms else _plain(v)
    return data


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
