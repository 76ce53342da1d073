"""Sending at Teams' pace: a burst is spread out per tenant and per conversation, not refused."""

from bot.teams.pace import TeamsPace


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def pace_with(clock: Clock, **limits) -> tuple[TeamsPace, list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.now += seconds

    return TeamsPace(clock=clock, sleep=sleep, **limits), waits


async def test_one_conversation_gets_a_burst_then_seven_a_second():
    clock = Clock()
    pace, waits = pace_with(clock)
    for _ in range(7):
        await pace.wait("tenant", "chat-1")
    assert waits == []  # a quiet conversation takes a second's worth at once
    for _ in range(14):
        await pace.wait("tenant", "chat-1")
    assert len(waits) == 14 and abs(clock.now - 102.0) < 0.01  # then 7 a second


async def test_many_conversations_in_one_tenant_keep_to_fifty_a_second_and_another_tenant_is_apart():
    clock = Clock()
    pace, waits = pace_with(clock)
    for n in range(150):
        await pace.wait("tenant-a", f"chat-{n}")
    assert abs(clock.now - 102.0) < 0.01  # 50 at once, then 50 a second
    before = clock.now
    await pace.wait("tenant-b", "chat-x")
    assert clock.now == before  # another tenant's bucket is its own
