"""How long AssureBot waits when Teams is busy: as asked, within bounds, never for a refusal."""

from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.teams.retry import ConnectorGaveUp, ConnectorRefused, RetryPolicy, retry_after, with_retries


class Answer:
    def __init__(self, status: int, headers: dict | None = None):
        self.status_code = status
        self.headers = headers or {}
        self.reason = "fake"

    def raise_for_status(self):
        raise RuntimeError(f"{self.status_code}")


def failure(status: int, **headers) -> HttpOperationError:
    return HttpOperationError(None, Answer(status, headers))


def policy(waits: list[float], **limits) -> RetryPolicy:
    async def note(seconds: float) -> None:
        waits.append(seconds)
    return RetryPolicy(sleep=note, **limits)


def calls(*outcomes):
    """A connector call that fails with each outcome in turn, then answers 'ok'."""
    remaining = list(outcomes)
    made = []

    async def call():
        made.append(1)
        if remaining:
            raise remaining.pop(0)
        return "ok"
    return call, made


async def test_retry_after_in_seconds_or_as_a_date_is_what_we_wait():
    waits = []
    call, _ = calls(failure(429, **{"Retry-After": "3"}))
    assert await with_retries(call, policy=policy(waits), what="test") == "ok"
    assert waits == [3.0]
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=20), usegmt=True)
    assert 15 < retry_after(failure(429, **{"Retry-After": later})) <= 20


async def test_without_retry_after_the_waits_grow_and_stop_after_the_allowed_attempts():
    waits = []
    call, made = calls(*[failure(502) for _ in range(10)])
    with pytest.raises(ConnectorGaveUp):
        await with_retries(call, policy=policy(waits, attempts=4, first_delay=1, max_delay=30), what="test")
    assert len(made) == 4 and len(waits) == 3
    assert 0.5 <= waits[0] <= 1 and 2 <= waits[2] <= 4


async def test_asked_to_wait_longer_than_we_wait_in_one_go_we_give_up_for_now():
    waits = []
    call, made = calls(failure(429, **{"Retry-After": "600"}))
    with pytest.raises(ConnectorGaveUp, match="asked to wait 600s"):
        await with_retries(call, policy=policy(waits, max_delay=30), what="test")
    assert waits == [] and len(made) == 1


async def test_the_total_wait_is_bounded():
    waits = []
    call, _ = calls(*[failure(429, **{"Retry-After": "20"}) for _ in range(5)])
    with pytest.raises(ConnectorGaveUp):
        await with_retries(call, policy=policy(waits, max_total=45), what="test")
    assert sum(waits) <= 45


async def test_a_refusal_is_final_and_a_lost_connection_is_tried_again():
    waits = []
    call, made = calls(failure(403))
    with pytest.raises(ConnectorRefused):
        await with_retries(call, policy=policy(waits), what="test")
    assert len(made) == 1 and waits == []
    call, made = calls(ClientRequestError("connection refused"))
    assert await with_retries(call, policy=policy(waits), what="test") == "ok"
    assert len(made) == 2


async def test_a_client_mistake_is_not_retried():
    call, made = calls(failure(400))
    with pytest.raises(HttpOperationError):
        await with_retries(call, policy=policy([]), what="test")
    assert len(made) == 1
