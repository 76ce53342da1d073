"""reminders: a member chooses where their reminders come, or stops reminder emails; the business unit
is told, and the audit trail records it as the member's own choice."""

from __future__ import annotations

from sqlmodel import select

from bot.demo import demo_yaml
from models.audit import AuditEvent
from models.db import session_for
from models.loader import load_text
from models.partnership import Member
from tests.conftest import ADMIN, POLICE


def member(engine, email: str) -> Member:
    with session_for(engine) as session:
        return session.exec(select(Member).where(Member.email == email)).one()


async def test_email_can_be_chosen_only_where_this_assurebot_sends_email(chat, demo):
    refused = await chat(POLICE, "reminders email")
    assert refused.is_error and "Email is not set up" in refused.text and not refused.changed
    chat.dispatcher.email_on = True
    chosen = await chat(POLICE, "reminders email")
    assert chosen.changed and member(demo, POLICE).preferred_platform == "email"
    told = chat.notices_to(ADMIN)
    assert len(told) == 1 and "DI Mark Evans (mark.evans@police.example.org) chose to get their reminders by email" \
        in told[0].text


async def test_stopping_reminder_emails_is_the_members_own_choice_and_the_business_unit_hears_of_it(chat, demo):
    chat.dispatcher.email_on = True
    not_emailed = await chat(POLICE, "reminders stop")
    assert not_emailed.is_error and "not by email" in not_emailed.text
    await chat(POLICE, "reminders email")
    stopped = await chat(POLICE, "reminders stop")
    assert stopped.changed and member(demo, POLICE).email_off
    again = await chat(POLICE, "reminders stop")
    assert not again.changed and "already off" in again.text
    shown = await chat(POLICE, "reminders")
    assert "nowhere: you turned reminder emails off" in shown.text
    assert [b.command for b in shown.buttons] == ["reminders email"]
    with session_for(demo) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "member.reminders_where")
                              .order_by(AuditEvent.id)).all()
    assert [e.actor_id for e in events] == [member(demo, POLICE).id] * 2
    assert events[-1].after == {"preferred_platform": "email", "email_off": True}


async def test_slack_is_offered_only_once_assurebot_knows_the_members_slack_account(chat, demo):
    refused = await chat(POLICE, "reminders slack")
    assert refused.is_error and "doesn't know your Slack account" in refused.text
    with session_for(demo) as session:
        mark = session.exec(select(Member).where(Member.email == POLICE)).one()
        mark.slack_user_id = "U0MARK"
        session.add(mark)
        session.commit()
    assert (await chat(POLICE, "reminders slack")).changed and member(demo, POLICE).preferred_platform == "slack"


async def test_a_members_choice_outlasts_a_reload_of_the_partnership_file_unless_the_file_names_a_platform(
        chat, demo, clock):
    chat.dispatcher.email_on = True
    await chat(POLICE, "reminders email")
    await chat(POLICE, "reminders stop")
    text = demo_yaml(clock.now().date())
    with session_for(demo) as session:
        load_text(text, session=session)
    kept = member(demo, POLICE)
    assert (kept.preferred_platform, kept.email_off) == ("email", True)

    # Someone who never chose still follows what the file says of them: a Slack id means Slack.
    listed = "{email: sam.patel@police.example.org, name: DS Sam Patel, agency: police}"
    assert listed in text
    with session_for(demo) as session:
        load_text(text.replace(listed, listed[:-1] + ", slack_id: U0SAM}"), session=session)
    assert member(demo, "sam.patel@police.example.org").preferred_platform == "slack"

    mark = "{email: mark.evans@police.example.org, name: DI Mark Evans, agency: police}"
    assert mark in text
    with session_for(demo) as session:
        load_text(text.replace(mark, mark[:-1] + ", platform: teams}"), session=session)
    assert member(demo, POLICE).preferred_platform == "teams"


async def test_someone_assurebot_cannot_reach_anywhere_is_told_what_to_do(chat, demo):
    shown = await chat(POLICE, "reminders")

    assert not shown.buttons
    assert shown.text.startswith("Your reminders come nowhere yet: AssureBot can't reach you in Slack or Teams, "
                                 "and email is not set up")
    assert "`/assure whoami`" in shown.text and "Teams" in shown.text
    assert "Emma Clarke or Priya Shah (business unit)" in shown.text
