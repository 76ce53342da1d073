"""Naming a key nobody knows: the closest known one, or the ones there are.

A partnership file and its settings are written by hand, and a misspelt key would otherwise
be quietly ignored, leaving its default in force. Every check of keys says what to write instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(key: str, known: Iterable[str]) -> str | None:
    """The known key nearest in spelling to `key`, or None when none is near."""
    text = str(key)
    choices = sorted(known)
    lowered = {choice.lower(): choice for choice in choices}
    if text.lower() in lowered:
        return lowered[text.lower()]
    found = difflib.get_close_matches(text, choices, n=1, cutoff=0.6)
    if not found:
        found = [lowered[m] for m in difflib.get_close_matches(text.lower(), list(lowered), n=1, cutoff=0.6)]
    return found[0] if found else None


def what_to_write(key: str, known: Iterable[str]) -> str:
    """'did you mean 'clear_days'?', or the keys to choose from when none is close."""
    known = sorted(known)
    near = closest(key, known)
    if near is not None:
        return f"did you mean {near!r}?"
    return "use one of: " + ", ".join(known)
