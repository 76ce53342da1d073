"""Who hears of a meeting's change, and replies that say what happened.

Someone who owes a paper for a meeting is told when it moves or is cancelled, whether or not they
have answered for it; cancelling says what becomes of its papers; a meeting added after its
papers deadline says the deadline has passed. Smaller replies from the same walk through the
console: a correction already recorded says so, a phone's "Yes." is an answer, and someone
removed is told their access has ended rather than that they are not registered yet.
"""

from __future__ import annotations

from sqlmodel import Session, select

from models.meetings import AttendanceAnswer, Paper
from models.partnership import Member
from tests.conftest import ADMIN, CHAIR, HOUSING, POLICE, PRACTITIONER


def owes_paper_without_answering(engine, meeting_id: int, email: str) -> bool:
    with Session(engine) as session:
        member = session.exec(select(Member).where(Member.email == email)).one()
        owes = session.exec(select(Paper).where(Paper.meeting_id == meeting_id, Paper.owner_id == member.id,
                                                Paper.submitted_at.is_(None))).first() is not None
        answered = session.exec(select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == meeting_id,
                                                               AttendanceAnswer.member_id == member.id)).first()
    return owes and answered is None


async def test_someone_owing_a_paper_is_told_the_meeting_is_cancelled_and_the_chair_what_of_its_papers(chat, demo):
    assert owes_paper_without_answering(demo, 2, HOUSING)
    reply = await chat(CHAIR, "meeting cancel 2")
    assert reply.changed
    assert "papers not yet in for it are no longer chased" in reply.text
    told = chat.notices_to(HOUSING)
    assert len(told) == 1 and "is cancelled" in told[0].text
    assert "paper add" not in told[0].text  # the chair's next step, not theirs


async def test_someone_owing_a_paper_is_told_the_meeting_has_moved(chat, demo):
    assert owes_paper_without_answering(demo, 2, HOUSING)
    reply = await chat(CHAIR, "meeting move 2 2026-12-17 10:00")
    assert reply.changed
    assert len(chat.notices_to(HOUSING)) == 1


async def test_a_meeting_added_after_its_papers_deadline_says_so(chat, demo):
    reply = await chat(CHAIR, "meeting add arg 2026-11-25 14:00")
    assert reply.changed and "that has passed, so any paper for it is late already" in reply.text
    later = await chat(CHAIR, "meeting add arg 2027-02-25 14:00")
    assert later.changed and "late already" not in later.text


async def test_a_correction_already_recorded_says_so_without_contradiction(chat, demo):
    first = await chat(CHAIR, f"attended 1 {POLICE} no")
    assert first.changed and first.text.startswith("Recorded:")
    again = await chat(CHAIR, f"attended 1 {POLICE} no")
    assert not again.changed and again.text.startswith("Already recorded:") and "Nothing changed" in again.text


async def test_an_answer_with_the_stop_a_phone_adds_is_understood(chat, demo):
    reply = await chat(POLICE, "attend arg Yes.")
    assert reply.changed and not reply.is_error
    with Session(demo) as session:
        member = session.exec(select(Member).where(Member.email == POLICE)).one()
        answer = session.exec(select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == 2,
                                                             AttendanceAnswer.member_id == member.id)).one()
    assert answer.answer == "attending"


async def test_someone_removed_is_told_their_access_has_ended(chat, demo):
    asked = await chat(ADMIN, f"member remove {POLICE}")
    await chat(ADMIN, asked.buttons[0].command)
    reply = await chat(POLICE, "actions")
    assert reply.is_error and "access has ended" in reply.text and "not registered" not in reply.text
    stranger = await chat("kim.nobody@police.example.org", "actions")
    assert "not registered with AssureBot yet" in stranger.text


async def test_help_all_does_not_offer_everyone_the_chairs_lists(chat, demo):
    reply = await chat(PRACTITIONER, "help all")
    assert "actions | actions all" not in reply.text
    assert "`actions all`, or one agency's" in reply.text  # said as the chairs' and business unit's


def place_of(engine, meeting_id: int) -> str | None:
    from models.meetings import Meeting

    with Session(engine) as session:
        return session.get(Meeting, meeting_id).location


async def test_a_meeting_moved_with_a_new_place_takes_the_place_and_says_so(chat, demo):
    reply = await chat(CHAIR, "meeting move 2 2026-12-17 14:00 Town Hall, Room 4")

    assert reply.changed and ", and will be at Town Hall, Room 4." in reply.text
    assert place_of(demo, 2) == "Town Hall, Room 4"
    [told] = chat.notices_to(HOUSING)
    assert told.title == "Assurance and Review Group has moved" and "Town Hall, Room 4" in told.text


async def test_a_new_place_alone_keeps_the_time_and_tells_everyone(chat, demo):
    before = await chat(CHAIR, "meetings arg")
    when = before.items[0].text.split(": ", 1)[1]

    reply = await chat(CHAIR, 'meeting move 2 location="Online (Teams)"')

    assert reply.changed
    assert reply.text.startswith(f"Assurance and Review Group on {when} will now be at Online (Teams).")
    assert place_of(demo, 2) == "Online (Teams)"
    assert [n.title for n in chat.notices_to(HOUSING)] == ["Assurance and Review Group has a new place"]
    again = await chat(CHAIR, 'meeting move 2 location="Online (Teams)"')
    assert not again.changed and "Nothing changed, and nobody was told" in again.text


async def test_a_place_naming_a_child_is_refused_and_the_meeting_left_where_it_was(chat, demo):
    was = place_of(demo, 2)
    reply = await chat(CHAIR, "meeting move 2 2026-12-17 14:00 room booked for Tyler Smith born 3/4/2019")
    assert reply.is_error and "Tyler" not in reply.text
    assert reply.text.startswith("Nothing changed: Assurance and Review Group is still on Wed 2 Dec 2026 10:00.")
    assert place_of(demo, 2) == was and chat.sent == []


async def test_the_chair_is_told_how_many_were_told_and_a_deadline_already_past(chat, demo):
    reply = await chat(CHAIR, "meeting move 2 2026-11-24 10:00")
    assert reply.changed
    assert "Papers are now due by Tue 17 Nov 2026, which has passed." in reply.text
    told = {member.email for member, _ in chat.sent}
    assert reply.text.endswith(f"I've told the {len(told)} people concerned: the group's members, any deputy named "
                               f"for it and anyone who owes it a paper.")
    [notice] = chat.notices_to(HOUSING)  # owes a paper, has not answered
    assert "an answer already given stands until it is changed" in notice.text and "I've told" not in notice.text


async def test_a_deputy_named_after_the_stop_a_phone_adds_is_named(chat, demo):
    reply = await chat(POLICE, "attend deputy. Sam Patel")  # no group: the member's only one
    assert reply.changed and not reply.is_error and "Sam Patel will attend for you" in reply.text
    with Session(demo) as session:
        member = session.exec(select(Member).where(Member.email == POLICE)).one()
        answer = session.exec(select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == 2,
                                                             AttendanceAnswer.member_id == member.id)).one()
        deputy = session.get(Member, answer.deputy_id)
    assert answer.answer == "deputy" and deputy.email == "sam.patel@police.example.org"


async def test_a_deputys_name_with_a_full_stop_after_it_is_found(chat, demo):
    reply = await chat(POLICE, "attend Deputy Sam Patel.")
    assert reply.changed and "Sam Patel will attend for you" in reply.text


async def test_minutes_dated_the_day_of_the_meeting_are_not_saved_before_it_began(chat, demo, clock):
    from models.meetings import Meeting

    with Session(demo) as session:
        held = session.get(Meeting, 1)
    day = held.starts_at.date()  # the demo's clocks are UTC in November
    clock.moment = clock.moment.replace(hour=6)  # earlier in the day than the meeting's start

    reply = await chat(CHAIR, f"minutes 1 on {day:%d/%m/%Y}")

    assert reply.changed
    with Session(demo) as session:
        out = session.get(Meeting, 1).minutes_circulated_at
    assert out.date() == day and out >= held.starts_at
