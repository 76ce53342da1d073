"""Reading an escalation typed in one line: `escalate urgent capacity: health visiting caseloads
above safe level`, its urgency and category first.

A slip in either word (`urgnet`, `capcity:`, `capacity - ...`) is read as the word it is
nearest, never saved as part of the summary; the escalation is then not saved at once, but the
form opens with what was read, saying so, for the person to check and send.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from models.escalations import CATEGORIES, Urgency

URGENCY_WORDS = {"urgent": Urgency.URGENT, "routine": Urgency.ROUTINE, "high": Urgency.URGENT}
_FIRST_WORD = re.compile(r"^(?P<word>[A-Za-z]+)\s+(?P<rest>.*)$", re.DOTALL)
# A category before the summary, after it a colon, or a dash with spaces round it ("capacity - ...").
_CATEGORY = re.compile(r"^(?P<word>[A-Za-z]+)\s*(?::|\s[-\u2013\u2014])\s*(?P<rest>.*)$", re.DOTALL)
NEAR = 0.75  # how like a known word a typed one must be to be read as it


@dataclass(frozen=True)
class Line:
    urgency: str | None  # Urgency's value
    category: str | None
    summary: str
    guessed: tuple[str, ...] = ()  # "'urgnet' as urgent": what was read from a slip, to be checked

    @property
    def complete(self) -> bool:
        """Whether it can be saved as it is: both words given, neither guessed."""
        return self.urgency is not None and self.category is not None and not self.guessed


def _nearest(word: str, known) -> str | None:
    """The known word this one is a slip for: as long give or take a letter, and most of it the same
    (urgnet, rountine, capcity; never routinely or urgently, which are words of the summary)."""
    near = [k for k in known if abs(len(k) - len(word)) <= 1]
    found = difflib.get_close_matches(word.lower(), near, n=1, cutoff=NEAR)
    return found[0] if found else None


def read_line(text: str) -> Line:
    """The urgency, category and summary of a line typed after `escalate`."""
    rest, urgency, category, guessed = text.strip(), None, None, []
    first = _FIRST_WORD.match(rest)
    if first:
        word = first.group("word")
        near = word.lower() if word.lower() in URGENCY_WORDS else _nearest(word, ("urgent", "routine"))
        if near is not None:
            urgency, rest = URGENCY_WORDS[near].value, first.group("rest").strip()
            if word.lower() not in URGENCY_WORDS:
                guessed.append(f"'{word}' as {near}")
    named = _CATEGORY.match(rest)
    if named:
        word = named.group("word")
        near = word.lower() if word.lower() in CATEGORIES else _nearest(word, CATEGORIES)
        if near is not None:  # "Meeting: ..." is part of the summary, not a category
            category, rest = near, named.group("rest").strip()
            if word.lower() != near:
                guessed.append(f"'{word}' as {near}")
    return Line(urgency, category, rest, tuple(guessed))
