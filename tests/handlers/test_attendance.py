"""attend and attendance: answers for the next meeting, deputies from the member's own agency."""

from sqlmodel import Session, select

from models.meetings import AttendanceAnswer
from models.partnership import Member
from tests.conftest import ADMIN, CHAIR, DEPUTY_CHAIR, HOUSING, ICB_MEMBER, POLICE, POLICE_DEPUTY, PRACTITIONER


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


async def test_an_answer_it_does_not_know_without_a_group_says_the_answers_it_takes(chat):
    reply = await chat(HOUSING, "attend maybe")
    assert reply.is_error and "no group called" not in reply.text and "know a group" not in reply.text
    assert "I didn't understand 'maybe'. Answer with `attend yes`, `attend no` or `attend deputy NAME-OR-EMAIL`" \
        in reply.text
    assert not (await chat(HOUSING, "attend arg")).is_error  # a group on its own still asks for the answer


async def test_someone_without_a_seat_cannot_answer(chat):
    reply = await chat(POLICE_DEPUTY, "attend arg yes")  # on no group, and nobody's deputy
    assert reply.is_error
    assert "nobody has named you as their deputy" in reply.text


# --- named deputies -----------------------------------------------------------------------------------
# In the demo, Tom Hughes (community health) has named Jo Walsh to attend the next ARG in his place.

TOM = "tom.hughes@community.example.org"


async def test_a_named_deputy_sees_the_meeting_and_can_confirm_it_and_the_member_is_told(chat):
    meetings = await chat(PRACTITIONER, "meetings")
    (arg,) = [i for i in meetings.items if "Assurance and Review Group" in i.text]
    assert ("You are deputising for", "Tom Hughes") in arg.fields
    assert [b.label for b in arg.buttons] == ["I'll be there", "I can't go"]
    home = await chat(PRACTITIONER, "home")
    assert any("Assurance and Review Group" in i.text for i in home.items)
    saved = await chat(PRACTITIONER, "attend arg yes")
    assert not saved.is_error and "you will attend Assurance and Review Group for Tom Hughes" in saved.text
    (told,) = chat.notices_to(TOM)
    assert "Jo Walsh has confirmed they will attend Assurance and Review Group for you" in told.text
    assert "nothing changed" in (await chat(PRACTITIONER, "attend arg yes")).text.lower()


async def test_a_deputy_who_cannot_go_tells_the_member_and_the_seat_no_longer_counts(chat):
    declined = await chat(PRACTITIONER, "attend arg no")
    assert "I've told Tom Hughes" in declined.text
    (told,) = chat.notices_to(TOM)
    assert "Jo Walsh can't attend Assurance and Review Group for you" in told.text
    assert {b.label for b in told.buttons} == {"Attending", "Apologies", "Send deputy"}
    listed = await chat(CHAIR, "attendance arg")
    assert "Jo Walsh for Tom Hughes (Riverside Community Health Trust, but the deputy can't go)" in listed.text


def test_a_declined_deputy_no_longer_covers_the_seat_in_the_quorum_rule():
    from models.meetings import DEPUTY_DECLINED
    from models.quorum import SeatAnswer, evaluate_quorum

    seats = [SeatAnswer(1, "Tom Hughes", "health", "Community Health", "member", "deputy", "Jo Walsh")]
    rule = {"all_of": ["health"]}
    assert evaluate_quorum(rule, seats, deputies_count=True, agency_names={}).quorate
    declined = [SeatAnswer(1, "Tom Hughes", "health", "Community Health", "member", "deputy", "Jo Walsh",
                           DEPUTY_DECLINED)]
    result = evaluate_quorum(rule, declined, deputies_count=True, agency_names={"health": "Community Health"})
    assert not result.quorate
    assert "Community Health's deputy (Jo Walsh) can't come (ask Tom Hughes to answer again)" in result.missing
    strict = evaluate_quorum(rule, [SeatAnswer(1, "Tom Hughes", "health", "Community Health", "member", None)],
                             deputies_count=False, agency_names={"health": "Community Health"})
    assert strict.would_fix == ["someone from Community Health (a member: deputies don't count here)"]


async def test_a_deputy_cannot_name_a_deputy_of_their_own(chat):
    reply = await chat(PRACTITIONER, f"attend arg deputy {POLICE_DEPUTY}")
    assert reply.is_error and "Only Tom Hughes can name a deputy for their seat" in reply.text


async def test_a_withdrawn_deputy_is_told_and_a_newly_named_one_is_asked(chat):
    await chat(TOM, "attend arg yes")
    (withdrawn,) = chat.notices_to(PRACTITIONER)
    assert "Tom Hughes no longer needs you to attend Assurance and Review Group" in withdrawn.text
    assert (await chat(PRACTITIONER, "attend arg yes")).is_error  # not a deputy any more


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


async def test_a_named_deputy_is_told_when_the_meeting_moves_or_is_cancelled(chat):
    (first, *_rest) = (await chat(PRACTITIONER, "meetings")).items
    meeting_id = first.key.split(":")[1]
    await chat(CHAIR, f"meeting move {meeting_id} 2026-12-09 14:00")
    assert any("has moved" in notice.text for notice in chat.notices_to(PRACTITIONER))
    await chat(CHAIR, f"meeting cancel {meeting_id}")
    assert chat.notices_to(PRACTITIONER)[-1].title == "Assurance and Review Group is cancelled"


async def test_a_deputy_named_for_a_later_meeting_is_offered_no_answer_until_it_is_the_next(chat):
    """`attend` answers for a group's next meeting: a deputy named for a later one has nothing to
    answer yet, and no buttons that would then be refused."""
    added = await chat(CHAIR, "meeting add arg 2026-11-30 10:00 Council House")
    assert not added.is_error, added.text
    meetings = await chat(PRACTITIONER, "meetings")
    (arg,) = [i for i in meetings.items if "Assurance and Review Group" in i.text]
    assert ("You are deputising for", "Tom Hughes") in arg.fields and "Wed 2 Dec 2026" in arg.text
    assert arg.buttons == []
    home = await chat(PRACTITIONER, "home")
    assert not [b for i in home.items if "Assurance and Review Group" in i.text for b in i.buttons]
    refused = await chat(PRACTITIONER, "attend arg yes")
    assert refused.is_error and "nobody has named you as their deputy for its next meeting" in refused.text
    assert chat.notices_to(TOM) == []


async def test_someone_whose_seat_starts_before_the_next_meeting_answers_for_it(chat, demo):
    """Their reminders ask them and the quorum counts them, so they can answer; a seat that starts
    after the next meeting has nothing to answer yet."""
    for name, email, since in (("Nia Jones", "nia.jones@police.example.org", "2026-11-30"),
                               ("Ola Reed", "ola.reed@police.example.org", "2026-12-03")):
        added = await chat(ADMIN, f'member add name="{name}" email={email} agency=police group=arg role=member '
                                  f"since={since}")
        assert not added.is_error, added.text
    saved = await chat("nia.jones@police.example.org", "attend arg yes")
    assert not saved.is_error and saved.changed and "you are attending" in saved.text
    assert answer_of(demo, "nia.jones@police.example.org").answer == "attending"
    later = await chat("ola.reed@police.example.org", "attend arg yes")
    assert later.is_error and "You don't have a seat on Assurance and Review Group" in later.text
    assert answer_of(demo, "ola.reed@police.example.org") is None


async def test_someone_whose_seat_ends_before_the_next_meeting_has_nothing_to_answer(chat, demo):
    """The quorum and the reminders go by the seat held on the meeting's day: a seat ending before
    it is told so, and offered no buttons for it."""
    from datetime import date

    from models.groups import Group, Membership

    with Session(demo) as session:
        mark = session.exec(select(Member).where(Member.email == POLICE)).one()
        arg = session.exec(select(Group).where(Group.key == "arg")).one()
        seat = session.exec(select(Membership).where(Membership.member_id == mark.id,
                                                     Membership.group_id == arg.id)).one()
        seat.until = date(2026, 11, 30)  # the next ARG meeting is on 2 December
        session.add(seat)
        session.commit()
    refused = await chat(POLICE, "attend arg yes")
    assert refused.is_error and "Your seat on Assurance and Review Group ends before its next meeting" in refused.text
    assert answer_of(demo, POLICE) is None or answer_of(demo, POLICE).answer != "attending"
    meetings = await chat(POLICE, "meetings arg")
    assert not [b for i in meetings.items for b in i.buttons if b.command.startswith("attend arg")]
    assert not (await chat(HOUSING, "attend arg yes")).is_error  # a seat with no end answers as before


# --- a deputy who has sent apologies for their own seat -------------------------------------------------
# On the ARG, Dr Amara Okafor (deputy chair) and Rachel Green both sit for the ICB.


async def test_a_member_cannot_name_a_deputy_who_has_sent_apologies_for_the_meeting(chat, demo):
    await chat(DEPUTY_CHAIR, "attend arg no")
    reply = await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    assert reply.is_error
    assert ("Dr Amara Okafor has sent apologies for this meeting of Assurance and Review Group, so can't attend "
            "for you") in reply.text
    assert "name someone else" in reply.text
    assert answer_of(demo, ICB_MEMBER) is None  # nothing saved
    assert not chat.notices_to(DEPUTY_CHAIR)


async def test_a_deputy_who_then_sends_apologies_for_their_own_seat_no_longer_counts(chat):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    await chat(DEPUTY_CHAIR, "attend arg no")  # Amara can't come after all, to her own seat or Rachel's
    quorum = await chat(CHAIR, "quorum arg")
    assert quorum.title.endswith("not quorate yet")
    assert "Represented so far: Riverside Community Health Trust, Riverside Council Children's Services (" \
        in quorum.text
    assert ("NHS Riverside Integrated Care Board's deputy (Dr Amara Okafor) has sent apologies for their own seat "
            "(ask Rachel Green to name someone else)") in quorum.text
    listed = await chat(CHAIR, "attendance arg")
    assert ("Dr Amara Okafor for Rachel Green (NHS Riverside Integrated Care Board, but the deputy can't go)"
            in listed.text)


async def test_a_deputy_who_then_sends_apologies_for_their_own_seat_tells_the_member_who_named_them(chat):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    away = await chat(DEPUTY_CHAIR, "attend arg no")
    assert "I've told Rachel Green" in away.text
    (told,) = [n for n in chat.notices_to(ICB_MEMBER) if "can't" in n.title]
    assert "Dr Amara Okafor has sent apologies for Assurance and Review Group" in told.text
    assert {b.label for b in told.buttons} == {"Attending", "Apologies", "Send deputy"}
    (send,) = [b for b in told.buttons if b.label == "Send deputy"]
    offered = [o.value for f in send.form.fields for o in f.options]
    assert DEPUTY_CHAIR not in offered  # she has just said she can't come
    assert "I've told" not in (await chat(DEPUTY_CHAIR, "attend arg no")).text  # nothing changed: told once


async def test_someone_attending_and_deputising_too_is_counted_once(chat):
    def coming(reply) -> int:
        return int(reply.text.split(" coming)")[0].rsplit("(", 1)[1].split()[0])

    before = coming(await chat(CHAIR, "quorum arg"))  # Helen, Amara, and Jo for Tom
    await chat(ICB_MEMBER, "attend arg yes")
    await chat(DEPUTY_CHAIR, f"attend arg deputy {ICB_MEMBER}")  # Amara sends Rachel, who is coming anyway
    assert coming(await chat(CHAIR, "quorum arg")) == before
    home = await chat(CHAIR, "home")
    assert any(("Coming", f"{before} people so far") in i.fields for i in home.items)


async def test_the_deputy_form_does_not_offer_a_colleague_who_has_sent_apologies(chat):
    form = (await chat(ICB_MEMBER, "attend arg deputy")).form
    assert DEPUTY_CHAIR in [o.value for f in form.fields for o in f.options]
    await chat(DEPUTY_CHAIR, "attend arg no")
    form = (await chat(ICB_MEMBER, "attend arg deputy")).form
    assert DEPUTY_CHAIR not in [o.value for f in form.fields for o in f.options]
