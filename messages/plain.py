"""The console's renderer: a Reply as plain text, each button shown as the command it runs."""

from __future__ import annotations

from messages.reply import Reply, Tone

_MARK = {Tone.ERROR: "! ", Tone.WARNING: "! ", Tone.SUCCESS: "", Tone.INFO: ""}


def render_plain(reply: Reply) -> str:
    """The reply as the console prints it."""
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
        if item.buttons:
            lines.append("    " + " | ".join(f"[{b.label}: {b.command}]" for b in item.buttons))
    if reply.more:
        hint = f" ({reply.more_hint})" if reply.more_hint else ""
        lines.append(f"...and {reply.more} more{hint}")
    for name, problem in reply.errors.items():
        lines.append(f"  {name}: {problem}")
    if reply.buttons:
        lines.append("")
        lines.append("Next: " + " | ".join(f"[{b.label}: {b.command}]" for b in reply.buttons))
    return "\n".join(lines).rstrip()
