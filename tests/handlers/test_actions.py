"""actions, action done, action update: monitored until completion."""

from sqlmodel import Session, select

from models.work import Action, ActionUpdate
from tests.conftest import ADMIN, AUDIT_CHAIR, CHAIR, DEPUTY_CHAIR, HOUSING, POLICE, PRACTITIONER


async def test_my_actions_come_overdue_first_with_buttons(chat):
    reply = await chat(CHAIR, "actions")
    assert reply.title == "Open actions: you"
    assert "2 open actions, 1 overdue" in reply.text
    first, second = reply.items
    assert first.text == "#2 Report S11 section 4 improvement plan to ARG"
    assert ("Due", "Thu 19 Nov 2026 (overdue by 2 working days)") in first.fields
    assert [b.label for b in first.buttons] == ["Done", "Add update", "Snooze 1 day", "Snooze 1 week"]
    assert second.text.startswith("#4 ")


async def test_marking_an_action_done_removes_it_from_my_list(chat, demo):
    reply = await chat(CHAIR, "action done 2")
    assert reply.changed and "is done" in reply.text
    again = await chat(CHAIR, "action done 2")
    assert "already marked done" in again.text
    mine = await chat(CHAIR, "actions")
    assert [i.text[:3] for i in mine.items] == ["#4 "]
    with Session(demo) as session:
        assert session.get(Action, 2).status == "done"


async def test_a_progress_update_is_kept_and_shown(chat, demo):
    reply = await chat(POLICE, "action update 3 Draft protocol shared with CSC")
    assert reply.changed
    listing = await chat(POLICE, "actions")
    assert ("Latest", "Draft protocol shared with CSC (Mon 23 Nov 2026)") in listing.items[0].fields
    with Session(demo) as session:
        assert session.exec(select(ActionUpdate.text)).all() == ["Draft protocol shared with CSC"]


async def test_update_without_text_offers_a_form(chat):
    reply = await chat(POLICE, "action update 3")
    assert reply.form and reply.form.command == "action update 3"
    saved = await chat(POLICE, reply.form.command, form={"text": "Met CSC lead"})
    assert saved.changed


async def test_a_member_cannot_close_someone_elses_action(chat):
    reply = await chat(HOUSING, "action done 3")
    assert reply.is_error
    assert "belongs to DI Mark Evans" in reply.text


async def test_the_chair_of_the_owners_group_can_close_it(chat):
    assert (await chat(CHAIR, "action done 3")).changed


async def test_a_chair_of_another_group_cannot_close_it(chat):
    reply = await chat(AUDIT_CHAIR, "action done 6")  # Aisha is not on the audit group
    assert reply.is_error


async def test_chairs_and_admins_see_everyones_actions_and_an_agencys(chat):
    everyone = await chat(DEPUTY_CHAIR, "actions all")
    assert "6 open actions, 3 overdue for everyone" in everyone.text
    assert everyone.items[0].text.startswith("#6 Brief housing officers")
    assert ("By whom", "Aisha Rahman") in everyone.items[0].fields
    police = await chat(ADMIN, "actions agency police")
    assert [i.text[:3] for i in police.items] == ["#3 "]


async def test_a_member_cannot_see_everyones_actions(chat):
    reply = await chat(PRACTITIONER, "actions all")
    assert reply.is_error
    assert "Only chairs and the business unit" in reply.text


async def test_an_unknown_agency_lists_the_agencies(chat):
    reply = await chat(ADMIN, "actions agency fire")
    assert "Agencies: bu, community, hospital" in reply.text
