"""What a sweep hands back: one digest per person, worded when first read, and the day's quiet notes.

Wording waits until a digest is read so that deciding stays cheap, and so that the caller
chooses when the work is done (within the sweep's session: the first attendance ask worded
still reads the database).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from messages.reply import Reply
from schedules.digest.load import Recipient


@dataclass
class Digest:
    """One person's message for a day. The reply is built when first read (within the sweep's session)."""

    member: Recipient
    partnership_id: int
    on: date
    entries: list = field(repr=False)
    builder: Any = field(repr=False)
    kind: str = "digest"

    @cached_property
    def reply(self) -> Reply:
        return self.builder(self.entries)

    def release(self) -> None:
        """Let go of the words and the items once the digest is queued: a large day keeps only who
        got a digest, not every reply at once."""
        self.__dict__.pop("reply", None)
        self.entries = []


@dataclass
class Day:
    """Every digest of a day, and the partnerships that have none because it is not a working day."""

    on: date
    digests: list[Digest] = field(default_factory=list)
    quiet: list[str] = field(default_factory=list)

    def replies(self) -> list[Reply]:
        """Every digest worded (within the sweep's session), in the digests' order."""
        with cycle_collector_paused():
            return [digest.reply for digest in self.digests]


@contextmanager
def cycle_collector_paused():
    """Hold Python's cycle collector while a whole day is decided and worded in memory (`sweep`,
    for a dry run or a report of the day), where it holds every digest at once.

    They form no cycles, and each collection would walk all of them again: pausing halves the
    time of such a sweep. Reference counting frees memory as usual; the collector resumes after.
    The daily job (queue_day) needs no pause: it holds a band of people at a time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
