"""Every kind of notice AssureBot sends, sent by email through a real SMTP server: an escalation's
words (its summary, case reference, notes and outcome) never go into an email, and its alerts say
only that it needs attention, with its number, category, urgency and when it was raised."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.delivery import Delivery
from bot.email.setup import email_sender
from handlers.core import parse_command
from handlers.dispatch import Dispatcher, Who
from models.db import session_for
from models.meetings import Meeting
from tests.conftest import ADMIN, AUDIT_CHAIR, CHAIR, HOUSING, ICB_MEMBER, POLICE, POLICE_DEPUTY
from tests.email_server import by_email, email_settings, mailbox  # noqa: F401  (the fixture)

SUMMARY = "Caseloads in the east locality team are at 140% and two visits were missed this month"
CASE_REFERENCE = "CR-77120"
NOTE = "Raised with the head of service on the phone"
OUTCOME = "Two agency social workers start on Monday; caseloads reviewed weekly"


def said(message) -> str:
    return "\n".join([message["Subject"]] + [part.get_content() for part in message.iter_parts()])


async def test_every_notice_by_email_keeps_every_escalations_words_out(demo, mailbox, clock):
    by_email(demo)
    delivery = Delivery()
    delivery.register("email", email_sender(email_settings(mailbox), clock=clock))
    dispatcher = Dispatcher(demo, clock=clock, notify=delivery.notify, email_on=True)

    async def chat(email: str, line: str, form: dict | None = None):
        reply = await dispatcher.handle(parse_command(line, form=form), Who(platform="console", email=email))
        assert not reply.is_error, (line, reply.text)
        return reply

    with session_for(demo) as session:
        arg_meeting = session.exec(select(Meeting).where(Meeting.starts_at > clock.now())
                                   .order_by(Meeting.starts_at)).first()
    moved_to = (arg_meeting.starts_at + timedelta(days=7)).date()
    saved = await chat(HOUSING, "escalate", {"category": "capacity", "urgency": "urgent", "summary": SUMMARY,
                                             "case_reference": CASE_REFERENCE})
    number = int(saved.title.split()[1].lstrip("E"))
    steps = [
        (ADMIN, f"escalation assign {number} {AUDIT_CHAIR}"),
        (CHAIR, f"escalation ack {number}"),
        (ADMIN, f"escalation stage {number} 2 {NOTE}"),
        (ADMIN, f"escalation close {number} {OUTCOME}"),
        (POLICE, f"attend arg deputy {POLICE_DEPUTY}"),
        (POLICE_DEPUTY, "attend arg no"),
        (ADMIN, f"paper add arg owner={ICB_MEMBER} Dataset Q3 commentary"),
        (ADMIN, f"action add owner={POLICE} due=2027-01-29 Refresh the neglect toolkit"),
        (ADMIN, f"meeting move {arg_meeting.id} {moved_to:%Y-%m-%d} 14:00"),
        (ADMIN, f"meeting cancel {arg_meeting.id}"),
        (HOUSING, "reminders stop"),
    ]
    for email, line in steps:
        before = len(mailbox.received)
        await chat(email, line)
        assert len(mailbox.received) > before, f"`{line}` sent no notice by email"

    for message in mailbox.received:
        words = said(message)
        for secret in (SUMMARY, CASE_REFERENCE, NOTE, OUTCOME, "east locality"):
            assert secret not in words, (message["Subject"], secret)
    alerts = [m for m in mailbox.received if f"E{number}" in m["Subject"]]
    assert {m["To"].addresses[0].addr_spec for m in alerts} >= {ADMIN, CHAIR, AUDIT_CHAIR, HOUSING}
    for alert in alerts:
        plain = alert.get_body(preferencelist=("plain",)).get_content()
        assert f"Escalation E{number} needs your attention" in plain
        assert "Category: Capacity" in plain and "Urgency: urgent" in plain and "Raised: Mon 23 Nov 2026" in plain


async def test_an_owner_told_by_email_of_a_marking_gets_a_link_to_put_it_right(demo, mailbox, clock):
    by_email(demo)
    delivery = Delivery()
    delivery.register("email", email_sender(email_settings(mailbox), clock=clock))
    dispatcher = Dispatcher(demo, clock=clock, notify=delivery.notify, email_on=True)
    with session_for(demo) as session:
        from models.partnership import Member
        from models.work import Action

        owner = session.exec(select(Member).where(Member.email == POLICE)).one()
        action_id = session.exec(select(Action.id).where(Action.owner_id == owner.id, Action.status == "open")).first()

    reply = await dispatcher.handle(parse_command(f"action done {action_id}"), Who(platform="console", email=ADMIN))

    assert reply.changed and reply.text.endswith("I've told DI Mark Evans.")
    [message] = [m for m in mailbox.received if m["To"].addresses[0].addr_spec == POLICE]
    plain = message.get_body(preferencelist=("plain",)).get_content()
    assert "Priya Shah marked your action" in plain
    assert "Not done after all" in plain and "/email/answer/" in plain
