"""A meeting that moves or is cancelled is news for everyone on the group, not only those who answered.

Each member with a seat on the group is told, answered or not; so is a deputy named for it and
anyone who owes it a paper. When the time moves and the meeting is the group's next, the notice
shows each member's answer so far and carries the buttons to change it, and a named deputy's
carries theirs. Nobody removed, and nobody from another group, is told.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlmodel import Session, select

from models.groups import Group, Membership
from models.meetings import AttendanceAnswer, Meeting, Paper
from models.partnership import Member
from tests.conftest import ADMIN, CHAIR, DEPUTY_CHAIR, HOUSING, ICB_MEMBER, POLICE, POLICE_DEPUTY, PRACTITIONER


def quiet_members(engine, meeting_id: int) -> list[str]:
    """ARG members with a seat who have not answered for the meeting and owe it no paper."""
    with Session(engine) as session:
        seated = session.exec(select(Member).join(Membership, Membership.member_id == Member.id)
                              .join(Group, Group.id == Membership.group_id)
                              .where(Group.key == "arg", Member.active, Membership.until.is_(None))).all()
        answered = set(session.exec(select(AttendanceAnswer.member_id).where(
            AttendanceAnswer.meeting_id == meeting_id)).all())
        owing = set(session.exec(select(Paper.owner_id).where(Paper.meeting_id == meeting_id,
                                                              Paper.submitted_at.is_(None))).all())
    return sorted(m.email for m in seated if m.id not in answered | owing and m.email != CHAIR)


def answer_of(engine, meeting_id: int, email: str) -> str | None:
    with Session(engine) as session:
        row = session.exec(select(AttendanceAnswer.answer).join(Member, Member.id == AttendanceAnswer.member_id)
                           .where(AttendanceAnswer.meeting_id == meeting_id, Member.email == email)).first()
    return row


async def test_a_member_who_has_not_answered_is_told_of_a_move_and_can_answer_from_it(chat, demo):
    quiet = quiet_members(demo, 2)
    assert quiet, "the demo has ARG members who have neither answered nor owe a paper"
    member = quiet[0]

    reply = await chat(CHAIR, "meeting move 2 2026-12-03 14:00")

    assert reply.changed
    [notice] = chat.notices_to(member)
    assert notice.title == "Assurance and Review Group has moved" and notice.private
    assert ("Your answer", "not answered") in notice.fields
    assert [b.label for b in notice.buttons] == ["Attending", "Apologies", "Send deputy"]
    answered = await chat(member, notice.buttons[1].command)
    assert answered.changed and answer_of(demo, 2, member) == "apologies"


async def test_the_notice_shows_an_answer_already_given_and_offers_only_a_change(chat, demo):
    await chat(POLICE, "attend arg yes")
    chat.sent.clear()

    await chat(CHAIR, "meeting move 2 2026-12-03 14:00")

    [notice] = chat.notices_to(POLICE)
    assert ("Your answer", "attending") in notice.fields
    assert [b.label for b in notice.buttons] == ["Apologies", "Send deputy"]


async def test_a_named_deputy_is_told_with_their_own_buttons(chat, demo):
    await chat(POLICE, f"attend arg deputy {POLICE_DEPUTY}")
    chat.sent.clear()

    await chat(CHAIR, "meeting move 2 2026-12-03 14:00")

    [notice] = chat.notices_to(POLICE_DEPUTY)
    assert ("Deputising for", "DI Mark Evans (not answered yet)") in notice.fields
    assert [b.label for b in notice.buttons] == ["I'll be there", "I can't go"]
    [member_notice] = chat.notices_to(POLICE)
    assert ("Your answer", "sending DS Sam Patel as deputy (not confirmed yet)") in member_notice.fields


async def test_everyone_on_the_group_hears_of_a_cancellation_and_nobody_else(chat, demo):
    quiet = quiet_members(demo, 2)

    reply = await chat(CHAIR, "meeting cancel 2")

    told = {member.email for member, _ in chat.sent}
    assert set(quiet) <= told
    assert POLICE_DEPUTY not in told  # sits on no ARG seat and has nothing to do with the meeting
    assert PRACTITIONER in told  # no seat either, but named as a deputy for it
    assert CHAIR not in told  # who cancelled it
    assert reply.text.endswith(f"I've told the {len(told)} people concerned: the group's members, any deputy named "
                               f"for it and anyone who owes it a paper.")
    assert all(not notice.buttons for _, notice in chat.sent)


async def test_someone_removed_is_not_told(chat, demo):
    quiet = quiet_members(demo, 2)
    asked = await chat(ADMIN, f"member remove {quiet[0]}")
    await chat(ADMIN, asked.buttons[0].command)
    chat.sent.clear()

    await chat(CHAIR, "meeting move 2 2026-12-03 14:00")

    assert chat.notices_to(quiet[0]) == []
    assert chat.notices_to(quiet[1])


async def test_a_new_place_alone_or_a_later_meeting_carries_no_answer_buttons(chat, demo):
    await chat(CHAIR, 'meeting move 2 location="Town Hall"')
    assert chat.notices_to(HOUSING) and all(not n.buttons for n in chat.notices_to(HOUSING))
    chat.sent.clear()

    assert (await chat(CHAIR, "meeting add arg 2027-03-02 10:00")).changed
    with Session(demo) as session:
        later = session.exec(select(Meeting.id).order_by(Meeting.id.desc())).first()
    moved = await chat(CHAIR, f"meeting move {later} 2027-03-03 10:00")

    assert moved.changed and chat.sent  # the buttons would answer for the group's next meeting, not this one
    assert all(not notice.buttons and notice.fields == [("Moved by", "Helen Carter")] for _, notice in chat.sent)


async def test_each_notice_says_who_moved_or_cancelled_the_meeting(chat, demo):
    await chat(CHAIR, "meeting move 2 2026-12-03 14:00")
    assert all(("Moved by", "Helen Carter") in notice.fields for _, notice in chat.sent)
    chat.sent.clear()
    await chat(ADMIN, 'meeting move 2 location="Town Hall"')
    assert all(("Changed by", "Priya Shah") in notice.fields for _, notice in chat.sent)
    chat.sent.clear()
    await chat(ADMIN, "meeting cancel 2")
    assert chat.sent and all(notice.fields == [("Cancelled by", "Priya Shah")] for _, notice in chat.sent)


async def test_a_deputy_who_sits_on_the_group_answers_for_both_places_from_the_notice(chat, demo):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    chat.sent.clear()

    await chat(CHAIR, "meeting move 2 2026-12-03 14:00")

    [notice] = chat.notices_to(DEPUTY_CHAIR)
    assert ("Deputising for", "Rachel Green (not answered yet)") in notice.fields
    assert [b.label for b in notice.buttons] == ["I'll be there", "Can't come at all", "Just my own seat"]


async def test_a_deputy_who_said_they_cant_go_is_shown_so_and_offered_only_the_other_answer(chat, demo):
    await chat(POLICE, f"attend arg deputy {POLICE_DEPUTY}")
    await chat(POLICE_DEPUTY, "attend arg no")
    chat.sent.clear()

    await chat(CHAIR, "meeting move 2 2026-12-03 14:00")

    [notice] = chat.notices_to(POLICE_DEPUTY)
    assert ("Deputising for", "DI Mark Evans (you can't go)") in notice.fields
    assert [b.label for b in notice.buttons] == ["I'll be there"]


async def test_the_count_of_people_told_leaves_out_those_who_have_left(chat, demo):
    await chat(POLICE, "attend arg yes")
    asked = await chat(ADMIN, f"member remove {POLICE}")
    await chat(ADMIN, asked.buttons[0].command)
    chat.sent.clear()

    reply = await chat(CHAIR, "meeting move 2 2026-12-03 14:00")

    assert chat.notices_to(POLICE) == []
    assert f"I've told the {len(chat.sent)} people concerned" in reply.text


async def test_someone_whose_seat_ends_before_the_new_day_is_told_there_is_nothing_to_answer(chat, demo):
    quiet = quiet_members(demo, 2)[0]
    with Session(demo) as session:
        seat = session.exec(select(Membership).join(Member, Member.id == Membership.member_id)
                            .join(Group, Group.id == Membership.group_id)
                            .where(Member.email == quiet, Group.key == "arg")).one()
        seat.until = date(2026, 12, 2)  # their last day is the meeting's old day
        session.add(seat)
        session.commit()

    await chat(CHAIR, "meeting move 2 2026-12-03 14:00")

    [notice] = chat.notices_to(quiet)
    assert notice.text.endswith("Your seat on the group ends before the new date, so there is nothing for you to "
                                "answer.")
    assert notice.buttons == [] and not any(name == "Your answer" for name, _ in notice.fields)
    assert "Please check you can still come" not in notice.text


async def test_moving_the_next_meeting_past_the_one_after_says_which_is_next_now(chat, demo):
    with Session(demo) as session:
        after = session.exec(select(Meeting).where(Meeting.id != 2, Meeting.group_id == session.get(Meeting, 2)
                                                   .group_id, Meeting.starts_at > session.get(Meeting, 2).starts_at)
                             .order_by(Meeting.starts_at)).first()
    later = (after.starts_at + timedelta(days=7)).date()

    reply = await chat(CHAIR, f"meeting move 2 {later:%Y-%m-%d} 10:00")

    assert reply.changed and f"The next meeting of Assurance and Review Group is now #{after.id} on " in reply.text
    assert "Please check you can still come" not in reply.text  # its answers can't be changed until then
    [notice] = chat.notices_to(HOUSING)
    assert f"is now #{after.id} on " in notice.text and notice.buttons == []


async def test_one_person_told_is_said_as_one(chat, demo):
    from tests.conftest import AUDIT_CHAIR

    with Session(demo) as session:
        audit = session.exec(select(Group).where(Group.key == "audit")).one()
        meeting = session.exec(select(Meeting).where(Meeting.group_id == audit.id, Meeting.starts_at > datetime(
            2026, 11, 23, tzinfo=timezone.utc)).order_by(Meeting.starts_at)).first()
        seats = session.exec(select(Membership).where(Membership.group_id == audit.id)).all()
        chair_id = session.exec(select(Member.id).where(Member.email == AUDIT_CHAIR)).one()
        keep = next(s for s in seats if s.member_id != chair_id)
        for seat in seats:
            if seat.member_id not in (chair_id, keep.member_id):
                session.delete(seat)
        session.commit()
        for row in session.exec(select(Paper).where(Paper.meeting_id == meeting.id)).all():
            session.delete(row)
        for row in session.exec(select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == meeting.id)).all():
            session.delete(row)
        session.commit()
        meeting_id = meeting.id

    reply = await chat(AUDIT_CHAIR, f"meeting cancel {meeting_id}")

    assert reply.changed and reply.text.endswith("I've told the one other person concerned.")
    assert len(chat.sent) == 1


async def test_a_member_whose_deputy_has_left_is_told_to_name_someone_else(chat, demo):
    await chat(POLICE, f"attend arg deputy {POLICE_DEPUTY}")
    asked = await chat(ADMIN, f"member remove {POLICE_DEPUTY}")
    await chat(ADMIN, asked.buttons[0].command)
    chat.sent.clear()

    await chat(CHAIR, "meeting move 2 2026-12-03 14:00")

    [notice] = chat.notices_to(POLICE)
    assert ("Your answer", "sending DS Sam Patel as deputy (has left the partnership: name someone else)") \
        in notice.fields
    assert "attend arg deputy" in [b.command for b in notice.buttons]
