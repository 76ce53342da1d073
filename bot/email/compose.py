"""One email as it leaves: multipart/alternative (plain text, then HTML), UTF-8, and the headers
that make it a well-behaved automatic message.

- Message-ID comes from the outbox key (schedules.outbox.outbox_key), so a second copy of the
  same digest carries the same id and mail systems (and people) can tell it is a resend.
- List-Unsubscribe with List-Unsubscribe-Post (RFC 8058) lets a mail client stop the emails
  with one click; Auto-Submitted and X-Auto-Response-Suppress keep out-of-office replies away.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from messages.email_html import RenderedEmail

ONE_CLICK = "List-Unsubscribe=One-Click"


def sender_domain(mail_from: str) -> str:
    """The domain of MAIL_FROM, for Message-IDs."""
    address = parseaddr(mail_from)[1]
    return address.rpartition("@")[2] or "assurebot.invalid"


def message_id(key: str | None, domain: str) -> str:
    """The Message-ID for a message: from its outbox key when it has one, so a resend has the same."""
    local = re.sub(r"[^A-Za-z0-9.-]", ".", key) if key else f"assurebot.notice.{uuid.uuid4().hex}"
    return f"<{local}@{domain}>"


def compose(rendered: RenderedEmail, *, mail_from: str, to_name: str, to_address: str, key: str | None,
            unsubscribe_url: str, now: datetime) -> EmailMessage:
    """The whole message, ready for SMTP."""
    message = EmailMessage()
    message["From"] = mail_from
    local, _, domain = to_address.rpartition("@")
    message["To"] = Address(display_name=to_name, username=local, domain=domain)
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(key, sender_domain(mail_from))
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = ONE_CLICK
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message
