"""How reminders reach people: the small interface the jobs send through, which bot/ implements.

Jobs never hold a Slack or Teams client. `bot.delivery.Delivery` routes each message to the
member's platform and is passed in by the composition root (the server or the command line).

A sender says what became of a message in the exception it raises: Unreachable (nobody can
receive it), RetryLater (the platform asked us to wait: nothing was sent), OutcomeUnknown (the
request went out but no answer came back, so it may have arrived), Refused (it was refused for
good: nothing was sent, and it is not tried again), or any other error (it was refused for now:
nothing was sent, and it is tried again later).

A sender returns the platform's message id, or for a message from the outbox a Sent: the id and
what to keep with it, written in the commit that records the message as sent (a Teams card kept
for its buttons), so that a message costs the outbox no commit of its own for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from messages.reply import Reply


@dataclass(frozen=True)
class Sent:
    """A message that went: the platform's id for it, and `keep(connection)`, rows that go with it,
    written (without committing) in the transaction that records it as sent."""

    message_id: str | None
    keep: Callable[[Connection], None] | None = None


Sender = Callable[..., Awaitable[str | Sent | None]]
"""Deliver one reply to one member on one platform, tagged with `key` where the platform keeps
tags; returns the platform's message id (or a Sent)."""


class Unreachable(Exception):
    """No configured platform can reach this member."""


class RetryLater(Exception):
    """A platform asked us to wait (HTTP 429) before sending again; nothing was sent."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class Refused(Exception):
    """The platform refused the message for good (an email server's 5xx answer): nothing was sent,
    and sending it again would be refused too, so it fails at once and the business unit is told."""


class OutcomeUnknown(Exception):
    """The message left but no answer came back (a timeout, a dropped connection): it may have
    arrived, so it must be looked for, or counted, before it is sent again."""


class Delivery(Protocol):
    """Routes a private message to a member on a platform that reaches them."""

    senders: Mapping[str, Sender]

    def platform_for(self, member: Any) -> str | None:
        """The platform the member will be reached on, or None."""

    async def send(self, member: Any, reply: Reply, *, key: str | None = None) -> tuple[str, str | Sent | None]:
        """Send; returns (platform, message id or Sent). Raises as the module docstring says."""

    async def find(self, member: Any, key: str) -> tuple[bool, str | None]:
        """Whether the platform can look for a message sent with `key`, and its id if it arrived."""
