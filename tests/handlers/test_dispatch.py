"""The path every platform shares: who is asking, unknown commands, help by role, mistakes."""

from sqlmodel import Session, select

from handlers.core import parse_command
from handlers.dispatch import Who
from models.audit import AuditEvent
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
