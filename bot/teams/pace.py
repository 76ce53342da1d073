"""Sending to Teams at the pace Teams allows, so that "too many requests" is the exception.

Microsoft documents limits per bot: about 50 requests a second for all of an app's conversations
in one tenant, and about 7 a second in any one conversation. Each is a token bucket here; a send
waits for a token from both before it goes, so a burst of reminders is spread out instead of
being answered 429 and retried.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

PER_TENANT = 50.0  # requests a second, all of the app's conversations in one tenant
PER_CONVERSATION = 7.0  # requests a second in one conversation
FORGET = 10_000  # buckets remembered before idle ones are dropped


class _Buckets:
    """Token buckets by key, each `rate` a second with a burst of `rate` (GCRA: one theoretical
    arrival time per key)."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.tolerance = (rate - 1) * self.interval  # a quiet key may send a second's worth at once
        self.arrival: dict[str, float] = {}

    def reserve(self, key: str, now: float) -> float:
        """Take the next token for `key`; how long to wait before it may be used."""
        due = max(self.arrival.get(key, now), now)
        delay = max(0.0, due - self.tolerance - now)
        if delay < 1e-9:
            delay = 0.0
        self.arrival[key] = due + self.interval
        if len(self.arrival) > FORGET:
            for stale in [k for k, t in self.arrival.items() if t < now]:
                del self.arrival[stale]
        return delay


class TeamsPace:
    """Waits, per tenant and per conversation, until Teams would take another request."""

    def __init__(self, *, per_tenant: float = PER_TENANT, per_conversation: float = PER_CONVERSATION,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] | None = None):
        self.tenants = _Buckets(per_tenant)
        self.conversations = _Buckets(per_conversation)
        self.clock = clock
        self.sleep = sleep
        self.waited = 0.0  # seconds spent waiting, for the benchmark and tests

    async def wait(self, tenant: str | None, conversation: str | None) -> None:
        """Return when a request to this conversation in this tenant keeps within the limits."""
        now = self.clock()
        delay = max(self.tenants.reserve(tenant or "", now), self.conversations.reserve(conversation or "", now))
        if delay > 0:
            self.waited += delay
            await (self.sleep or asyncio.sleep)(delay)
