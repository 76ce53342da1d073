"""quorum: the chair asks whether the next meeting is quorate, with one command."""

from tests.conftest import ADMIN, CHAIR, POLICE, POLICE_DEPUTY, PRACTITIONER


async def test_arg_is_not_quorate_while_police_have_sent_apologies_without_a_deputy(chat):
    reply = await chat(CHAIR, "quorum arg")
    assert reply.title == "Assurance and Review Group, Wed 2 Dec 2026 10:00: not quorate yet"
    assert "Rule: all of Riverside Council Children's Services, Riverside Police and NHS Riverside Integrated " \
           "Care Board represented." in reply.text
    assert "Riverside Police sent apologies with no deputy" in reply.text
    assert "Would make it quorate: someone from Riverside Police" in reply.text


async def test_arg_becomes_quorate_once_police_name_a_deputy(chat):
    await chat(POLICE, f"attend arg deputy {POLICE_DEPUTY}")
    reply = await chat(CHAIR, "quorum")
    assert reply.title.endswith(": quorate")
    assert "On the answers so far the meeting is quorate." in reply.text


async def test_the_audit_group_names_agencies_that_have_not_answered(chat):
    reply = await chat(ADMIN, "quorum audit")
    assert "not quorate" in reply.title
    assert "Riverside Police has not answered (ask DS Sam Patel)" in reply.text


async def test_someone_not_on_the_group_is_told_who_can_check(chat):
    reply = await chat(PRACTITIONER, "quorum arg")
    assert reply.is_error
    assert "You don't sit on Assurance and Review Group" in reply.text


async def test_a_group_is_found_by_its_key_as_written_or_in_any_case(chat):
    by_key = await chat(ADMIN, "quorum audit")
    assert by_key.title.startswith("Multi-Agency Audit Group")
    assert (await chat(ADMIN, "quorum AUDIT")).title == by_key.title
