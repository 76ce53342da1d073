"""Sending at Teams' pace: never more than Teams' documented limits in any window, per tenant and per
conversation, a burst spread out rather than refused, and a busy conversation holding up no other."""

import random

from bot.teams import pace as pace_module
from bot.teams.pace import MARGIN, PER_CONVERSATION, PER_TENANT, SPREAD, TeamsPace


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def pace_with(clock: Clock, *, oversleep: float = 0.0, **limits) -> tuple[TeamsPace, list[float]]:
    """A pace whose sleeps move the clock (by `oversleep` more than asked, as a busy process wakes late)."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.now += seconds + oversleep

    return TeamsPace(clock=clock, sleep=sleep, **limits), waits


def most_within(moments: list[float], seconds: float) -> int:
    """The most of the moments inside any window of `seconds` (Teams counts (t - seconds, t])."""
    moments, most, first = sorted(moments), 0, 0
    for last, moment in enumerate(moments):
        while moments[first] <= moment - seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


def keeps_within(moments: list[float], limits) -> bool:
    return all(most_within(moments, seconds) <= count for seconds, count in limits)


async def test_a_quiet_conversation_takes_seven_at_once_and_then_keeps_to_eight_in_two_seconds():
    clock = Clock()
    pace, waits = pace_with(clock, per_tenant=PER_TENANT)  # Teams' own tenant limit, without the spread
    for _ in range(7):
        await pace.wait("tenant", "chat-1")
    assert waits == []  # a quiet conversation takes a second's worth at once
    await pace.wait("tenant", "chat-1")
    assert abs(clock.now - (100 + 1 + MARGIN)) < 1e-6  # the eighth, a (slightly long) second later
    await pace.wait("tenant", "chat-1")
    assert abs(clock.now - (100 + 2 * (1 + MARGIN))) < 1e-6  # the ninth would be a ninth within two seconds


async def test_one_conversation_never_goes_over_any_of_its_windows():
    clock = Clock()
    pace, _ = pace_with(clock)
    sent = []
    for _ in range(150):
        await pace.wait("tenant", "chat-1")
        sent.append(clock.now)
    assert keeps_within(sent, PER_CONVERSATION)
    assert most_within(sent, 30.0) == 60  # the thirty-second window is what holds it back, and it is used


async def test_many_conversations_in_one_tenant_keep_to_fifty_a_second_spread_over_its_tenths():
    clock = Clock()
    pace, _ = pace_with(clock)
    sent = []
    for n in range(300):
        await pace.wait("tenant-a", f"chat-{n}")
        sent.append(clock.now)
    assert keeps_within(sent, PER_TENANT + SPREAD)
    assert most_within(sent, 1.0) <= 50 and most_within(sent, 0.1) <= 5
    assert abs((sent[-1] - sent[0]) - (300 / 50 - 0.1) * (1 + MARGIN)) < 0.01  # and no slower than that
    before = clock.now
    await pace.wait("tenant-b", "chat-x")
    assert clock.now == before  # another tenant's windows are its own


async def test_a_token_bucket_burst_would_have_gone_over_the_limit_this_pace_does_not():
    # Requests arriving faster than Teams allows, in bursts, to conversations of one tenant and to
    # a few busy conversations: whatever the order, no window of Teams' ever holds more than its limit.
    rng = random.Random(3)
    clock = Clock()
    pace, _ = pace_with(clock)
    by_tenant: dict[str, list[float]] = {}
    by_chat: dict[str, list[float]] = {}
    for _ in range(600):
        clock.now += rng.expovariate(120)
        tenant = rng.choice(["a", "b"])
        chat = f"{tenant}-{rng.randrange(8)}"
        moment = pace.take(tenant, chat)  # as wait() does, without waiting for the others' turns
        by_tenant.setdefault(tenant, []).append(moment)
        by_chat.setdefault(chat, []).append(moment)
    assert all(keeps_within(moments, PER_TENANT) for moments in by_tenant.values())
    assert all(keeps_within(moments, PER_CONVERSATION) for moments in by_chat.values())


async def test_a_busy_conversation_does_not_hold_up_the_rest_of_the_tenant():
    clock = Clock()
    pace, _ = pace_with(clock)
    for _ in range(20):
        pace.take("tenant", "busy")  # its last places are seconds away
    assert pace.take("tenant", "quiet") - clock.now < 0.5  # a place in the gaps, not after the busy one's


async def test_a_request_that_wakes_late_takes_a_new_moment_instead_of_crowding_the_next_ones():
    clock = Clock()
    pace, waits = pace_with(clock, oversleep=0.5)  # the process was busy: every sleep ends half a second late
    for n in range(5):
        await pace.wait("tenant", f"chat-{n}")  # the tenth's five go at once
    await pace.wait("tenant", "chat-5")
    assert len(waits) == 1 and abs(waits[0] - 0.1 * (1 + MARGIN)) < 1e-9  # it waited for the next tenth
    given = pace.tenants.given["tenant"]  # but woke half a second late: that place was given back
    assert given == [100.0] * 5 + [clock.now]  # and it went at a new one, now, which the windows allow


async def test_conversations_nothing_can_see_any_more_are_forgotten(monkeypatch):
    monkeypatch.setattr(pace_module, "FORGET", 10)
    clock = Clock()
    pace, _ = pace_with(clock)
    for n in range(10):
        await pace.wait("tenant", f"chat-{n}")
    clock.now += 3600 * (1 + MARGIN) + 1  # past the longest window
    for n in range(10, 12):
        await pace.wait("tenant", f"chat-{n}")
    assert set(pace.conversations.given) == {"chat-10", "chat-11"}
