"""Email on the server: the sender for `platform: email` members, and the pages behind its links.

Email is sent only when SMTP_HOST and MAIL_FROM are set, and only with links: every email carries
an unsubscribe link, so PUBLIC_URL and EMAIL_LINK_SECRET are needed too. The pages exist only when
PUBLIC_URL and EMAIL_LINK_SECRET are set; without them /email/... is not served at all.
"""

from __future__ import annotations

import ipaddress
import logging

from aiohttp import web

from bot.delivery import Delivery
from bot.email.pages import EmailPages
from bot.email.smtp import EmailSender
from bot.settings import Settings
from handlers.dispatch import Dispatcher
from models.clock import Clock
from models.partnership import Platform

log = logging.getLogger(__name__)

EMAIL = web.AppKey("email_sender", EmailSender)


def email_sender(settings: Settings, *, clock: Clock | None = None) -> EmailSender | None:
    """The email sender, when SMTP and the links are both set up (logging what is missing otherwise)."""
    signer = settings.email_links()
    if not settings.smtp_configured:
        log.info("Email is not configured (set SMTP_HOST and MAIL_FROM): members with platform: email are listed "
                 "for the business unit as not reached.")
        return None
    if signer is None:
        log.warning("Email is not sent: SMTP is set up, but every email needs its links, so set PUBLIC_URL and "
                    "EMAIL_LINK_SECRET too.")
        return None
    if not settings.smtp_starttls and settings.smtp_port != 465 and not _loopback(settings.smtp_host or ""):
        log.warning("SMTP_STARTTLS is off: emails and the SMTP password cross the network unencrypted to %s",
                    settings.smtp_host)
    return EmailSender(settings, signer, clock=clock)


def attach(app: web.Application, settings: Settings, *, dispatcher: Dispatcher, delivery: Delivery,
           clock: Clock | None = None) -> EmailSender | None:
    """Register the email sender with Delivery and add the pages, as far as they are configured."""
    signer = settings.email_links()
    if signer is not None:
        EmailPages(dispatcher, signer, clock=clock).attach(app)
    sender = email_sender(settings, clock=clock)
    if sender is not None:
        app[EMAIL] = sender
        delivery.register(Platform.EMAIL.value, sender)
        log.info("Email: sending through %s:%s as %s", settings.smtp_host, settings.smtp_port, settings.mail_from)
    return sender


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
