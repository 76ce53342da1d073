"""The time, as the bot sees it: the real clock, or one a test or `remind --date` sets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone


class Clock:
    """The real time. Tests and `remind --date` use FixedClock instead."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass
class FixedClock(Clock):
    """A clock that says what it is told."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment
