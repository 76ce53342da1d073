"""meetings, papers and paper done, as members and chairs use them."""

from sqlmodel import select

from models.audit import AuditEvent
from models.meetings import Paper
from tests.conftest import CHAIR, HOUSING, ICB_MEMBER, POLICE, PRACTITIONER


async def test_meetings_show_the_papers_deadline_five_working_days_ahead(chat):
    reply = await chat(POLICE, "meetings arg")
    first = reply.items[0]
    assert first.text == "#2 Assurance and Review Group: Wed 2 Dec 2026 10:00"
    assert ("Papers due", "Wed 25 Nov 2026") in first.fields
    assert ("Your answer", "apologies") in first.fields
    assert [b.label for b in first.buttons] == ["Attending", "Apologies", "Send deputy"]


async def test_the_audit_group_uses_clear_days(chat):
    reply = await chat(PRACTITIONER, "meetings audit")
    assert reply.items[0].text.startswith("#4 Multi-Agency Audit Group: Mon 14 Dec 2026")
    assert ("Papers due", "Fri 4 Dec 2026 (clear days)") in reply.items[0].fields


async def test_meetings_without_a_group_lists_all_my_groups(chat):
    reply = await chat(ICB_MEMBER, "meetings")
    texts = [i.text for i in reply.items]
    assert any("Assurance and Review Group" in t for t in texts)
    assert any("Multi-Agency Audit Group" in t for t in texts)


async def test_an_unknown_group_gets_the_list_of_groups(chat):
    reply = await chat(POLICE, "meetings xyz")
    assert reply.is_error
    assert "arg (Assurance and Review Group)" in reply.text


async def test_papers_for_the_next_meeting_show_owner_and_status(chat):
    reply = await chat(CHAIR, "papers")
    assert reply.title == "Papers: Assurance and Review Group, Wed 2 Dec 2026"
    assert "4 of 4 still to come" in reply.text
    mine = [i for i in reply.items if ("Owner", "Helen Carter") in i.fields]
    assert mine[0].buttons[0].command == "paper done 3"
    theirs = [i for i in reply.items if ("Owner", "Rachel Green") in i.fields]
    assert theirs[0].buttons == []


async def test_an_owner_marks_their_paper_in_once(chat, demo):
    first = await chat(HOUSING, "paper done 4")
    second = await chat(HOUSING, "paper done 4")
    assert first.changed and "Saved" in first.text
    assert not second.changed and "already marked in" in second.text
    with demo.connect() as conn:
        assert conn.execute(select(Paper.submitted_at).where(Paper.id == 4)).scalar() is not None
        events = conn.execute(select(AuditEvent).where(AuditEvent.action == "paper.submitted")).all()
    assert len(events) == 1


async def test_someone_else_cannot_mark_my_paper_in(chat):
    reply = await chat(POLICE, "paper done 4")
    assert reply.is_error
    assert "belongs to Aisha Rahman" in reply.text


async def test_the_chair_can_mark_a_members_paper_in(chat):
    reply = await chat(CHAIR, "paper done 2")
    assert reply.changed


async def test_a_paper_number_that_does_not_exist(chat):
    reply = await chat(CHAIR, "paper done 99")
    assert "no paper #99" in reply.text
    reply = await chat(CHAIR, "paper done first")
    assert "is not a paper number" in reply.text
