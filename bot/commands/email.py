"""`assurebot email test EMAIL`: send one test email to a member, to check the SMTP settings."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.commands import chosen_scope
from bot.email.setup import email_sender
from bot.email.smtp import EmailSender, NotSentYet
from bot.settings import Settings, get_settings
from messages.reply import Reply
from models.clock import Clock
from models.db import ready_engine
from models.people import member_by_email, partnership
from schedules.delivery import OutcomeUnknown, Refused


def check_message(partnership_name: str, email: str) -> Reply:
    """What the test email says."""
    return Reply(title="A test email from AssureBot",
                 text=(f"This is a test from AssureBot for {partnership_name}. If you can read it, reminders by "
                       f"email will reach you at {email}.\n\nYou don't need to do anything."), private=True)


def email_test_command(database_url: str, *, email: str, partnership_key: str | None = None,
                       settings: Settings | None = None, clock: Clock | None = None,
                       out: TextIO | None = None) -> int:
    """Send the test email now (not through the outbox); 0 when the server took it."""
    out = out or sys.stdout
    settings = settings or get_settings()
    sender = email_sender(settings, clock=clock)
    if sender is None:
        print("Email is not set up: set SMTP_HOST, MAIL_FROM, PUBLIC_URL and EMAIL_LINK_SECRET (see the README, "
              "\"Email for members outside Slack and Teams\").", file=sys.stderr)
        return 2
    engine = ready_engine(database_url)
    try:
        scope = chosen_scope(engine, email=email, key=partnership_key)
        if scope is None:
            return 2
        with scope.session(engine) as session:
            member = member_by_email(email, scope=scope, session=session)
            if member is None or not member.active:
                print(f"There is no active member with the email {email}.", file=sys.stderr)
                return 2
            reply = check_message(partnership(scope=scope, session=session).name, member.email)
        return _send(sender, member, reply, out)
    finally:
        engine.dispose()


def _send(sender: EmailSender, member, reply: Reply, out: TextIO) -> int:
    try:
        message_id = asyncio.run(sender(member, reply))
    except Refused as refused:
        print(f"The email server refused the test email to {member.email}: {refused}. Check the address and "
              f"the SMTP settings.", file=sys.stderr)
        return 1
    except NotSentYet as later:
        print(f"The test email to {member.email} was not sent: {later}. Try again in a few minutes.",
              file=sys.stderr)
        return 1
    except OutcomeUnknown as unknown:
        print(f"The test email to {member.email} may or may not have been sent: {unknown}. Ask them whether it "
              f"arrived before trying again.", file=sys.stderr)
        return 1
    out.write(f"Sent a test email to {member.name} <{member.email}> (Message-ID {message_id}).\n")
    return 0
