"""Slack message text (with its <links>, <@mentions> and &entities) as the plain words people see."""

from __future__ import annotations

import re

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def plain_from_slack(text: str) -> str:
    """The text of a Slack message as a person reads it: mentions by name or id, links as their label."""

    def readable(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            special = target[1:].split("^", 1)[0]
            return f"@{label or special}"
        return f"{label} ({target})" if label and label != target else target

    text = _LINK.sub(readable, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
