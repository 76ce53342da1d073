"""How much one person may ask of AssureBot at once, so nobody's flood slows anyone else down.

- A token bucket per person: `burst` commands at once, then `rate` a second. Beyond that the
  command is not run and the person is asked to wait a moment.
- Heavy commands (reports: they read a year of records and draw a chart) run in a worker of their
  own, one at a time per person, so a chair asking for thirty reports holds up only their own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

DEFAULT_RATE = 3.0  # commands a second, once the burst is used
DEFAULT_BURST = 10  # commands at once
FORGET = 5000  # people remembered before idle buckets are dropped


class RateLimit:
    """A token bucket per person key (thread-safe; the clock is monotonic seconds)."""

    def __init__(self, rate: float = DEFAULT_RATE, burst: int = DEFAULT_BURST, *,
                 clock: Callable[[], float] = time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError("the rate must be above 0 and the burst at least 1")
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Take one command from the person's bucket; False when it is empty."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            if len(self._buckets) > FORGET:
                self._forget_full(now)
        return allowed

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have filled up again: forgetting them changes nothing."""
        full_after = self.burst / self.rate
        for key in [k for k, (_, then) in self._buckets.items() if now - then >= full_after]:
            del self._buckets[key]


class OnePerPerson:
    """Which people have a heavy command running (thread-safe)."""

    def __init__(self):
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def start(self, key: str) -> bool:
        with self._lock:
            if key in self._running:
                return False
            self._running.add(key)
            return True

    def finish(self, key: str) -> None:
        with self._lock:
            self._running.discard(key)

    def busy(self) -> bool:
        """Whether anyone's heavy command is running."""
        with self._lock:
            return bool(self._running)
