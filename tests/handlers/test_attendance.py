"""attend and attendance: answers for the next meeting, deputies from the member's own agency."""

from sqlmodel import Session, select

from models.meetings import AttendanceAnswer
from models.partnership import Member
from tests.conftest import ADMIN, CHAIR, HOUSING, ICB_MEMBER, POLICE, POLICE_DEPUTY, PRACTITIONER


def answer_of(engine, email):
    with Session(engine) as session:
        member = session.exec(select(Member).where(Member.email == email)).one()
        return session.exec(select(AttendanceAnswer).where(AttendanceAnswer.member_id == member.id)
                            .order_by(AttendanceAnswer.meeting_id.desc())).first()


async def test_a_member_says_they_are_attending(chat, demo):
    reply = await chat(HOUSING, "attend arg yes")
    assert reply.changed
    assert "you are attending" in reply.text
    assert answer_of(demo, HOUSING).answer == "attending"
    assert [b.label for b in reply.buttons] == ["Apologies", "Send deputy"]


async def test_the_group_can_be_left_out_when_i_sit_on_one_group(chat, demo):
    reply = await chat(HOUSING, "attend no")
    assert "your apologies" in reply.text
    assert answer_of(demo, HOUSING).answer == "apologies"


async def test_police_send_a_deputy_from_their_own_force_and_the_deputy_is_told(chat, demo):
    reply = await chat(POLICE, f"attend arg deputy {POLICE_DEPUTY}")
    assert "DS Sam Patel will attend for you" in reply.text
    row = answer_of(demo, POLICE)
    assert row.answer == "deputy" and row.deputy_id is not None
    notices = chat.notices_to(POLICE_DEPUTY)
    assert notices and "in their place on Wed 2 Dec 2026 10:00" in notices[0].text


async def test_a_deputy_can_be_named_by_name(chat):
    reply = await chat(POLICE, "attend deputy Sam Patel")
    assert "DS Sam Patel will attend" in reply.text


async def test_a_deputy_from_another_agency_is_refused(chat, demo):
    reply = await chat(POLICE, f"attend arg deputy {ICB_MEMBER}")
    assert reply.is_error
    assert "Rachel Green is from NHS Riverside Integrated Care Board" in reply.text
    assert answer_of(demo, POLICE).answer == "apologies"  # unchanged


async def test_an_unknown_deputy_is_refused_with_what_to_do(chat):
    reply = await chat(POLICE, "attend deputy nobody.here@police.example.org")
    assert "ask the business unit to add them" in reply.text


async def test_send_deputy_without_a_name_offers_a_form_of_colleagues(chat):
    reply = await chat(POLICE, "attend arg deputy")
    assert reply.form is not None
    options = [o.label for o in reply.form.fields[0].options]
    assert options == ["DS Sam Patel"]
    submitted = await chat(POLICE, reply.form.command, form={"deputy": POLICE_DEPUTY})
    assert "DS Sam Patel will attend" in submitted.text


async def test_answering_the_same_twice_changes_nothing(chat):
    await chat(HOUSING, "attend yes")
    again = await chat(HOUSING, "attend yes")
    assert not again.changed
    assert "Nothing changed" in again.text


async def test_a_nonsense_answer_says_how_to_answer(chat):
    reply = await chat(HOUSING, "attend arg maybe")
    assert reply.is_error
    assert "`attend arg yes`" in reply.text


async def test_someone_without_a_seat_cannot_answer(chat):
    reply = await chat(PRACTITIONER, "attend arg yes")
    assert reply.is_error
    assert "don't have a seat on Assurance and Review Group" in reply.text


async def test_the_chair_sees_who_is_coming_and_who_has_not_answered(chat):
    reply = await chat(CHAIR, "attendance arg")
    assert "Attending (2): Dr Amara Okafor" in reply.text
    assert "Jo Walsh for Tom Hughes" in reply.text
    assert "Apologies (2): DI Mark Evans (Riverside Police), Laura Bennett" in reply.text
    assert "Not answered (8)" in reply.text
    assert any(i.text.startswith("Rachel Green") for i in reply.items)


async def test_a_member_cannot_see_attendance_and_is_told_who_can(chat):
    reply = await chat(HOUSING, "attendance arg")
    assert reply.is_error
    assert "Helen Carter" in reply.text and "Dr Amara Okafor" in reply.text


async def test_the_business_unit_can_see_attendance(chat):
    reply = await chat(ADMIN, "attendance arg")
    assert not reply.is_error
