"""Calls to the Bot Connector that may be throttled: retried with backoff, within a bound.

Teams answers 429 when the bot sends too fast and 5xx when it is having trouble; both are worth
another try after a pause (the Retry-After header when given, else exponential backoff with
jitter). A 403 means the person removed the app or the bot left the team: retrying cannot help.
The SDK's own hidden retries are switched off (see `without_sdk_retries`) so this is the only
place that decides, and the total wait stays bounded.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from msrest.exceptions import ClientRequestError, HttpOperationError

from schedules.delivery import OutcomeUnknown, RetryLater
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

T = TypeVar("T")


class ConnectorRefused(Exception):
    """Teams refused the call for good (403: app removed, bot not in the conversation)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class ConnectorGaveUp(Exception):
    """Still throttled or failing after the allowed retries."""


@dataclass
class RetryPolicy:
    """How hard to try: attempts in all, the first pause, the longest pause, the longest total wait."""

    attempts: int = 5
    first_delay: float = 0.5
    max_delay: float = 30.0
    max_total: float = 60.0
    sleep: Callable[[float], Awaitable[Any]] = field(default=asyncio.sleep)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter for the attempt that just failed (0-based)."""
        ceiling = min(self.max_delay, self.first_delay * (2 ** attempt))
        return random.uniform(ceiling / 2, ceiling)


def status_of(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    return getattr(response, "status_code", None) or getattr(response, "status", None)


def error_code(error: BaseException) -> str:
    """The connector's error code (BotNotInConversationRoster, ConversationBlockedByUser...)."""
    body = getattr(error, "error", None)
    inner = getattr(body, "error", None)
    return str(getattr(inner, "code", "") or "")


def retry_after(error: BaseException) -> float | None:
    """Seconds the service asked us to wait, from Retry-After (seconds or an HTTP date)."""
    headers = getattr(getattr(error, "response", None), "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def is_transient(status: int | None) -> bool:
    return status == 429 or (status is not None and 500 <= status <= 599)


async def with_retries(call: Callable[[], Awaitable[T]], *, policy: RetryPolicy, what: str) -> T:
    """Run a connector call, retrying 429, 5xx and lost connections; raise ConnectorRefused on 403."""
    waited = 0.0
    for attempt in range(policy.attempts):
        try:
            return await call()
        except HttpOperationError as error:
            status = status_of(error)
            if status == 403:
                raise ConnectorRefused(403, error_code(error), str(error)) from error
            if not is_transient(status):
                raise
            delay = retry_after(error)
            reason = f"HTTP {status}"
        except ClientRequestError as error:  # the connection failed before any answer
            delay, reason = None, f"connection error ({error})"
        if attempt + 1 >= policy.attempts:
            break
        if delay is not None and delay > policy.max_delay:
            reason += f", asked to wait {delay:g}s"  # longer than we wait in one go: try again later instead
            break
        delay = policy.backoff(attempt) if delay is None else delay
        if waited + delay > policy.max_total:
            break
        log.info("%s: %s, trying again in %.1fs (attempt %d of %d)", what, reason, delay, attempt + 2,
                 policy.attempts)
        waited += delay
        await policy.sleep(delay)
    raise ConnectorGaveUp(f"{what}: gave up after {attempt + 1} attempts ({reason})")


def outbox_error(error: BaseException) -> BaseException:
    """What a failed reminder send means for the outbox: refused for good (403), asked to wait (429),
    or of unknown fate (a 5xx, or a connection that failed once the request may have left)."""
    if isinstance(error, HttpOperationError):
        status = status_of(error)
        if status == 403:
            return ConnectorRefused(403, error_code(error), str(error))
        if status == 429:
            return RetryLater(f"Teams asked us to slow down ({error})", retry_after(error) or 1.0)
        if status is not None and status >= 500:
            return OutcomeUnknown(f"Teams answered {status}")
        return error
    if isinstance(error, ClientRequestError):
        text = f"{error} {getattr(error, 'inner_exception', '')}"
        if any(word in text for word in ("ConnectTimeout", "NewConnectionError", "Cannot connect", "refused")):
            return error  # it never left: an ordinary retry
        return OutcomeUnknown(f"no answer from Teams ({type(error).__name__})")
    return error


def without_sdk_retries(connector_client: Any) -> Any:
    """Stop msrest retrying 5xx by itself (three times, ignoring our bound); status codes reach us."""
    retry_policy = getattr(getattr(connector_client, "config", None), "retry_policy", None)
    if retry_policy is not None:
        retry_policy.policy = Retry(total=0, connect=0, read=0, redirect=0, status=0, status_forcelist=(),
                                    raise_on_status=False, respect_retry_after_header=False)
    return connector_client
