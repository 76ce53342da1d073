"""Reaching a member privately on their own platform, for notices and reminders.

Each platform adapter registers a sender when it is configured. A sender delivers one Reply to
one member and returns the platform's message id (so the message can be updated in place later).
"""

from __future__ import annotations

import logging
from messages.plain import render_plain
from messages.reply import Reply
from models.partnership import Member, Platform
from schedules.delivery import Sender, Unreachable

log = logging.getLogger(__name__)

__all__ = ["Delivery", "Sender", "Unreachable", "log_sender"]


class Delivery:
    """Routes a private message to the member's preferred platform, or another that can reach them."""

    def __init__(self) -> None:
        self.senders: dict[str, Sender] = {}

    def register(self, platform: str, sender: Sender) -> None:
        self.senders[platform] = sender

    def platform_for(self, member: Member) -> str | None:
        """The platform a member will be reached on, or None if none can reach them."""
        reachable = {
            Platform.SLACK.value: bool(member.slack_user_id),
            Platform.TEAMS.value: bool(member.teams_aad_id) and not member.teams_unreachable,
            Platform.CONSOLE.value: True,
        }
        order = [member.preferred_platform] + [p.value for p in Platform if p.value != member.preferred_platform]
        for platform in order:
            if platform in self.senders and reachable.get(platform):
                return platform
        return None

    async def send(self, member: Member, reply: Reply) -> tuple[str, str | None]:
        """Send and return (platform, message id); raises Unreachable when nobody can deliver."""
        platform = self.platform_for(member)
        if platform is None:
            raise Unreachable(f"member {member.id} has no platform that can reach them")
        return platform, await self.senders[platform](member, reply)

    async def notify(self, member: Member, reply: Reply) -> None:
        """Deliver a notice; if it cannot be delivered, say so in the log for the admins."""
        try:
            await self.send(member, reply)
        except Unreachable:
            log.warning("notice for member %s could not be delivered: no platform reaches them", member.id)


async def log_sender(member: Member, reply: Reply) -> str | None:
    """The console platform when the bot runs as a server: the message goes to the log."""
    log.info("message for %s:\n%s", member.email, render_plain(reply))
    return None
