"""Reminders by email, through a real SMTP server on this machine: one digest a day however often the
job runs, tried again when the server says "later", reported to the business unit when it says
"never", and sent at most twice when its answer is lost. Each email is checked as a mail program
reads it, with the standard `email` parser."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape

from sqlmodel import select

from bot.commands.email import email_test_command
from bot.commands.remind import remind_command
from bot.delivery import Delivery
from bot.email.setup import email_sender
from handlers.email_links import answerable
from messages.email_html import for_email
from messages.plain import render_plain
from models.db import session_for
from models.delivery import OutboxMessage, OutboxStatus
from models.meetings import Paper
from models.work import Action, DataReturn
from models.partnership import Member
from schedules.digest import sweep
from schedules.outbox import outbox_key
from tests.conftest import ADMIN, CHAIR, POLICE
from tests.email_server import PUBLIC_URL, by_email, email_settings, mailbox  # noqa: F401  (the fixture)

EMMA = "emma.clarke@bu.example.org"  # the other business unit officer
TITLED = {"action": Action, "return": DataReturn, "paper": Paper}


def email_delivery(mailbox, clock) -> Delivery:
    delivery = Delivery()
    delivery.register("email", email_sender(email_settings(mailbox), clock=clock))
    return delivery


def remind(engine, mailbox, clock) -> str:
    out = io.StringIO()
    remind_command(engine.url.render_as_string(hide_password=False), on=clock.now().date(),
                   delivery=email_delivery(mailbox, clock), clock=clock, out=out)
    return out.getvalue()


def outbox(engine, email: str) -> list[OutboxMessage]:
    with session_for(engine) as session:
        member = session.exec(select(Member).where(Member.email == email)).one()
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.member_id == member.id)
                                 .order_by(OutboxMessage.id)))


def digests_due(engine, clock) -> dict[str, object]:
    with session_for(engine) as session:
        day = sweep(session, on=clock.now().date())
        return {d.member.email: d.reply for d in day.digests}


def text_of(message) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return plain, html


def test_each_member_on_email_gets_one_digest_a_day_however_often_remind_runs(demo, mailbox, clock):
    by_email(demo)
    due = digests_due(demo, clock)
    assert len(due) >= 5
    remind(demo, mailbox, clock)
    again = remind(demo, mailbox, clock)
    assert "Sent 0" in again and "already queued earlier" in again
    received = [m["To"].addresses[0].addr_spec for m in mailbox.received]
    assert sorted(received) == sorted(due)  # one each, nobody twice
    assert all(row.status == OutboxStatus.SENT.value and row.platform == "email"
               for email in due for row in outbox(demo, email))


def test_a_digest_email_is_multipart_utf8_with_the_same_items_and_a_one_click_unsubscribe(demo, mailbox, clock):
    by_email(demo)
    with session_for(demo) as session:
        chair = session.exec(select(Member).where(Member.email == CHAIR)).one()
        chair.name = "Siân Ó Carthaigh"
        session.add(chair)
        session.commit()
    titled = next(item.key for item in digests_due(demo, clock)[CHAIR].items if item.key.split(":")[0] in TITLED)
    kind, row_id = titled.split(":")
    with session_for(demo) as session:
        row = session.get(TITLED[kind], int(row_id))
        row.title += " – Siân’s “notes”"
        session.add(row)
        session.commit()
    digest = digests_due(demo, clock)[CHAIR]
    remind(demo, mailbox, clock)
    [message] = mailbox.to(CHAIR)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert {part.get_content_charset() for part in message.iter_parts()} == {"utf-8"}
    assert message["To"].addresses[0].display_name == "Siân Ó Carthaigh"
    assert message["Subject"] == digest.title
    assert message["Message-ID"] == f"<{outbox_key(chair.id, clock.now().date(), 'digest').replace(':', '.')}" \
                                    f"@riverside.example.org>"
    assert re.fullmatch(rf"<{re.escape(PUBLIC_URL)}/email/unsubscribe/[\w-]+\.[\w-]+>", message["List-Unsubscribe"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    plain, html = text_of(message)
    assert "Siân’s “notes”" in plain and "Siân’s “notes”" in html
    # The same items, in the same order, in the same words as in chat.
    lines = [item.text.replace("`", "") for item in digest.items]
    assert [plain.index(line) for line in lines] == sorted(plain.index(line) for line in lines)
    shown = unescape(html)
    assert [shown.index(line) for line in lines] == sorted(shown.index(line) for line in lines)
    # Buttons become links; a console command is never shown.
    assert "[Done:" not in plain and "action done" not in plain
    answers = [b for item in digest.items for b in item.buttons if answerable(b.command)]
    assert answers and all(re.search(rf"{b.label}: {re.escape(PUBLIC_URL)}/email/answer/\S+", plain) for b in answers)
    assert html.count(f'href="{PUBLIC_URL}/email/answer/') == len(answers)
    assert "<script" not in html.lower() and "<img" not in html.lower() and "<table" in html
    # An escalation is there only as its number, category, urgency and when: not who raised it.
    assert "Escalation E1 (routine): not acknowledged" in plain and "Raised: Thu 19 Nov 2026 11:30" in plain
    assert "Jo Walsh" not in plain and "Jo Walsh" not in shown


def test_a_server_that_says_try_later_gets_the_digest_again_after_a_minute(demo, mailbox, clock):
    by_email(demo, POLICE)
    mailbox.plan(POLICE, "451")
    remind(demo, mailbox, clock)
    [row] = outbox(demo, POLICE)
    assert row.status == OutboxStatus.PENDING.value and "451" in row.last_error and row.posts == 0
    assert mailbox.to(POLICE) == []
    clock.moment += timedelta(minutes=1)
    remind(demo, mailbox, clock)
    [row] = outbox(demo, POLICE)
    assert row.status == OutboxStatus.SENT.value and len(mailbox.to(POLICE)) == 1


def test_a_server_that_says_never_fails_it_at_once_and_the_business_unit_is_told_by_email(demo, mailbox, clock):
    by_email(demo, POLICE, ADMIN, EMMA)
    mailbox.plan(POLICE, "550")
    said = remind(demo, mailbox, clock)
    [row] = outbox(demo, POLICE)
    assert row.status == OutboxStatus.FAILED.value and row.attempts == 1 and "550" in row.last_error
    assert "could not be delivered (the business unit is told)" in said
    for admin in (ADMIN, EMMA):
        [report] = [m for m in mailbox.to(admin) if m["Subject"] == "Reminders that could not be delivered"]
        plain, _html = text_of(report)
        assert "DI Mark Evans (mark.evans@police.example.org)" in plain and "550" in plain


def test_a_digest_whose_answer_was_lost_goes_once_more_with_the_same_message_id_then_counts_as_sent(
        demo, mailbox, clock):
    by_email(demo, POLICE)
    mailbox.plan(POLICE, "drop", "drop")
    remind(demo, mailbox, clock)
    [row] = outbox(demo, POLICE)
    assert row.status == OutboxStatus.PENDING.value and row.posts == 1 and "no answer" in row.last_error
    clock.moment += timedelta(minutes=1)
    remind(demo, mailbox, clock)
    clock.moment += timedelta(minutes=10)
    remind(demo, mailbox, clock)
    [row] = outbox(demo, POLICE)
    copies = mailbox.to(POLICE)
    assert row.status == OutboxStatus.SENT.value and row.posts == 2
    assert len(copies) == 2 and copies[0]["Message-ID"] == copies[1]["Message-ID"]


def test_someone_who_turned_emails_off_is_listed_for_the_business_unit_as_not_reached(demo, mailbox, clock):
    by_email(demo, POLICE, ADMIN)
    with session_for(demo) as session:
        member = session.exec(select(Member).where(Member.email == POLICE)).one()
        member.email_off = True
        session.add(member)
        session.commit()
    remind(demo, mailbox, clock)
    assert mailbox.to(POLICE) == []
    [report] = [m for m in mailbox.to(ADMIN) if m["Subject"] == "Reminders that could not be delivered"]
    assert "they turned reminder emails off" in text_of(report)[0]


def test_the_test_email_command_sends_one_email_to_the_member(demo, mailbox, clock):
    out = io.StringIO()
    code = email_test_command(demo.url.render_as_string(hide_password=False), email=POLICE,
                              settings=email_settings(mailbox), clock=clock, out=out)
    assert code == 0 and "Sent a test email to DI Mark Evans" in out.getvalue()
    [message] = mailbox.to(POLICE)
    assert message["Subject"] == "A test email from AssureBot"
    assert "reminders by email will reach you at mark.evans@police.example.org" in text_of(message)[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_test_email_command_says_what_is_missing_when_email_is_not_set_up(demo, capsys):
    code = email_test_command(demo.url.render_as_string(hide_password=False), email=POLICE,
                              settings=email_settings(None, smtp_host=None))
    assert code == 2 and "SMTP_HOST" in capsys.readouterr().err


def test_a_digest_by_email_says_what_chat_says_with_links_for_commands(demo, mailbox, clock):
    by_email(demo, CHAIR)
    digest = digests_due(demo, clock)[CHAIR]
    remind(demo, mailbox, clock)
    plain, _html = text_of(mailbox.to(CHAIR)[0])
    safe = for_email(digest)  # the same, less who raised an escalation
    assert [i for i in safe.items if not i.key.startswith("escalation:")] == \
        [i for i in digest.items if not i.key.startswith("escalation:")]
    console = render_plain(safe)
    for line in console.splitlines():
        if line.strip().startswith("[") or not line.strip():
            continue  # a console command: the email has links instead
        assert line.replace("`", "").strip() in plain
