"""A neutral Reply as Slack Block Kit, a Form as a modal, and a member's Home tab, within Slack's limits.

Plain dicts only: the Slack SDK stays in bot/. All text that reaches a mrkdwn field is escaped
(& < >) and marked verbatim, so `<!channel>`, `<@U123>` or `@here` typed into a summary is shown
as typed and never notifies anyone. Lists that would not fit are cut with "and N more" and a
pointer to where the rest can be seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from messages.plain import without_code_marks
from messages.reply import Button, FieldKind, Form, FormField, Item, Reply, Tone
from messages.templates import say

# Slack's limits (https://docs.slack.dev/reference/block-kit). slack_sdk checks most of them per
# object; the block counts and the total size are only checked here.
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_CHARS = 12_000  # Slack refuses a message whose blocks hold much more (msg_blocks_too_long)
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_SECTION_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_TEXT = 3000
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_LABEL = 2000
MAX_INPUT_LENGTH = 3000
MAX_METADATA = 3000
MAX_BLOCK_ID = 255
MAX_FALLBACK_TEXT = 3000
MAX_OVERFLOW_OPTIONS = 5
SIDE_BY_SIDE = 2  # buttons in a row that read in full on a phone; the rest go in an overflow menu

# What a Slack listener matches on (bot/slack): a button that runs its command, one that opens
# the command's form, and the modal that submits a form.
RUN_ACTION = "assure.run"
FORM_ACTION = "assure.form"
SHARE_ACTION = "assure.share"
FORM_CALLBACK = "assure.form"
VALUE_ACTION = "value"  # the action id of every input in a form, under a block id = the field's name

DEFAULT_MORE_HINT = "see them all on AssureBot's Home tab, or use a narrower command"
ELLIPSIS = "…"

_TONE_MARK = {Tone.SUCCESS: ":white_check_mark: ", Tone.WARNING: ":warning: ", Tone.ERROR: ":no_entry: ",
              Tone.INFO: ""}


# --- text ------------------------------------------------------------------------------------

def escape(text: str) -> str:
    """Text for a mrkdwn field: the three characters Slack treats as markup, as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending with an ellipsis when something was left out."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def cut_escaped(text: str, limit: int) -> str:
    """Cut already-escaped text without splitting an entity such as &amp;."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head.rstrip() + ELLIPSIS


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    """A mrkdwn text object for text from templates or people: escaped, verbatim, within the limit."""
    return {"type": "mrkdwn", "text": cut_escaped(escape(text), limit) or " ", "verbatim": True}


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object on one line, escaped too (Slack reads & < > as control characters in every
    text object), within the limit."""
    return {"type": "plain_text", "text": cut_escaped(escape(" ".join(text.split())) or " ", limit), "emoji": True}


def chunks(text: str, limit: int) -> list[str]:
    """Split escaped text at line ends into pieces of at most `limit` characters."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            piece = cut_escaped(line, limit)[:-1]  # without the ellipsis: the rest follows
            pieces.append(piece)
            line = line[len(piece):]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def fallback_text(reply: Reply) -> str:
    """The notification text shown where blocks are not (phone notifications, screen readers)."""
    first = reply.title or reply.text.split("\n", 1)[0] or "AssureBot"
    return cut_escaped(escape(without_code_marks(first)), MAX_FALLBACK_TEXT)


# --- messages --------------------------------------------------------------------------------

@dataclass
class _Budget:
    """Blocks and characters still free in the message being built."""

    blocks: int
    chars: int

    def fits(self, new: list[dict[str, Any]]) -> bool:
        return len(new) <= self.blocks and text_size(new) <= self.chars

    def take(self, new: list[dict[str, Any]]) -> None:
        self.blocks -= len(new)
        self.chars -= text_size(new)


def text_size(blocks: list[dict[str, Any]]) -> int:
    """Characters of text in the blocks, as Slack counts towards a message's size."""
    total = 0

    def walk(node: Any) -> None:
        nonlocal total
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                total += len(node["text"])
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return total


def button_element(button: Button, index: int) -> dict[str, Any] | None:
    """A button whose value is the console command it stands for; None if the command cannot fit."""
    if len(button.command) > MAX_BUTTON_VALUE:
        return None
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(button.label, MAX_BUTTON_TEXT),
        # Unique in the message; the listener matches on the prefix.
        "action_id": f"{FORM_ACTION if button.form else RUN_ACTION}:{index}",
        "value": button.command,
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


def overflow_element(buttons: list[Button], index: int) -> dict[str, Any] | None:
    """An overflow menu ("⋯") whose options run their buttons' commands."""
    options = [{"text": plain(b.label, MAX_OPTION_TEXT), "value": b.command} for b in buttons
               if len(b.command) <= MAX_OPTION_VALUE][:MAX_OVERFLOW_OPTIONS]
    if not options:
        return None
    return {"type": "overflow", "action_id": f"{RUN_ACTION}:{index}", "options": options}


def row_elements(buttons: list[Button], start: int = 0) -> list[dict[str, Any]]:
    """An item's buttons as a phone shows them in full: two side by side, the rest in one menu."""
    if len(buttons) <= SIDE_BY_SIDE:
        return [e for i, b in enumerate(buttons) if (e := button_element(b, start + i)) is not None]
    shown = [e for i, b in enumerate(buttons[:SIDE_BY_SIDE]) if (e := button_element(b, start + i)) is not None]
    menu = overflow_element(buttons[SIDE_BY_SIDE:], start + SIDE_BY_SIDE)
    return shown + ([menu] if menu else [])


def actions_blocks(buttons: list[Button], block_id: str, start: int = 0) -> list[dict[str, Any]]:
    """Buttons in actions blocks of at most 25 elements each: two side by side, the rest in a menu."""
    elements = row_elements(buttons, start)
    blocks = []
    for n in range(0, len(elements), MAX_ACTIONS_ELEMENTS):
        suffix = "" if n == 0 else f"~{n // MAX_ACTIONS_ELEMENTS}"
        blocks.append({"type": "actions", "block_id": _block_id(block_id + suffix),
                       "elements": elements[n:n + MAX_ACTIONS_ELEMENTS]})
    return blocks


def _block_id(value: str) -> str:
    return value[:MAX_BLOCK_ID]


def _head_blocks(reply: Reply) -> list[dict[str, Any]]:
    """Title, text, fields and form errors: everything before the list of items."""
    blocks: list[dict[str, Any]] = []
    mark = _TONE_MARK[reply.tone]
    if reply.title:
        blocks.append({"type": "header", "block_id": "title", "text": plain(mark + reply.title, MAX_HEADER_TEXT)})
    text = reply.text or ""
    if text.strip():
        escaped = escape(text)
        if not reply.title and mark:
            escaped = mark + escaped
        for n, piece in enumerate(chunks(escaped, MAX_SECTION_TEXT)):
            blocks.append({"type": "section", "block_id": f"text~{n}",
                           "text": {"type": "mrkdwn", "text": piece, "verbatim": True}})
    for n in range(0, min(len(reply.fields), 4 * MAX_SECTION_FIELDS), MAX_SECTION_FIELDS):
        blocks.append({"type": "section", "block_id": f"fields~{n}", "fields": [
            _field(label, value) for label, value in reply.fields[n:n + MAX_SECTION_FIELDS]]})
    lines = [f"• {label}: {problem}" if label else f"• {problem}" for label, problem in reply.labelled_errors()]
    if lines:
        blocks.append({"type": "section", "block_id": "errors", "text": mrkdwn("\n".join(lines))})
    if reply.files:  # the adapter uploads them to the person's direct messages
        names = ", ".join(f.filename for f in reply.files)
        note = escape(say("slack_files", outcome="coming", count=len(reply.files), names=names))
        blocks.append({"type": "context", "block_id": "files", "elements": [
            {"type": "mrkdwn", "text": cut_escaped(":paperclip: " + note, MAX_CONTEXT_TEXT), "verbatim": True}]})
    return blocks


def _field(label: str, value: str) -> dict[str, Any]:
    text = f"*{escape(label)}*\n{escape(value)}"
    return {"type": "mrkdwn", "text": cut_escaped(text, MAX_FIELD_TEXT), "verbatim": True}


def item_blocks(item: Item, index: int, *, with_buttons: bool = True) -> list[dict[str, Any]]:
    """One item: its text in bold with its fields beneath, then its buttons."""
    key = item.key or str(index)
    lines = [f"*{escape(item.text)}*"] + [f"{escape(label)}: {escape(value)}" for label, value in item.fields]
    blocks = [{"type": "section", "block_id": _block_id(f"item:{key}"),
               "text": {"type": "mrkdwn", "text": cut_escaped("\n".join(lines), MAX_SECTION_TEXT),
                        "verbatim": True}}]
    if with_buttons and item.buttons:
        blocks.extend(actions_blocks(item.buttons, f"act:{key}", start=index * 100))
    return blocks


def _more_block(count: int, hint: str | None) -> dict[str, Any]:
    return {"type": "context", "block_id": "more",
            "elements": [mrkdwn(f"…and {count} more: {hint or DEFAULT_MORE_HINT}.", MAX_CONTEXT_TEXT)]}


def reply_blocks(reply: Reply, *, max_blocks: int = MAX_MESSAGE_BLOCKS, with_buttons: bool = True,
                 share: str | None = None, more_hint: str | None = None) -> list[dict[str, Any]]:
    """The reply as blocks within the block and size limits; items that don't fit become "and N more".

    `share` adds a "Post in channel" button that posts this command's answer for everyone.
    """
    head = _head_blocks(reply)
    tail = actions_blocks(reply.buttons, "buttons", start=90_000) if with_buttons and reply.buttons else []
    if share is not None and len(share) <= MAX_BUTTON_VALUE:
        share_button = {"type": "button", "text": plain("Post in channel", MAX_BUTTON_TEXT),
                        "action_id": SHARE_ACTION, "value": share}
        if tail and len(tail[-1]["elements"]) < SIDE_BY_SIDE:
            tail[-1]["elements"].append(share_button)
        else:
            tail.append({"type": "actions", "block_id": "share", "elements": [share_button]})
    budget = _Budget(blocks=max_blocks - 1, chars=MAX_TEXT_CHARS - 200)  # room kept for "and N more"
    while head and not budget.fits(head + tail):  # a reply with nothing but text: keep what fits
        head.pop()
    budget.take(head + tail)
    shown: list[dict[str, Any]] = []
    left_out = reply.more
    for index, item in enumerate(reply.items):
        blocks = item_blocks(item, index, with_buttons=with_buttons)
        if left_out == reply.more and budget.fits(blocks):
            budget.take(blocks)
            shown.extend(blocks)
        else:
            left_out += 1
    more = [_more_block(left_out, more_hint or reply.more_hint)] if left_out else []
    return _unique_block_ids(head + shown + more + tail)


def _unique_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slack refuses a message with a repeated block_id (two items with the same key)."""
    seen: set[str] = set()
    for n, block in enumerate(blocks):
        block_id = block.get("block_id")
        if block_id is None:
            continue
        while block_id in seen:
            block_id = _block_id(f"{block['block_id']}~{n}")
            n += 1000
        block["block_id"] = block_id
        seen.add(block_id)
    return blocks


def message(reply: Reply, **options: Any) -> dict[str, Any]:
    """A chat message (chat.postMessage, chat.update, respond or an ack): fallback text and blocks."""
    return {"text": fallback_text(reply), "blocks": reply_blocks(reply, **options)}


def _with_fields(section: dict[str, Any], fields: list[tuple[str, str]]) -> dict[str, Any]:
    """An item's section with the lines of these fields given their new values."""
    text = (section.get("text") or {}).get("text")
    if not isinstance(text, str):
        return section
    lines = text.split("\n")
    for label, value in fields:
        start = f"{escape(label)}: "
        lines = [f"{start}{escape(value)}" if line.startswith(start) else line for line in lines]
    return {**section, "text": {**section["text"], "text": cut_escaped("\n".join(lines), MAX_SECTION_TEXT)}}


def result_in_place(blocks: list[dict[str, Any]], block_id: str, result: Reply) -> list[dict[str, Any]]:
    """The message a button was on, with that button's row replaced by what pressing it did.

    The rest of the message stays as it was and the pressed button is gone, so a second tap cannot
    do the same thing twice; the result's own next steps (say, Apologies after Attending) follow it.
    """
    line = _TONE_MARK[result.tone] + escape(" ".join((result.text or result.title or "Done.").split()))
    replacement: list[dict[str, Any]] = [{"type": "context", "block_id": block_id, "elements": [
        {"type": "mrkdwn", "text": cut_escaped(line, MAX_CONTEXT_TEXT), "verbatim": True}]}]
    replacement.extend(actions_blocks(result.buttons, f"{block_id}~next", start=80_000))
    updated: list[dict[str, Any]] = []
    found = False
    item_id = "item:" + block_id.removeprefix("act:") if block_id.startswith("act:") else None
    for block in blocks:
        if block.get("block_id") == item_id and result.fields:  # "Your answer: ..." as it is now
            block = _with_fields(block, result.fields)
        if block.get("block_id") == block_id:
            updated.extend(replacement)
            found = True
        elif not block.get("block_id", "").startswith(f"{block_id}~next"):  # an earlier result's buttons
            updated.append(block)
    if not found:
        updated.extend(replacement)
    return _unique_block_ids(updated[:MAX_MESSAGE_BLOCKS])


# --- forms as modals -------------------------------------------------------------------------

def modal(form: Form, *, private_metadata: str = "", values: dict[str, str] | None = None) -> dict[str, Any]:
    """A modal for the form. Each input's block_id is the field's name, so errors can be shown by it."""
    if len(private_metadata) > MAX_METADATA:
        raise ValueError("private_metadata is longer than Slack allows")
    blocks: list[dict[str, Any]] = []
    if form.intro:
        blocks.append({"type": "section", "block_id": "intro", "text": mrkdwn(form.intro)})
    for field in form.fields:
        initial = (values or {}).get(field.name, field.initial)
        blocks.append(input_block(field, initial))
    view = {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": plain(form.title, MAX_MODAL_TITLE),
        "submit": plain(form.submit_label, MAX_MODAL_BUTTON),
        "close": plain("Cancel", MAX_MODAL_BUTTON),
        "blocks": blocks[:MAX_VIEW_BLOCKS],
    }
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view


def input_block(field: FormField, initial: str | None = None) -> dict[str, Any]:
    """One form field as an input block."""
    hint = field.hint
    options = field.options
    if len(options) > MAX_OPTIONS:
        if field.kind == FieldKind.MEMBER:
            # Too many people for a list: the handler finds them by name or email instead.
            options = ()
            hint = "Type their name or work email."
        else:
            options = options[:MAX_OPTIONS]
            hint = (hint + " " if hint else "") + f"Showing the first {MAX_OPTIONS} choices."
    if options:
        element = {"type": "static_select", "action_id": VALUE_ACTION, "placeholder": plain("Choose…", 150),
                   "options": [_option(o.value, o.label) for o in options]}
        chosen = [o for o in options if o.value == initial]
        if chosen:
            element["initial_option"] = _option(chosen[0].value, chosen[0].label)
    elif field.kind == FieldKind.DATE:
        element = {"type": "datepicker", "action_id": VALUE_ACTION}
        if initial and len(initial) == 10:
            element["initial_date"] = initial
    else:
        max_length = 254 if field.kind == FieldKind.MEMBER else field.max_length
        element = _text_input(initial, max_length=max_length, multiline=field.kind == FieldKind.TEXTAREA)
    block: dict[str, Any] = {"type": "input", "block_id": _block_id(field.name), "optional": not field.required,
                             "label": plain(field.label, MAX_LABEL), "element": element}
    if hint:
        block["hint"] = plain(hint, MAX_LABEL)
    return block


def _text_input(initial: str | None, *, max_length: int | None, multiline: bool) -> dict[str, Any]:
    limit = min(max_length or MAX_INPUT_LENGTH, MAX_INPUT_LENGTH)
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": VALUE_ACTION, "multiline": multiline,
                               "max_length": limit}
    if initial:
        element["initial_value"] = initial[:limit]
    return element


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}


def form_values(state_values: dict[str, dict[str, dict[str, Any]]]) -> dict[str, str]:
    """A submitted modal's values by field name, as the form's command expects them."""
    values: dict[str, str] = {}
    for block_id, actions in state_values.items():
        for state in actions.values():
            kind = state.get("type")
            if kind == "static_select":
                option = state.get("selected_option") or {}
                value = option.get("value")
            elif kind == "datepicker":
                value = state.get("selected_date")
            elif kind == "users_select":
                value = state.get("selected_user")
            else:
                value = state.get("value")
            values[block_id] = value or ""
    return values


def field_errors(block_ids: list[str], errors: dict[str, str], fallback: str | None = None) -> dict[str, str]:
    """Errors keyed by the block ids of the modal's inputs; a problem with no input goes on the first."""
    shown = {name: cut(problem, MAX_LABEL) for name, problem in errors.items() if name in block_ids}
    stray = [problem for name, problem in errors.items() if name not in block_ids]
    if fallback and not errors:
        stray.append(fallback)
    if stray and block_ids:
        first = block_ids[0]
        shown[first] = cut(" ".join([shown.get(first, "")] + stray).strip(), MAX_LABEL)
    return shown


def result_modal(reply: Reply, *, title: str = "AssureBot") -> dict[str, Any]:
    """What a submitted form did, shown in the modal in place of the form (no submit button)."""
    return {
        "type": "modal",
        "callback_id": "assure.result",
        "title": plain(title, MAX_MODAL_TITLE),
        "close": plain("Close", MAX_MODAL_BUTTON),
        "blocks": reply_blocks(reply, max_blocks=MAX_VIEW_BLOCKS, with_buttons=False) or [
            {"type": "section", "text": mrkdwn("Done.")}],
    }


# --- the Home tab ----------------------------------------------------------------------------

def home_view(reply: Reply, *, notice: Reply | None = None) -> dict[str, Any]:
    """The member's Home tab: what the `home` command says, with what a button just did on top."""
    blocks: list[dict[str, Any]] = []
    if notice is not None:
        line = _TONE_MARK[notice.tone] + escape(" ".join((notice.text or notice.title or "").split()))
        blocks.append({"type": "section", "block_id": "notice",
                       "text": {"type": "mrkdwn", "text": cut_escaped(line, MAX_SECTION_TEXT), "verbatim": True}})
        blocks.append({"type": "divider", "block_id": "notice~divider"})
    blocks.extend(reply_blocks(reply, max_blocks=MAX_VIEW_BLOCKS - len(blocks),
                               more_hint="type /assure actions, /assure returns or /assure papers to see the rest"))
    return {"type": "home", "callback_id": "assure.home", "blocks": blocks}


def metadata(values: dict[str, Any]) -> str:
    """private_metadata for a view: compact JSON, refusing what would not fit."""
    text = json.dumps(values, separators=(",", ":"))
    if len(text) > MAX_METADATA:
        raise ValueError("private_metadata is longer than Slack allows")
    return text
