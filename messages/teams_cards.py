"""The Teams renderer: a neutral Reply as an Adaptive Card 1.5 (a plain dict).

Cards keep to elements Teams renders on phones (TextBlock, FactSet, ColumnSet, Container,
Input.Text, Input.ChoiceSet, Input.Date, ActionSet, Action.Submit, Action.ShowCard) and carry
`fallbackText`. Every piece of text is escaped for Teams markdown and `<at>` tags are broken,
so what a person typed is shown as typed and can never become formatting, a link or a mention.

A button's Action.Submit carries the console command that does the same thing, under the
`assurebot` key of its data; a form's inputs are named `form-N-FIELD` so that several forms
on one card (one per listed item) never collide. Each rendered Reply gets a nonce in its
actions, so the adapter can tell a replayed tap from a new one.

After a tap, `card_after_submit` builds the card that replaces the tapped one: what was
recorded, with the tapped buttons and inputs gone, so a second tap cannot record it twice.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
import uuid
from collections.abc import Iterator
from typing import Any

from messages.plain import render_summary, without_code_marks
from messages.reply import Button, FieldKind, Form, FormField, Item, Reply, Tone
from messages.teams_text import TONE_SIGN, escape_markdown, plain, text_blocks, title_block

CARD_VERSION = "1.5"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# The key under which an Action.Submit carries the command; inputs are merged beside it.
META = "assurebot"
ELEMENT_TYPES = frozenset({"TextBlock", "RichTextBlock", "FactSet", "ColumnSet", "Column", "Container",
                           "Input.Text", "Input.ChoiceSet", "Input.Date", "ActionSet"})
ACTION_TYPES = frozenset({"Action.Submit", "Action.ShowCard"})
FORM_ID_PREFIX = "form-"
ITEM_ID_PREFIX = "item-"

_BUTTON_STYLE = {"primary": "positive", "danger": "destructive"}
SIDE_BY_SIDE = 2  # buttons in a row that still read in full on a phone; the rest go behind More
MORE = "More"


def new_nonce() -> str:
    return uuid.uuid4().hex[:16]


def item_element_id(key: str) -> str:
    return f"{ITEM_ID_PREFIX}{key}"


class _Renderer:
    """One card's worth of rendering: numbers the forms and stamps every action with the nonce."""

    def __init__(self, nonce: str | None, *, first_form: int = 0):
        self.nonce = nonce or new_nonce()
        self.forms = first_form
        self.item_ids: set[str] = set()  # an item listed twice (in two sections) is found by its first

    # Text ----------------------------------------------------------------------------------------

    @staticmethod
    def text_blocks(text: str, *, subtle: bool = False) -> list[dict]:
        return text_blocks(text, subtle=subtle)

    @staticmethod
    def facts(pairs: list[tuple[str, str]]) -> dict:
        return {"type": "FactSet", "facts": [{"title": escape_markdown(label), "value": escape_markdown(value)}
                                             for label, value in pairs]}

    # Actions -------------------------------------------------------------------------------------

    def meta(self, command: str, *, item: str | None = None, form: str | None = None,
             fields: str | None = None) -> dict:
        data: dict[str, Any] = {"command": command, "nonce": self.nonce}
        if item:
            data["item"] = item
        if form:
            data["form"] = form
            data["fields"] = fields
        return {META: data}

    def actions(self, buttons: list[Button], *, item: str | None = None) -> list[dict]:
        """Buttons for one row: all of them when they fit side by side on a phone, else the first
        and a More that opens the rest, two to a row."""
        actions = [self.action(b, item=item) for b in buttons]
        if len(actions) <= SIDE_BY_SIDE:
            return actions
        first, rest = actions[:1], actions[1:]
        rows = [{"type": "ActionSet", "actions": rest[n:n + SIDE_BY_SIDE]} for n in range(0, len(rest), SIDE_BY_SIDE)]
        return first + [{"type": "Action.ShowCard", "title": MORE, "card": {"type": "AdaptiveCard", "body": rows}}]

    def action(self, button: Button, *, item: str | None = None) -> dict:
        if button.form is not None:
            elements, submit = self.form(button.form, item=item)
            return {"type": "Action.ShowCard", "title": plain(button.label),
                    "card": {"type": "AdaptiveCard", "body": elements, "actions": [submit]}}
        action: dict[str, Any] = {"type": "Action.Submit", "title": plain(button.label),
                                  "data": self.meta(button.command, item=item)}
        if button.style in _BUTTON_STYLE:
            action["style"] = _BUTTON_STYLE[button.style]
        return action

    # Forms ---------------------------------------------------------------------------------------

    def form(self, form: Form, *, errors: dict[str, str] | None = None,
             item: str | None = None) -> tuple[list[dict], dict]:
        """A form's inputs (with any errors under them) and its submit action."""
        prefix = f"{FORM_ID_PREFIX}{self.forms}-"
        self.forms += 1
        errors = errors or {}
        elements: list[dict] = []
        if form.intro:
            for block in self.text_blocks(form.intro, subtle=True):
                block["id"] = f"{prefix}intro-{len(elements)}"
                elements.append(block)
        for field in form.fields:
            elements.append(self.input(field, prefix))
            if field.hint:
                elements.append({"type": "TextBlock", "id": f"{prefix}{field.name}-hint", "text":
                                 escape_markdown(field.hint), "wrap": True, "isSubtle": True, "size": "small",
                                 "spacing": "none"})
            if field.name in errors:
                elements.append({"type": "TextBlock", "id": f"{prefix}{field.name}-error",
                                 "text": escape_markdown(TONE_SIGN[Tone.ERROR] + errors[field.name]), "wrap": True,
                                 "weight": "bolder",
                                 "spacing": "small"})
        submit = {"type": "Action.Submit", "title": plain(form.submit_label), "style": "positive",
                  "data": self.meta(form.command, item=item, form=form.form_id, fields=prefix)}
        return elements, submit

    @staticmethod
    def input(field: FormField, prefix: str) -> dict:
        # Not marked isRequired: Teams draws the marker in its error colour, which is too dark to read
        # on its dark theme. AssureBot checks each answer when the form comes back, and says which.
        element: dict[str, Any] = {"id": f"{prefix}{field.name}", "label": plain(field.shown_label)}
        if field.kind in (FieldKind.CHOICE, FieldKind.MEMBER):
            element.update(type="Input.ChoiceSet", style="compact", wrap=True,
                           choices=[{"title": plain(c.label), "value": c.value} for c in field.options])
            element["placeholder"] = "Choose one"
        elif field.kind == FieldKind.DATE:
            element["type"] = "Input.Date"
        else:
            element["type"] = "Input.Text"
            if field.kind == FieldKind.TEXTAREA:
                element["isMultiline"] = True
            if field.max_length:
                element["maxLength"] = field.max_length
        if field.initial:
            element["value"] = field.initial
        return element

    # Items ---------------------------------------------------------------------------------------

    def item(self, item: Item) -> dict:
        items: list[dict] = [{"type": "TextBlock", "text": escape_markdown(item.text), "wrap": True,
                              "weight": "bolder"}]
        if item.fields:
            fact_set = self.facts(item.fields)
            fact_set["spacing"] = "small"
            items.append(fact_set)
        if item.buttons:
            items.append({"type": "ActionSet", "actions": self.actions(item.buttons, item=item.key or None)})
        container: dict[str, Any] = {"type": "Container", "separator": True, "spacing": "medium", "items": items}
        if item.key and item_element_id(item.key) not in self.item_ids:
            container["id"] = item_element_id(item.key)
            self.item_ids.add(container["id"])
        return container

    # Whole replies -------------------------------------------------------------------------------

    def body(self, reply: Reply) -> tuple[list[dict], list[dict]]:
        """The body elements and card-level actions for a reply."""
        body: list[dict] = []
        if reply.title:
            body.append(title_block(reply.title, reply.tone))
        if reply.text:
            body.extend(self.text_blocks(reply.text if reply.title else TONE_SIGN[reply.tone] + reply.text))
        if reply.fields:
            body.append(self.facts(reply.fields))
        form_fields = {f.name for f in reply.form.fields} if reply.form else set()
        for name, problem in reply.errors.items():
            if name not in form_fields:
                body.extend(self.text_blocks(TONE_SIGN[Tone.ERROR] + problem))
        for item in reply.items:
            body.append(self.item(item))
        if reply.more:
            hint = f" ({reply.more_hint})" if reply.more_hint else ""
            body.extend(self.text_blocks(f"...and {reply.more} more{hint}", subtle=True))
        actions: list[dict] = []
        if reply.form:
            elements, submit = self.form(reply.form, errors=reply.errors)
            body.extend(elements)
            actions.append(submit)
        actions.extend(self.actions(reply.buttons))
        if not body:
            body.append({"type": "TextBlock", "text": " ", "wrap": True})
        return body, actions


def render_card(reply: Reply, *, nonce: str | None = None) -> dict:
    """The reply as an Adaptive Card 1.5."""
    renderer = _Renderer(nonce)
    body, actions = renderer.body(reply)
    return _card(body, actions, fallback=render_summary(reply))


def _card(body: list[dict], actions: list[dict], *, fallback: str) -> dict:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA_URL, "version": CARD_VERSION,
                            "fallbackText": plain(fallback) or " ", "body": body}
    if actions:
        card["actions"] = actions
    return card


def summary_line(reply: Reply) -> str:
    """A short line for notifications and the chat list (no markdown there)."""
    first = reply.title or next((line for line in reply.text.splitlines() if line.strip()), "AssureBot")
    return plain(without_code_marks(first.strip()))[:120]


# After a submit ------------------------------------------------------------------------------------


def submitted_values(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Split Action.Submit data into the AssureBot metadata and the form's values (by field name).

    The data is the client's to edit, the metadata and the field prefix included, so what comes
    back here is only what was sent, not what the form asks: its handler keeps the answers to the
    fields the form declares and drops the rest (handlers.forms.declared_answers), the same for a
    Slack modal and the console, since only the handler knows the form."""
    meta = data.get(META) if isinstance(data.get(META), dict) else {}
    prefix = meta.get("fields")
    values: dict[str, str] = {}
    if meta.get("form") and isinstance(prefix, str) and prefix.startswith(FORM_ID_PREFIX):
        for key, value in data.items():
            if key != META and isinstance(key, str) and key.startswith(prefix):
                values[key[len(prefix):]] = "" if value is None else str(value)
    return meta, values


def has_actions(card: dict) -> bool:
    """Whether anyone can tap anything on the card."""
    return any(node.get("type") in ACTION_TYPES for node in walk(card))


def walk(node: Any) -> Iterator[dict]:
    """Every element, action and nested card in a card, depth first."""
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for key in ("body", "items", "columns", "actions", "card", "facts"):
            child = node.get(key)
            if isinstance(child, list):
                for each in child:
                    yield from walk(each)
            elif isinstance(child, dict):
                yield from walk(child)


def card_after_submit(original: dict | None, result: Reply, *, item_key: str | None = None,
                      fields_prefix: str | None = None, values: dict[str, str] | None = None,
                      nonce: str | None = None) -> dict:
    """The card that replaces a tapped one: what was recorded, and nothing left to tap twice.

    With the original card, its content stays and only the tapped part changes: the tapped item's
    buttons (or the whole card's buttons and inputs) give way to the recorded values and the result.
    A result that brings its form back with errors shows that form again in the same place.
    """
    renderer = _Renderer(nonce, first_form=_forms_on(original) if original else 0)
    refused_form = result.form is not None and bool(result.errors)
    if original is None:
        if refused_form:
            return render_card(result, nonce=renderer.nonce)
        body, actions = renderer.body(result)
        return _card(body, actions, fallback=render_summary(result))
    card = copy.deepcopy(original)
    container = _find(card, item_element_id(item_key)) if item_key else None
    if refused_form and container is None:
        return render_card(result, nonce=renderer.nonce)
    recorded = _recorded_facts(card, fields_prefix, values or {}) if not refused_form else []
    if container is None and fields_prefix:
        # The whole card was a form: now it shows what was saved, and nothing of the form's
        # earlier state (a refusal above a confirmation would contradict itself).
        body, actions = renderer.body(result)
        if recorded:
            body.insert(1 if result.title else 0, renderer.facts(recorded))
        return _card(body, actions, fallback=render_summary(result))
    section = _result_section(renderer, result, recorded, inline_actions=container is not None)
    if container is not None:
        _strip_interactive(container)
        if _update_facts(container, result.fields):  # "Your answer" as it is now, not as it was
            section = _result_section(renderer, replace(result, fields=[]), recorded, inline_actions=True)
        container["items"].extend(section)
    else:
        _strip_interactive(card)
        card.pop("actions", None)
        card["body"].extend(section)
        result_actions = renderer.actions(result.buttons)
        if result_actions:
            card["actions"] = result_actions
    card["fallbackText"] = plain(render_summary(result)) or " "
    return card


def _result_section(renderer: _Renderer, result: Reply, recorded: list[tuple[str, str]], *,
                    inline_actions: bool) -> list[dict]:
    items: list[dict] = []
    if recorded:
        items.append(renderer.facts(recorded))
    if result.title:
        items.append(title_block(result.title, result.tone, size=None))
    items.extend(renderer.text_blocks(result.text if result.title else TONE_SIGN[result.tone] + result.text))
    if result.fields:
        items.append(renderer.facts(result.fields))
    actions: list[dict] = []
    if result.form is not None and result.errors:
        elements, submit = renderer.form(result.form, errors=result.errors)
        items.extend(elements)
        actions.append(submit)
    if inline_actions:
        actions.extend(renderer.actions(result.buttons))
        if actions:
            items.append({"type": "ActionSet", "actions": actions})
    elif actions:
        items.append({"type": "ActionSet", "actions": actions})
    # One neutral style for every result: Teams' coloured container styles put its buttons and
    # labels on backgrounds they cannot be read against in some themes.
    return [{"type": "Container", "style": "emphasis", "separator": True, "spacing": "medium",
             "items": items or [{"type": "TextBlock", "text": " ", "wrap": True}]}]


def _update_facts(container: dict, fields: list[tuple[str, str]]) -> bool:
    """Give the container's facts that the result names their new values; whether all were there."""
    wanted = {escape_markdown(label): escape_markdown(value) for label, value in fields}
    found: set[str] = set()
    for node in walk(container):
        if node.get("type") == "FactSet":
            for fact in node.get("facts", []):
                if fact.get("title") in wanted:
                    fact["value"] = wanted[fact["title"]]
                    found.add(fact["title"])
    return bool(wanted) and found == set(wanted)


def _forms_on(card: dict) -> int:
    """How many forms a card already has, so a new one gets fresh input ids."""
    numbers = [int(m.group(1)) for node in walk(card)
               if (m := re.match(rf"{FORM_ID_PREFIX}(\d+)-", str(node.get("id", ""))))]
    fields = [int(m.group(1)) for node in walk(card) if node.get("type") == "Action.Submit"
              and (m := re.match(rf"{FORM_ID_PREFIX}(\d+)-", str(node.get("data", {}).get(META, {})
                                                                  .get("fields") or "")))]
    return max(numbers + fields, default=-1) + 1


def _find(card: dict, element_id: str) -> dict | None:
    return next((node for node in walk(card) if node.get("id") == element_id), None)


def _recorded_facts(card: dict, prefix: str | None, values: dict[str, str]) -> list[tuple[str, str]]:
    """The submitted values as label and shown value, in the form's order (choices by their title)."""
    if not prefix or not values:
        return []
    facts = []
    for node in walk(card):
        node_id = str(node.get("id", ""))
        if not node.get("type", "").startswith("Input.") or not node_id.startswith(prefix):
            continue
        name = node_id[len(prefix):]
        value = (values.get(name) or "").strip()
        if not value:
            continue
        if node["type"] == "Input.ChoiceSet":
            titles = {c["value"]: c["title"] for c in node.get("choices", [])}
            value = titles.get(value, value)
        facts.append((node.get("label") or name, value))
    return facts


def _strip_interactive(node: dict) -> None:
    """Remove inputs, action sets and form decoration under a card or container, in place."""
    for key in ("body", "items"):
        children = node.get(key)
        if not isinstance(children, list):
            continue
        kept = []
        for child in children:
            if not isinstance(child, dict):
                continue
            kind = child.get("type", "")
            if kind.startswith("Input.") or kind == "ActionSet" or str(child.get("id", "")).startswith(FORM_ID_PREFIX):
                continue
            _strip_interactive(child)
            if kind == "ColumnSet":
                for column in child.get("columns", []):
                    _strip_interactive(column)
            kept.append(child)
        node[key] = kept
