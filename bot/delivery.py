"""Reaching a member privately on their own platform, for notices and reminders.

Each platform adapter registers a sender when it is configured. A sender delivers one Reply to
one member and returns the platform's message id (so the message can be updated in place later).

A member is reached on the platform they (or the business unit) chose, if AssureBot can reach
them there; otherwise on whichever chat platform knows them (a member with only a Slack id is
reached on Slack). Email is only ever the platform chosen, never a fallback, and not once the
member has turned reminder emails off. The console is a platform only where one is registered: the `assurebot
remind` command prints there. A server registers none, so a message nobody can receive is
reported as undeliverable, never written to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from messages.reply import Reply
from models.partnership import Member, Platform
from schedules.delivery import Sender, Sent, Unreachable

Finder = Callable[[Member, str], Awaitable[str | None]]
ReadAhead = Callable[[list[Member]], None]

log = logging.getLogger(__name__)

__all__ = ["Delivery", "Sender", "Unreachable"]
CHAT = (Platform.SLACK.value, Platform.TEAMS.value)
CHOSEN = (*CHAT, Platform.EMAIL.value)


class Delivery:
    """Routes a private message to the member's preferred platform, or another that can reach them."""

    def __init__(self) -> None:
        self.senders: dict[str, Sender] = {}
        self.finders: dict[str, Finder] = {}
        self.readers: dict[str, ReadAhead] = {}

    def register(self, platform: str, sender: Sender, *, finder: Finder | None = None,
                 read_ahead: ReadAhead | None = None) -> None:
        """A platform's sender; its finder, where the platform lets a sent message be looked for;
        its reader, where what its sender needs for many members can be read at once."""
        self.senders[platform] = sender
        if finder is not None:
            self.finders[platform] = finder
        if read_ahead is not None:
            self.readers[platform] = read_ahead

    def read_ahead(self, members: list[Member]) -> None:
        """About to send to these members: each platform that can reads what it will need for its
        own members in one go (Teams: their personal chats), rather than once for each message."""
        by_platform: dict[str, list[Member]] = {}
        for member in members:
            platform = self.platform_for(member)
            if platform in self.readers:
                by_platform.setdefault(platform, []).append(member)
        for platform, theirs in by_platform.items():
            self.readers[platform](theirs)

    def platform_for(self, member: Member) -> str | None:
        """The platform a member will be reached on, or None if none can reach them: the one chosen,
        then any chat platform that knows them, and the console only where one is registered."""
        reachable = {
            Platform.SLACK.value: bool(member.slack_user_id),
            Platform.TEAMS.value: bool(member.teams_aad_id) and not member.teams_unreachable,
            Platform.EMAIL.value: bool(member.email) and not member.email_off,
            Platform.CONSOLE.value: True,
        }
        chosen = [member.preferred_platform] if member.preferred_platform in CHOSEN else []
        for platform in [*chosen, *CHAT, Platform.CONSOLE.value]:
            if platform in self.senders and reachable.get(platform):
                return platform
        return None

    async def send(self, member: Member, reply: Reply, *, key: str | None = None) -> tuple[str, str | Sent | None]:
        """Send and return (platform, message id); raises Unreachable when nobody can deliver.
        `key` tags the message where the platform keeps tags, so it can be looked for later; a
        sender may then answer with a Sent, for the outbox to keep what goes with the message."""
        platform = self.platform_for(member)
        if platform is None:
            raise Unreachable(f"member {member.id} has no platform that can reach them")
        if key is None:
            return platform, await self.senders[platform](member, reply)
        return platform, await self.senders[platform](member, reply, key=key)

    async def find(self, member: Member, key: str) -> tuple[bool, str | None]:
        """(could look, the message id if a message sent with `key` arrived)."""
        platform = self.platform_for(member)
        finder = self.finders.get(platform) if platform else None
        if finder is None:
            return False, None
        return True, await finder(member, key)

    async def notify(self, member: Member, reply: Reply) -> bool:
        """Deliver a notice; False when nothing reaches them (logged: who, never what)."""
        try:
            await self.send(member, reply)
        except Unreachable:
            log.warning("a notice for member %s could not be delivered: no platform reaches them", member.id)
            return False
        return True
