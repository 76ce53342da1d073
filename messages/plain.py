"""The console's renderer: a Reply as plain text, each button shown as the command it runs."""

from __future__ import annotations

import re
from collections.abc import Callable

from messages.reply import Button, Reply, Tone

LinkFor = Callable[[str, Button], "str | None"]
"""The web link that answers a button of an item (by the item's key; "" for the reply's own buttons)."""

CODE = re.compile(r"`([^`\n]+)`")  # `help`: a command to type

_MARK = {Tone.ERROR: "! ", Tone.WARNING: "! ", Tone.SUCCESS: "", Tone.INFO: ""}


def render_plain(reply: Reply, *, links: LinkFor | None = None) -> str:
    """The reply as the console prints it; with `links` (an email's plain part), each button as its
    web link instead of its command, and a button without a link left out."""
    lines: list[str] = []
    if reply.title:
        lines.append(f"{_MARK[reply.tone]}{reply.title}")
        lines.append("-" * min(len(reply.title) + len(_MARK[reply.tone]), 72))
    if reply.text:
        lines.append(reply.text if reply.title else f"{_MARK[reply.tone]}{reply.text}")
    for label, value in reply.fields:
        lines.append(f"  {label}: {value}")
    for item in reply.items:
        lines.append(f"- {item.text}")
        for label, value in item.fields:
            lines.append(f"    {label}: {value}")
        if links is not None:
            lines += [f"    {label}: {url}" for label, url in _linked(item.key, item.buttons, links)]
        elif item.buttons:
            lines.append("    " + " | ".join(f"[{b.label}: {b.command}]" for b in item.buttons))
    if reply.more:
        hint = f" ({reply.more_hint})" if reply.more_hint else ""
        lines.append(f"...and {reply.more} more{hint}")
    for label, problem in reply.labelled_errors():
        lines.append(f"  {label}: {problem}" if label else f"  {problem}")
    if links is not None:
        linked = _linked("", reply.buttons, links)
        lines += [""] + [f"{label}: {url}" for label, url in linked] if linked else []
    elif reply.buttons:
        lines.append("")
        lines.append("Next: " + " | ".join(f"[{b.label}: {b.command}]" for b in reply.buttons))
    return "\n".join(lines).rstrip()


def _linked(key: str, buttons: list[Button], links: LinkFor) -> list[tuple[str, str]]:
    return [(button.label, url) for button in buttons if (url := links(key, button))]


def render_summary(reply: Reply) -> str:
    """The reply as plain words, for what shows where a card or blocks do not: a notification, a
    screen reader, a client that cannot draw cards. No underline, no markup, no buttons."""
    lines: list[str] = []
    if reply.title:
        lines.append(reply.title)
    if reply.text:
        lines.append(reply.text)
    lines.extend(f"{label}: {value}" for label, value in reply.fields)
    for item in reply.items:
        lines.append(f"- {item.text}" + "".join(f"; {label}: {value}" for label, value in item.fields))
    if reply.more:
        lines.append(f"...and {reply.more} more" + (f" ({reply.more_hint})" if reply.more_hint else ""))
    lines.extend(problem for _label, problem in reply.labelled_errors())
    return without_code_marks("\n".join(line.rstrip() for line in lines)).strip()


def without_code_marks(text: str) -> str:
    """`help` as help: for plain text (notifications, fallback text), where backticks mean nothing."""
    return CODE.sub(r"\1", text)
