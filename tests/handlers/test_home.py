"""home: a member's own open items in one place, and their groups' for chairs and the business unit."""

from datetime import timedelta

from sqlmodel import select

from models.db import session_for
from models.groups import Group
from models.meetings import Meeting, Paper
from models.partnership import Member
from models.work import Action
from tests.conftest import ADMIN, CHAIR, POLICE, PRACTITIONER


def lines(reply) -> list[str]:
    return [item.text for item in reply.items]


def section(reply, heading: str) -> list:
    """The items under a heading, up to the next heading."""
    found, inside = [], False
    for item in reply.items:
        if item.key.startswith("heading:"):
            inside = item.text.startswith(heading)
            if inside:
                found.append(item)
        elif inside:
            found.append(item)
    return found


async def test_the_chair_sees_her_actions_returns_papers_meetings_quorum_and_open_escalations(chat):
    reply = await chat(CHAIR, "home")
    assert reply.private
    assert "1 overdue action, 1 action due later, 2 returns for your agency, 1 paper you owe" in reply.text
    assert [i.text for i in section(reply, "Overdue actions")] == [
        "Overdue actions (1)", "#2 Report S11 section 4 improvement plan to ARG"]
    assert [b.command for b in section(reply, "Overdue actions")[1].buttons][:2] == ["action done 2", "action update 2"]
    assert "#3 Neglect audit action plan update" in lines(reply)
    meeting = section(reply, "Your next meetings")[1]
    assert ("Your answer", "attending") in meeting.fields
    assert [b.command for b in meeting.buttons] == ["attend arg yes", "attend arg no", "attend arg deputy"]
    quorum = section(reply, "Quorum for your groups")[1]
    assert quorum.text.endswith("not quorate yet")
    assert ("Would make it quorate", "someone from Riverside Police (a member or a named deputy)") in quorum.fields
    escalation = section(reply, "Open escalations")[1]
    assert escalation.text.startswith("E1 Disagreement with children's social care")
    assert [b.command for b in escalation.buttons] == ["escalation ack 1"]


async def test_a_practitioner_sees_her_own_escalation_and_nothing_of_anyone_elses(chat):
    reply = await chat(PRACTITIONER, "home")
    assert section(reply, "Escalations you raised")[1].text.startswith("E1 ")
    assert section(reply, "Escalations you raised")[1].buttons == []  # she doesn't acknowledge her own
    assert section(reply, "Open escalations") == [] and section(reply, "Quorum for your groups") == []


async def test_a_member_who_sent_apologies_sees_that_answer_and_can_change_it(chat):
    reply = await chat(POLICE, "home")
    meeting = section(reply, "Your next meetings")[1]
    assert ("Your answer", "apologies") in meeting.fields


async def test_the_business_unit_watches_every_groups_quorum(chat):
    reply = await chat(ADMIN, "home")
    assert [i.text.split(",")[0] for i in section(reply, "Quorum for your groups")[1:]] == [
        "Assurance and Review Group", "Multi-Agency Audit Group"]


async def test_a_long_list_shows_five_and_says_which_command_shows_the_rest(chat, demo, clock):
    with session_for(demo) as session:
        police = session.exec(select(Member).where(Member.email == POLICE)).one()
        for n in range(8):
            session.add(Action(title=f"Overdue thing {n}", owner_id=police.id, agency_id=police.agency_id,
                               due_date=clock.now().date() - timedelta(days=30 + n)))
        session.commit()
    reply = await chat(POLICE, "home")
    overdue = section(reply, "Overdue actions")
    assert overdue[0].text == "Overdue actions (8)" and len(overdue) == 6
    assert ("More", "3 more: type `actions`") in overdue[0].fields


async def test_someone_with_nothing_open_is_told_so(chat, demo):
    with session_for(demo) as session:
        admin = session.exec(select(Member).where(Member.email == ADMIN)).one()
        session.add(Member(partnership_id=admin.partnership_id, email="new.starter@vcs.example.org",
                           name="New Starter", agency_id=admin.agency_id))
        session.commit()
    reply = await chat("new.starter@vcs.example.org", "home")
    assert reply.text.startswith("Hello New. Nothing is waiting for you on ")
    assert reply.items == []


async def test_papers_i_owe_are_mine_still_outstanding_and_soonest_meeting_first(chat, clock):
    with session_for(chat.dispatcher.engine) as session:
        mark = session.exec(select(Member).where(Member.email == POLICE)).one()
        arg_meeting, audit_meeting = (
            session.exec(select(Meeting).join(Group).where(Group.key == key, Meeting.starts_at > clock.now())
                         .order_by(Meeting.starts_at)).first() for key in ("arg", "audit"))
        session.add(Paper(meeting_id=audit_meeting.id, title="Police exploitation data", owner_id=mark.id))
        session.add(Paper(meeting_id=arg_meeting.id, title="Police paper already in", owner_id=mark.id,
                          submitted_at=clock.now()))
        session.commit()
    papers = section(await chat(POLICE, "home"), "Papers you owe")
    assert [p.text.split(" ", 1)[1] for p in papers[1:]] == [
        "Police single-agency audit highlights", "Police exploitation data"]  # ARG meets first; not Rachel's
    assert papers[0].text == "Papers you owe (2)"


async def test_the_groups_named_on_the_business_units_home_are_read_once(chat, demo):
    """Its quorum buttons name the groups the section has just read: checking whether she may press
    them takes those, rather than asking the database for each group again."""
    from sqlalchemy import event

    reads: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:
        if statement.lstrip().startswith('SELECT "group".'):  # rows of the group table itself
            reads.append(statement)

    event.listen(demo, "before_cursor_execute", note)
    try:
        reply = await chat(ADMIN, "home")
    finally:
        event.remove(demo, "before_cursor_execute", note)
    quorum = section(reply, "Quorum for your groups")[1:]
    assert [b.command for item in quorum for b in item.buttons] == ["attendance arg", "attendance audit"]
    assert len(reads) == 2  # the sections' own reads of their groups (four before)
