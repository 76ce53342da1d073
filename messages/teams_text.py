"""Text on a Teams card: shown exactly as written, readable on every Teams theme, code as code.

- What a person typed can never become formatting, a link or a mention: TextBlock text is escaped
  for Teams markdown, and `<at>` tags are broken everywhere.
- A line with `code` in backticks (a command to type) becomes a RichTextBlock whose code runs
  are in the monospace font; text runs are never read as markdown, so they need no escaping.
- No text is coloured: Teams' warning and success colours are too pale to read on its light
  theme, and its red too dark on its dark theme. A reply's tone is a sign at the start of its
  title (or first line) instead, and a problem with a form's answer is in bold under the field.
"""

from __future__ import annotations

import re
from typing import Any

from messages.plain import CODE
from messages.reply import Tone

# Characters that mean something in Teams markdown anywhere in a line.
_INLINE = re.compile(r"([\\`*_~\[\]<>&|{}])")
# Markers that mean something at the start of a line: lists, headings, numbered lists.
_LINE_MARKER = re.compile(r"^(\s*)([-+#=])")
_NUMBERED = re.compile(r"^(\s*\d+)([.)])")
# `<at>` and `</at>` (any case), already escaped or not: a zero-width space after `<` breaks the tag.
_AT_TAG = re.compile(r"<(/?)(at\b)", re.IGNORECASE)
_ZWSP = "\u200b"
# Anything any of the above would change (`<at>` starts with `<`): text without it is shown as it is.
_ANY_MARKDOWN = re.compile(r"[\\`*_~\[\]<>&|{}]|^\s*(?:[-+#=]|\d+[.)])", re.MULTILINE)

TONE_SIGN = {Tone.SUCCESS: "✅ ", Tone.WARNING: "⚠️ ", Tone.ERROR: "⛔ ", Tone.INFO: ""}


def escape_markdown(text: str) -> str:
    """Text shown exactly as written: markdown characters escaped and `<at>` tags broken."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    if not _ANY_MARKDOWN.search(text):
        return text  # most lines (names, dates, titles) have nothing to escape
    lines = []
    for line in text.split("\n"):
        line = _INLINE.sub(r"\\\1", line)
        line = _LINE_MARKER.sub(r"\1\\\2", line)
        line = _NUMBERED.sub(r"\1\\\2", line)
        lines.append(_AT_TAG.sub(lambda m: f"<{_ZWSP}{m.group(1)}{m.group(2)}", line))
    return "\n".join(lines)


def plain(text: str) -> str:
    """Text for places Teams shows without markdown (button titles, labels, choices, text runs)."""
    return _AT_TAG.sub(lambda m: f"<{_ZWSP}{m.group(1)}{m.group(2)}", str(text))


def text_line(line: str, *, subtle: bool = False) -> dict[str, Any]:
    """One line of text: a TextBlock, or a RichTextBlock when it holds `code`."""
    style: dict[str, Any] = {}
    if subtle:
        style["isSubtle"] = True
    if not CODE.search(line):
        return {"type": "TextBlock", "text": escape_markdown(line), "wrap": True, **style}
    inlines: list[dict[str, Any]] = []
    at = 0
    for match in CODE.finditer(line):
        if match.start() > at:
            inlines.append({"type": "TextRun", "text": plain(line[at:match.start()]), **style})
        inlines.append({"type": "TextRun", "text": plain(match.group(1)), "fontType": "monospace", **style})
        at = match.end()
    if at < len(line):
        inlines.append({"type": "TextRun", "text": plain(line[at:]), **style})
    return {"type": "RichTextBlock", "inlines": inlines}


def text_blocks(text: str, *, subtle: bool = False) -> list[dict[str, Any]]:
    """One block per line (Teams joins single newlines); a blank line becomes a wider gap."""
    blocks: list[dict[str, Any]] = []
    gap = False
    for line in text.split("\n"):
        if not line.strip():
            gap = bool(blocks)
            continue
        block = text_line(line.strip(), subtle=subtle)
        if blocks:
            block["spacing"] = "medium" if gap else "none"
        blocks.append(block)
        gap = False
    return blocks


def title_block(title: str, tone: Tone, *, size: str | None = "medium") -> dict[str, Any]:
    """A reply's title in bold, with its tone's sign in front."""
    block: dict[str, Any] = {"type": "TextBlock", "text": escape_markdown(TONE_SIGN[tone] + title), "wrap": True,
                             "weight": "bolder"}
    if size:
        block["size"] = size
    return block
