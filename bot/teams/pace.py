"""Sending to Teams at the pace Teams allows, so that "too many requests" is the exception.

Microsoft documents its limits as so many requests within a sliding window: 50 a second for all of
an app's conversations in one tenant; and for a bot in one conversation 7 in a second, 8 in two,
60 in thirty and 1,800 in an hour. Teams counts requests as they arrive. A token bucket that lets a
second's worth through at once and then keeps to the average sends up to twice the limit within
one second (the burst, then the average), and those over it are answered 429.

So each tenant and each conversation keeps the moments its requests were given, and a request is
given the first moment at which no window would hold more than its limit. Every window is a little
longer here than Teams' own (MARGIN), for the time a request takes to arrive; and a tenant's
second is spread out (a tenth of it in any tenth of a second), so that requests held up on their
way by a busy moment do not arrive bunched into one second. A request that wakes well after its
moment (the process was busy, or not running) gives the moment back and takes a new one, rather
than going out late together with the requests due after it. A moment is found in both the
conversation and the tenant, so a busy conversation waits for its own windows without holding up
the rest of the tenant: a later request may take a place before those already given.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Awaitable, Callable

Limits = tuple[tuple[float, int], ...]  # (seconds, requests at most within any window that long)

PER_TENANT: Limits = ((1.0, 50),)  # all of the app's conversations in one tenant
SPREAD: Limits = ((0.1, 5),)  # ours, not Teams': a tenant's second spread over its tenths
PER_CONVERSATION: Limits = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))  # the bot in one conversation
MARGIN = 0.05  # every window 5% longer: requests arrive a little sooner or later than they leave
LATE = 0.02  # seconds after its moment that a request still goes; later, it takes a new moment
RETAKES = 5  # new moments at most, so that a process that is always late still sends
FORGET = 10_000  # keys remembered before those with nothing left in any window are dropped


class _Windows:
    """The moments given to each key's requests, kept while any window can still see them."""

    def __init__(self, limits: Limits, margin: float):
        self.limits = tuple((seconds * (1 + margin), count) for seconds, count in limits)
        self.longest = max(seconds for seconds, _ in self.limits)
        self.given: dict[str, list[float]] = {}
        self._tidy_above = FORGET

    def first_free(self, key: str, at: float) -> float:
        """The first moment from `at` at which one more request for `key` keeps within every window."""
        given = self.given.get(key)
        if not given:
            return at
        moment = None
        while moment != at:
            moment = at
            for seconds, count in self.limits:
                at = _first_free(given, at, seconds, count)
        return at

    def give_back(self, key: str, moment: float) -> None:
        given = self.given.get(key)
        if given:
            at = bisect_left(given, moment)
            if at < len(given) and given[at] == moment:
                del given[at]

    def take(self, key: str, moment: float, now: float) -> None:
        given = self.given.setdefault(key, [])
        insort(given, moment)
        seen = bisect_right(given, now - self.longest)  # no window from now on can see these
        if seen:
            del given[:seen]
        if len(self.given) > self._tidy_above:
            self._forget(now)

    def _forget(self, now: float) -> None:
        for key in [k for k, given in self.given.items() if not given or given[-1] <= now - self.longest]:
            del self.given[key]
        self._tidy_above = max(FORGET, 2 * len(self.given))  # so a busy hour is not scanned on every request


def _first_free(given: list[float], at: float, seconds: float, count: int) -> float:
    """The first moment from `at` at which the `given` moments (ascending) and one more hold no more
    than `count` within any `seconds`. A run of `count` given moments closer together than `seconds`
    rules out every moment after its last minus `seconds` and before its first plus `seconds`."""
    if len(given) < count:
        return at
    if at >= given[-1]:  # after everything given: only the last run can rule it out
        return max(at, given[-count] + seconds)
    start = bisect_right(given, at - seconds)  # runs starting earlier are over by `at`
    for first in range(start, len(given) - count + 1):
        last = given[first + count - 1]
        if last - seconds >= at:
            break  # this run, and every later one, rules out nothing as early as `at`
        if last - given[first] < seconds and at < given[first] + seconds:
            at = given[first] + seconds
    return at


class TeamsPace:
    """Waits, per tenant and per conversation, until Teams would take another request."""

    def __init__(self, *, per_tenant: Limits = PER_TENANT + SPREAD, per_conversation: Limits = PER_CONVERSATION,
                 margin: float = MARGIN, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] | None = None):
        self.tenants = _Windows(per_tenant, margin)
        self.conversations = _Windows(per_conversation, margin)
        self.clock = clock
        self.sleep = sleep
        self.waited = 0.0  # seconds spent waiting, for the benchmark and tests

    def take(self, tenant: str, conversation: str) -> float:
        """Take the first moment at which this conversation and this tenant both have room."""
        now = self.clock()
        moment, found = None, now
        while moment != found:
            moment = found
            found = self.tenants.first_free(tenant, self.conversations.first_free(conversation, moment))
        self.tenants.take(tenant, moment, now)
        self.conversations.take(conversation, moment, now)
        return moment

    async def wait(self, tenant: str | None, conversation: str | None) -> None:
        """Return when a request to this conversation in this tenant keeps within the limits."""
        tenant, conversation = tenant or "", conversation or ""
        for retake in range(RETAKES, 0, -1):
            moment = self.take(tenant, conversation)
            delay = moment - self.clock()
            if delay > 1e-9:
                self.waited += delay
                await (self.sleep or asyncio.sleep)(delay)
            if self.clock() - moment <= LATE or retake == 1:
                return
            self.tenants.give_back(tenant, moment)  # too late for it: sent now, it would crowd the next ones
            self.conversations.give_back(conversation, moment)
