"""The path every platform shares: who is asking, unknown commands, help by role, mistakes."""

import sqlite3
from datetime import date, datetime, timezone

from sqlalchemy import event
from sqlmodel import Session, select

from handlers.core import parse_command
from handlers.dispatch import Dispatcher, Who
from models.clock import FixedClock
from models.audit import AuditEvent
from models.escalations import Escalation
from tests.conftest import ADMIN, CHAIR, HOUSING, PRACTITIONER


async def test_someone_slack_cannot_give_an_email_for_is_asked_about_before_anything_is_run(chat, demo):
    outcome = await chat.dispatcher.run(parse_command("actions"),
                                        Who(platform="slack", slack_user_id="U999", home=True))
    assert outcome.needs_email and outcome.member_id is None and not outcome.reply.text


async def test_an_unregistered_person_is_told_whom_to_ask_and_admins_can_see_who_tried(chat, demo):
    reply = await chat.dispatcher.handle(parse_command("actions"), Who(platform="slack", slack_user_id="U999",
                                                                     email="", display="stranger", home=True))
    assert "not registered" in reply.text
    assert "Emma Clarke or Priya Shah (business unit)" in reply.text
    with Session(demo) as session:
        tried = session.exec(select(AuditEvent).where(AuditEvent.action == "access.unregistered")).one()
    assert tried.actor_label == "slack:U999 (stranger)"


async def test_an_unknown_command_suggests_the_closest(chat):
    reply = await chat(CHAIR, "quorom arg")
    assert reply.is_error
    assert "Did you mean `quorum`?" in reply.text
    assert "`help`" in reply.text


async def test_help_for_a_member_leaves_out_chair_commands(chat):
    reply = await chat(HOUSING, "help all")
    assert "attend [group] yes|no|deputy NAME" in reply.text
    assert "For chairs" not in reply.text
    assert "case reference" in reply.text


async def test_help_for_the_chair_includes_quorum_and_escalation_handling(chat):
    reply = await chat(CHAIR, "help all")
    assert "For chairs and the business unit" in reply.text
    assert "quorum [group]" in reply.text
    assert "escalation ack ID" in reply.text


async def test_whoami_names_agency_groups_and_roles(chat):
    reply = await chat(PRACTITIONER, "whoami")
    assert reply.title == "Jo Walsh"
    assert "Riverside Community Health Trust" in reply.text
    assert "Multi-Agency Audit Group (member)" in reply.text
    admin = await chat(ADMIN, "whoami")
    assert "business unit (admin)" in admin.text


async def test_an_empty_line_is_help(chat):
    reply = await chat(CHAIR, "")
    assert reply.title == "What I can do"


async def test_a_stray_quote_does_not_break_parsing(chat):
    reply = await chat(CHAIR, 'action update 2 "first draft')
    assert reply.changed


async def test_help_all_is_understood_in_any_case(chat):
    for line in ("HELP ALL", "help All", "Help all"):
        reply = await chat(CHAIR, line)
        assert reply.title == "Everything I can do for you", line


async def test_a_form_whose_saving_failed_is_saved_when_sent_again_not_called_already_recorded(chat, demo):
    """The database fails while the escalation is written and again while the claim would be given
    back: the form sent again is saved, not answered "already recorded" with nothing kept."""
    failing = {"INSERT INTO escalation ": 1, "DELETE FROM form_submit": 1}

    def busy(_conn, _cursor, statement, *_args):
        for start, left in failing.items():
            if statement.startswith(start) and left:
                failing[start] = left - 1
                raise sqlite3.OperationalError("database is locked")

    form = {"category": "capacity", "urgency": "routine", "summary": "Caseloads in the north team above safe level"}
    who = Who(platform="teams", email=PRACTITIONER, home=True)
    event.listen(demo, "before_cursor_execute", busy)
    try:
        first = await chat.dispatcher.handle(parse_command("escalate", form=form), who, once="form-key-1")
    finally:
        event.remove(demo, "before_cursor_execute", busy)
    assert "nothing was saved" in first.text
    second = await chat.dispatcher.handle(parse_command("escalate", form=form), who, once="form-key-1")
    assert "already recorded" not in second.text and "Saved as E" in second.text
    with Session(demo) as session:
        saved = session.exec(select(Escalation).where(Escalation.summary == form["summary"])).all()
    assert len(saved) == 1


async def test_someone_whose_notice_could_not_be_sent_is_named_in_the_reply(chat, demo):
    """Teams and the console answer with the reply after the notices: it says whom they missed."""
    async def unreachable(member, reply) -> bool:
        return member.email != CHAIR

    chat.dispatcher.notify = unreachable
    form = {"category": "capacity", "urgency": "routine", "summary": "Caseloads in the north team above safe level"}
    reply = await chat.dispatcher.handle(parse_command("escalate", form=form),
                                         Who(platform="teams", email=PRACTITIONER, home=True))
    assert "Saved as E" in reply.text
    assert "Your change is saved, but I couldn't message Helen Carter just now." in reply.text
    assert reply.tone == "warning"


def test_the_day_is_the_partnerships_own_not_utcs(demo):
    """Half past midnight in summer time is still yesterday in UTC; forms are checked by the local day."""
    dispatcher = Dispatcher(demo, clock=FixedClock(datetime(2027, 6, 30, 23, 30, tzinfo=timezone.utc)))
    assert dispatcher.today_for(Who(platform="console", email=CHAIR)) == date(2027, 7, 1)
