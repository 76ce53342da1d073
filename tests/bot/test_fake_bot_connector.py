"""The fake Bot Connector keeps Teams' limits as Teams does, so the benchmark's 429s mean something:
over 50 requests in a second in a tenant, or 7 in a second (8 in two...) in a conversation, is
answered 429 with Retry-After; windows slide; refused requests count too; a tolerance lets a
little over through."""

import aiohttp

from tests.fakes.bot_connector import FakeBotConnector, Throttle, tenant_of


def test_a_tenant_gets_fifty_in_any_second_and_the_fifty_first_is_refused():
    throttle = Throttle()
    answers = [throttle.admits("tenant-1", f"chat-{n}", at=10 + n * 0.01) for n in range(51)]
    assert answers == [True] * 50 + [False]
    assert throttle.admits("tenant-2", "chat-x", at=10.5)  # another tenant counts apart


def test_the_window_slides_and_refused_requests_count_too():
    throttle = Throttle()
    for n in range(50):
        assert throttle.admits("tenant-1", f"chat-{n}", at=10 + n * 0.01)  # 10.00 ... 10.49
    assert not throttle.admits("tenant-1", "chat-x", at=10.9)  # 51 since 9.9
    assert not throttle.admits("tenant-1", "chat-y", at=11.005)  # the first has left; the refused one has not
    assert throttle.admits("tenant-1", "chat-z", at=11.5)  # 10.00-10.50 are all out of the window now


def test_a_conversation_gets_seven_in_a_second_and_eight_in_two():
    throttle = Throttle()
    assert all(throttle.admits("tenant-1", "chat-1", at=10 + n * 0.01) for n in range(7))
    assert not throttle.admits("tenant-1", "chat-1", at=10.5)  # the eighth within a second
    throttle = Throttle()
    assert all(throttle.admits("tenant-1", "chat-1", at=10 + n * 0.01) for n in range(7))
    assert throttle.admits("tenant-1", "chat-1", at=11.2)  # the eighth, a second later
    assert not throttle.admits("tenant-1", "chat-1", at=11.6)  # a ninth within two seconds


def test_a_tolerance_lets_a_little_over_the_limit_through():
    throttle = Throttle(tolerance=0.05)  # 52 of 50 in a tenant; still 7 in a conversation
    answers = [throttle.admits("tenant-1", f"chat-{n}", at=10 + n * 0.01) for n in range(53)]
    assert answers == [True] * 52 + [False]


def test_the_tenant_is_read_from_the_activity_or_the_new_conversation():
    assert tenant_of({"conversation": {"id": "a:1", "tenantId": "t-1"}}) == "t-1"
    assert tenant_of({"conversation": {"id": "a:1", "tenantID": "t-3"}}) == "t-3"  # as msrest writes it
    assert tenant_of({"channelData": {"tenant": {"id": "t-2"}}, "isGroup": False}) == "t-2"
    assert tenant_of(None) == ""


async def test_over_the_limit_the_fake_answers_429_with_retry_after_on_the_wire():
    connector = FakeBotConnector(throttle=Throttle(retry_after=2))
    url = await connector.start()
    try:
        activity = {"type": "message", "text": "hello", "conversation": {"id": "a:chat-1", "tenantId": "t-1"}}
        statuses, waits = [], []
        async with aiohttp.ClientSession() as http:
            for _ in range(8):
                async with http.post(f"{url}v3/conversations/a:chat-1/activities", json=activity) as response:
                    statuses.append(response.status)
                    waits.append(response.headers.get("Retry-After"))
        assert statuses == [201] * 7 + [429]
        assert waits[-1] == "2"
        assert [c.status for c in connector.sent(ok=False)] == statuses  # the refusal is in the record too
        assert connector.calls[0].at <= connector.calls[-1].at
    finally:
        await connector.stop()
