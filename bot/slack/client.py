"""Calling Slack: the Web API client and response URLs, with bounded retries and clear failures.

A 429 is retried after the Retry-After Slack asks for, and a dropped connection after a short
backoff, a few times at most. What still fails becomes `SlackUnavailable`, logged once with the
method and Slack's error code, so callers can tell the user instead of crashing.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2
LONGEST_RETRY_AFTER = 30.0  # seconds; a longer wait than this is not worth holding a reply for
REQUEST_TIMEOUT = 10  # seconds for one HTTP call to Slack


class SlackUnavailable(Exception):
    """A Slack call that failed for good: Slack refused it (with an error code) or could not be reached.

    `timeout` and `dropped` mean the request may have reached Slack; `unreachable` means it did not.
    """

    def __init__(self, method: str, code: str, *, retry_after: float | None = None):
        super().__init__(f"{method}: {code}")
        self.method = method
        self.code = code
        self.retry_after = retry_after

    @property
    def unreachable(self) -> bool:
        return self.code in ("unreachable", "timeout", "dropped")

    @property
    def may_have_arrived(self) -> bool:
        return self.code in ("timeout", "dropped")


class RetryAfterRateLimit(AsyncRetryHandler):
    """Retry a 429 after the Retry-After Slack sent (a second if it sent none), up to a bound."""

    def __init__(self, max_retry_count: int = RATE_LIMIT_RETRIES, longest_wait: float = LONGEST_RETRY_AFTER,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep):
        super().__init__(max_retry_count=max_retry_count)
        self.longest_wait = longest_wait
        self.sleep = sleep

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return response is not None and response.status_code == 429 and self.retry_after(response) <= self.longest_wait

    async def prepare_for_next_attempt_async(self, *, state: RetryState, request: HttpRequest,
                                             response: HttpResponse | None = None,
                                             error: Exception | None = None) -> None:
        state.next_attempt_requested = True
        await self.sleep(self.retry_after(response))
        state.increment_current_attempt()

    @staticmethod
    def retry_after(response: HttpResponse | None) -> float:
        headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
        value = headers.get("retry-after")
        if isinstance(value, list):
            value = value[0] if value else None
        try:
            return max(0.0, float(value)) if value is not None else 1.0
        except ValueError:
            return 1.0


class ConnectionRetry(AsyncConnectionErrorRetryHandler):
    """Retry a dropped or refused connection, with a short jittered backoff."""

    def __init__(self, max_retry_count: int = CONNECTION_RETRIES,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep):
        super().__init__(max_retry_count=max_retry_count,
                         error_types=[aiohttp.ClientConnectionError, aiohttp.ClientOSError, asyncio.TimeoutError])
        self.sleep = sleep

    async def prepare_for_next_attempt_async(self, *, state: RetryState, request: HttpRequest,
                                             response: HttpResponse | None = None,
                                             error: Exception | None = None) -> None:
        state.next_attempt_requested = True
        await self.sleep(0.2 * (2 ** state.current_attempt) + random.random() / 10)
        state.increment_current_attempt()


def retry_handlers() -> list[AsyncRetryHandler]:
    return [RetryAfterRateLimit(), ConnectionRetry()]


def web_client(base_url: str, token: str | None, *, retries: bool = True,
               timeout: float = REQUEST_TIMEOUT) -> AsyncWebClient:
    """A Web API client for SLACK_API_URL (a local fake in tests) with the bounded retries, or none
    (for messages whose every send must be counted)."""
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(token=token, base_url=base_url, timeout=timeout,
                          retry_handlers=retry_handlers() if retries else [])


async def call(client: AsyncWebClient, method: str, **arguments: Any) -> dict[str, Any]:
    """Call a Web API method; a permanent failure is logged with the method and error code, then raised."""
    try:
        response = await getattr(client, method.replace(".", "_"))(**arguments)
        return response.data if isinstance(response.data, dict) else {}
    except SlackApiError as error:
        code = (error.response.data or {}).get("error", f"http_{error.response.status_code}") \
            if isinstance(error.response.data, dict) else f"http_{error.response.status_code}"
        log.error("Slack refused %s: %s", method, code)
        wait = None
        if error.response.status_code == 429:
            wait = RetryAfterRateLimit.retry_after(HttpResponse(status_code=429, headers={
                k: [v] for k, v in (error.response.headers or {}).items()}, data=None))
        raise SlackUnavailable(method, code, retry_after=wait) from None
    except SlackRequestError as error:  # files_upload_v2: the file's bytes were not taken
        log.error("Slack refused %s: %s", method, error)
        raise SlackUnavailable(method, "upload_failed") from None
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        log.error("Slack could not be reached for %s: %s", method, type(error).__name__)
        raise SlackUnavailable(method, failure_code(error)) from None


def failure_code(error: BaseException) -> str:
    """timeout or dropped: the request may have reached Slack; unreachable: it never left."""
    if isinstance(error, asyncio.TimeoutError):
        return "timeout"
    if isinstance(error, (aiohttp.ClientConnectorError, ConnectionRefusedError)):
        return "unreachable"
    return "dropped"


async def respond(response_url: str, payload: dict[str, Any], *,
                  session: aiohttp.ClientSession | None = None) -> None:
    """Post to a response_url (a reply after the ack, or replacing the message a button was on)."""
    client = AsyncWebhookClient(url=response_url, timeout=REQUEST_TIMEOUT, retry_handlers=retry_handlers(),
                                session=session)
    try:
        response = await client.send_dict(payload)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        log.error("Slack could not be reached for a response_url: %s", type(error).__name__)
        raise SlackUnavailable("response_url", "unreachable") from None
    if response.status_code != 200:
        log.error("Slack refused a response_url post: %s %s", response.status_code, (response.body or "")[:100])
        raise SlackUnavailable("response_url", response.body or f"http_{response.status_code}")
