"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the email tests, and email settings pointing at it.

The server keeps every message it is given, parsed with the standard `email` package, and can be
told to answer someone's next messages otherwise: "451" (try later), "550" (never), or "drop" (take
the message, then hang up before saying so, as a connection lost at the worst moment).
"""

from __future__ import annotations

import socket
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from bot.settings import Settings
from models.db import session_for
from models.partnership import Member

SECRET = "test-email-link-secret-0123456789"
PUBLIC_URL = "https://assurebot.example.org"
MAIL_FROM = "AssureBot <assurebot@riverside.example.org>"
ANSWERS = {"451": "451 4.3.0 Mailbox busy, try again later", "550": "550 5.1.1 No such mailbox here"}


@dataclass
class Mailbox:
    """What the SMTP server was given, and how it will answer each recipient's next messages."""

    port: int = 0
    received: list[EmailMessage] = field(default_factory=list)
    plans: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    answered: list[tuple[str, str]] = field(default_factory=list)  # (recipient, what the server said)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook
        recipient = envelope.rcpt_tos[0].lower()
        with self.lock:
            plan = self.plans[recipient].pop(0) if self.plans[recipient] else "250"
            self.answered.append((recipient, plan))
            if plan in ANSWERS:
                return ANSWERS[plan]
            self.received.append(message_from_bytes(envelope.original_content or envelope.content,
                                                    policy=policy.default))
        if plan == "drop":
            server.transport.close()
        return "250 2.0.0 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"].addresses[0].addr_spec.lower() == address.lower()]

    def plan(self, address: str, *answers: str) -> None:
        self.plans[address.lower()].extend(answers)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox():
    """A running SMTP server that keeps what it is sent."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def email_settings(mailbox: Mailbox | None, **changes) -> Settings:
    """Settings with SMTP at the test server, links on, and nothing read from the environment."""
    values = {"smtp_host": "127.0.0.1", "smtp_port": mailbox.port if mailbox else 2525, "smtp_starttls": False,
              "mail_from": MAIL_FROM, "public_url": PUBLIC_URL, "email_link_secret": SECRET, **changes}
    return Settings(_env_file=None, **values)


def by_email(engine, *emails: str, platform: str = "email") -> None:
    """Give these demo members (all of them with none named) their reminders by email."""
    with session_for(engine) as session:
        query = select(Member)
        if emails:
            query = query.where(Member.email.in_(emails))
        for member in session.exec(query):
            member.preferred_platform = platform
            session.add(member)
        session.commit()
