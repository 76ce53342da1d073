"""How reminders reach people: the small interface the jobs send through, which bot/ implements.

Jobs never hold a Slack or Teams client. `bot.delivery.Delivery` routes each message to the
member's platform and is passed in by the composition root (the server or the command line).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from messages.reply import Reply

Sender = Callable[[Any, Reply], Awaitable[str | None]]
"""Deliver one reply to one member on one platform; returns the platform's message id."""


class Unreachable(Exception):
    """No configured platform can reach this member."""


class Delivery(Protocol):
    """Routes a private message to a member on a platform that reaches them."""

    senders: Mapping[str, Sender]

    def platform_for(self, member: Any) -> str | None:
        """The platform the member will be reached on, or None."""

    async def send(self, member: Any, reply: Reply) -> tuple[str, str | None]:
        """Send; returns (platform, message id). Raises Unreachable when nothing reaches them."""
