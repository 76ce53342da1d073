"""Email as a platform: one Reply to one member, through the partnership's SMTP server (aiosmtplib).

What the server answers decides what the outbox does next (schedules.sending):

- refused before the message was handed over, or a 4xx answer ("try later"): nothing arrived, and
  it is tried again with the outbox's backoff;
- a 5xx answer ("never"): Refused, so it fails at once and the business unit is told;
- the connection dropped or timed out after the message was handed over, before the server said
  it had it: OutcomeUnknown. Email cannot be looked up afterwards, so it is sent once more (with
  the same Message-ID) and then counted as sent, as for Teams.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr

import aiosmtplib

from bot.email.compose import compose
from bot.settings import Settings
from handlers.email_links import ANSWER_LIFE, LinkSigner
from messages.email_html import render_email
from messages.reply import Button, Reply
from models.clock import Clock
from models.partnership import Member
from schedules.delivery import OutcomeUnknown, Refused

log = logging.getLogger(__name__)
IMPLICIT_TLS_PORT = 465


class NotSentYet(Exception):
    """The server did not take the message this time (a 4xx, or no connection): try again later."""


class EmailSender:
    """Renders a Reply as an email with the member's own links, and sends it."""

    def __init__(self, settings: Settings, signer: LinkSigner, *, clock: Clock | None = None):
        self.settings = settings
        self.signer = signer
        self.clock = clock or Clock()
        self.envelope_from = parseaddr(settings.mail_from or "")[1]

    def message_for(self, member: Member, reply: Reply, *, key: str | None = None) -> EmailMessage:
        """The email a member gets for a reply: their links signed now, for this message."""
        now = self.clock.now()
        tag = key or uuid.uuid4().hex

        def links(item: str, button: Button) -> str | None:
            return self.signer.answer_url(member_id=member.id, partnership_id=member.partnership_id, item=item,
                                          button=button, message=tag, now=now)

        unsubscribe = self.signer.unsubscribe_url(member_id=member.id, partnership_id=member.partnership_id,
                                                  message=tag, now=now)
        rendered = render_email(reply, links=links, unsubscribe_url=unsubscribe, link_days=ANSWER_LIFE.days)
        return compose(rendered, mail_from=self.settings.mail_from or "", to_name=member.name,
                       to_address=member.email, key=key, unsubscribe_url=unsubscribe, now=now)

    async def __call__(self, member: Member, reply: Reply, key: str | None = None) -> str:
        """The Sender for bot.delivery: sends and returns the Message-ID."""
        message = self.message_for(member, reply, key=key)
        await self.transmit(message, member.email)
        return message["Message-ID"]

    async def transmit(self, message: EmailMessage, recipient: str) -> None:
        """Hand one message to the SMTP server, saying in the exception raised what became of it."""
        settings = self.settings
        implicit = settings.smtp_port == IMPLICIT_TLS_PORT
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host, port=settings.smtp_port, timeout=settings.smtp_timeout,
            use_tls=implicit, start_tls=False if implicit else settings.smtp_starttls,
            username=settings.smtp_username or None,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None)
        try:
            try:
                await client.connect()
                await client.mail(self.envelope_from)
                await client.rcpt(recipient)
            except aiosmtplib.SMTPResponseException as answer:
                raise _refusal(answer) from None
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as error:
                raise NotSentYet(f"the email server could not be reached: {type(error).__name__}: {error}") from None
            try:
                await client.data(message.as_bytes(policy=SMTP_POLICY))
            except aiosmtplib.SMTPResponseException as answer:
                raise _refusal(answer) from None
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as error:
                raise OutcomeUnknown(f"the email server did not confirm the message: {type(error).__name__}") \
                    from None
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
                    client.close()


def _refusal(answer: aiosmtplib.SMTPResponseException) -> Exception:
    """A 5xx is for good; anything else (4xx) is for now."""
    text = f"the email server answered {answer.code} {answer.message}".strip()[:500]
    return Refused(text) if 500 <= answer.code < 600 else NotSentYet(text)
