"""A named deputy who also sits on the group: told that their answer counts for their own seat too,
shown whose seat they stand in for, and confirmed for both when they say they will be there."""

from datetime import date

from sqlmodel import Session, select

from models.meetings import AttendanceAnswer, Answer
from models.partnership import Member
from tests import factories
from tests.conftest import CHAIR, DEPUTY_CHAIR, ICB_MEMBER, POLICE, POLICE_DEPUTY
from tests.schedules.builders import a_meeting, digests, town


def rachels_answer(engine) -> AttendanceAnswer:
    with Session(engine) as session:
        rachel = session.exec(select(Member).where(Member.email == ICB_MEMBER)).one()
        return session.exec(select(AttendanceAnswer).where(AttendanceAnswer.member_id == rachel.id)
                            .order_by(AttendanceAnswer.meeting_id)).first()


def field(item, name: str) -> str | None:
    return dict(item.fields).get(name)


async def test_a_deputy_with_a_seat_of_their_own_is_told_their_answer_counts_for_it(chat):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    [notice] = chat.notices_to(DEPUTY_CHAIR)
    assert "You sit on Assurance and Review Group yourself" in notice.text
    assert [(b.label, b.command) for b in notice.buttons] == [("I'll be there", "attend arg yes"),
                                                              ("Can't come at all", "attend arg no"),
                                                              ("Just my own seat", "deputise arg no")]


async def test_a_deputy_without_a_seat_is_asked_only_whether_they_can_go(chat):
    await chat(POLICE, f"attend arg deputy {POLICE_DEPUTY}")
    [notice] = chat.notices_to(POLICE_DEPUTY)
    assert "yourself" not in notice.text
    assert [b.label for b in notice.buttons] == ["I'll be there", "I can't go"]


async def test_ill_be_there_confirms_the_deputy_place_as_well_as_the_own_seat(chat, demo):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    before = await chat(DEPUTY_CHAIR, "meetings arg")
    assert field(before.items[0], "Also deputising for") == "Rachel Green (not confirmed yet)"
    chat.sent.clear()

    reply = await chat(DEPUTY_CHAIR, "attend arg yes")

    assert reply.changed and not reply.is_error
    assert "You will also attend for Rachel Green, as their deputy: I've told them." in reply.text
    assert ("Also deputising for", "Rachel Green (you will be there)") in reply.fields
    assert rachels_answer(demo).deputy_answer == "confirmed"
    [told] = chat.notices_to(ICB_MEMBER)
    assert "Dr Amara Okafor has confirmed they will attend Assurance and Review Group for you" in told.text
    home = await chat(DEPUTY_CHAIR, "home")
    meeting = next(item for item in home.items if item.key.startswith("meeting:"))
    assert field(meeting, "Your answer") == "attending"
    assert field(meeting, "Also deputising for") == "Rachel Green (you will be there)"

    again = await chat(DEPUTY_CHAIR, "attend arg yes")
    assert not again.changed and "Nothing changed" in again.text


async def test_a_deputy_place_already_declined_is_not_confirmed_by_coming_to_the_own_seat(chat, demo):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    with Session(demo) as session:
        row = session.get(AttendanceAnswer, rachels_answer(demo).id)
        row.deputy_answer = "declined"
        session.add(row)
        session.commit()
    chat.sent.clear()
    reply = await chat(DEPUTY_CHAIR, "attend arg yes")
    assert "as their deputy" not in reply.text and rachels_answer(demo).deputy_answer == "declined"
    assert chat.notices_to(ICB_MEMBER) == []


def test_the_daily_ask_tells_a_deputy_with_a_seat_that_no_means_not_coming_at_all(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10), location="Council House")
    seated = factories.member(session, t.police, "Pat Seated")
    factories.seat(session, t.arg, seated)
    outside = factories.member(session, t.police, "Sam Standin")
    other = factories.member(session, t.police, "Lee Officer")
    factories.seat(session, t.arg, other)
    factories.answer(session, meeting, seated, Answer.ATTENDING.value)  # for their own seat, before being named
    factories.answer(session, meeting, t.officer, Answer.DEPUTY.value, deputy=seated)
    factories.answer(session, meeting, other, Answer.DEPUTY.value, deputy=outside)

    found = digests(session, date(2026, 12, 7))

    (ask,) = found["Pat Seated"].items
    assert "Mark Officer has named you to attend in their place" in ask.text
    assert ask.text.endswith("Can you go? Your answer counts for your own seat too.")
    assert [(b.label, b.command) for b in ask.buttons] == [("I'll be there", f"attend {t.arg.key} yes"),
                                                           ("Can't come at all", f"attend {t.arg.key} no"),
                                                           ("Just my own seat", f"deputise {t.arg.key} no")]
    (plain,) = found["Sam Standin"].items
    assert [b.label for b in plain.buttons] == ["I'll be there", "I can't go"] and "own seat" not in plain.text


def test_a_deputy_with_a_seat_not_yet_answered_is_asked_once_for_both(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10), location="Council House")
    seated = factories.member(session, t.police, "Pat Seated")
    factories.seat(session, t.arg, seated)
    factories.answer(session, meeting, t.officer, Answer.DEPUTY.value, deputy=seated)

    (ask,) = digests(session, date(2026, 12, 7))["Pat Seated"].items

    assert "Mark Officer has named you to attend in their place" in ask.text and "own seat too" in ask.text
    assert [b.label for b in ask.buttons] == ["I'll be there", "Can't come at all", "Just my own seat"]


async def test_coming_back_after_apologies_tells_the_colleague_they_are_coming_after_all(chat, demo):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    assert (await chat(DEPUTY_CHAIR, "attend arg yes")).changed
    away = await chat(DEPUTY_CHAIR, "attend arg no")
    assert "I've told Rachel Green" in away.text
    chat.sent.clear()

    back = await chat(DEPUTY_CHAIR, "attend arg yes")

    assert back.changed and "You will also attend for Rachel Green, as their deputy" in back.text
    [told] = chat.notices_to(ICB_MEMBER)
    assert "has confirmed they will attend Assurance and Review Group for you" in told.text
    assert rachels_answer(demo).deputy_answer == "confirmed"


async def test_a_deputy_with_a_seat_who_sends_apologies_is_shown_as_not_going_for_either(chat):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    assert (await chat(DEPUTY_CHAIR, "attend arg yes")).changed
    assert (await chat(DEPUTY_CHAIR, "attend arg no")).changed
    listed = await chat(DEPUTY_CHAIR, "meetings arg")
    assert field(listed.items[0], "Your answer") == "apologies"
    assert field(listed.items[0], "Also deputising for") == "Rachel Green (you can't go: you sent apologies)"


async def test_a_deputy_with_a_seat_no_longer_needed_is_not_told_they_need_not_go(chat):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    assert (await chat(DEPUTY_CHAIR, "attend arg yes")).changed
    chat.sent.clear()
    assert (await chat(ICB_MEMBER, "attend arg yes")).changed
    [told] = chat.notices_to(DEPUTY_CHAIR)
    assert told.title == "No longer deputising at Assurance and Review Group"
    assert told.text.endswith("Your answer for your own seat stands.") and "don't need to go" not in told.text


async def test_a_member_who_named_a_deputy_sees_who_and_whether_they_are_going(chat):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    named = await chat(ICB_MEMBER, "meetings arg")
    assert field(named.items[0], "Your answer") == "sending Dr Amara Okafor as deputy (not confirmed yet)"
    await chat(DEPUTY_CHAIR, "attend arg yes")
    home = await chat(ICB_MEMBER, "home")
    meeting = next(item for item in home.items if item.key.startswith("meeting:"))
    assert field(meeting, "Your answer") == "sending Dr Amara Okafor as deputy (confirmed)"
    await chat(DEPUTY_CHAIR, "attend arg no")
    after = await chat(ICB_MEMBER, "meetings arg")
    assert field(after.items[0], "Your answer") == ("sending Dr Amara Okafor as deputy (can't go, having sent "
                                                    "apologies for their own seat)")


async def test_only_for_my_own_seat_turns_down_the_deputy_place_and_leaves_the_own_answer(chat, demo):
    await chat(DEPUTY_CHAIR, "attend arg yes")
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    [notice] = chat.notices_to(DEPUTY_CHAIR)
    chat.sent.clear()

    reply = await chat(DEPUTY_CHAIR, notice.buttons[2].command)

    assert reply.changed and reply.text.startswith("Saved: you won't go in Rachel Green's place. I've told Rachel")
    assert ("In Rachel Green's place", "you won't go") in reply.fields
    assert ("For your own seat", "attending") in reply.fields
    assert rachels_answer(demo).deputy_answer == "declined"
    [told] = chat.notices_to(ICB_MEMBER)
    assert told.title == "Your deputy can't go to Assurance and Review Group"
    assert [b.label for b in told.buttons] == ["Attending", "Apologies", "Send deputy"]
    assert ": they are coming for their own seat only. Please answer again" in told.text
    meetings = await chat(DEPUTY_CHAIR, "meetings arg")
    assert field(meetings.items[0], "Your answer") == "attending"  # their own seat, as it was


async def test_the_deputy_place_can_be_taken_up_again_but_not_after_apologies(chat, demo):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    await chat(DEPUTY_CHAIR, "deputise arg no")

    again = await chat(DEPUTY_CHAIR, "deputise arg yes")
    assert again.changed and rachels_answer(demo).deputy_answer == "confirmed"
    assert ("For your own seat", "attending") in again.fields
    assert [b.command for b in again.buttons] == ["deputise arg no"]  # the way back, as after saying no

    await chat(DEPUTY_CHAIR, "deputise arg no")
    await chat(DEPUTY_CHAIR, "attend arg no")  # apologies: they can't go in anyone's place either
    refused = await chat(DEPUTY_CHAIR, "deputise arg yes")
    assert refused.is_error and "you have sent apologies for this meeting" in refused.text
    assert not refused.changed and rachels_answer(demo).deputy_answer == "declined"


async def test_deputise_is_only_for_someone_named_as_a_deputy(chat, demo):
    reply = await chat(POLICE, "deputise arg no")
    assert reply.is_error and reply.text.startswith("You don't have a deputy place to answer for")
    assert "deputise" not in (await chat(POLICE, "help all")).text
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    assert "deputise" in (await chat(DEPUTY_CHAIR, "help all")).text


async def test_turning_down_the_place_offers_taking_it_up_again_and_tells_the_colleague_once(chat, demo):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    chat.sent.clear()

    no = await chat(DEPUTY_CHAIR, "deputise arg no")
    assert [b.command for b in no.buttons] == ["deputise arg yes"]
    away = await chat(DEPUTY_CHAIR, "attend arg no")  # then apologies for the meeting altogether

    assert away.changed and "I've told Rachel Green" not in away.text
    assert len(chat.notices_to(ICB_MEMBER)) == 1  # told once, when the place was turned down
    again = await chat(DEPUTY_CHAIR, "deputise arg no")
    assert not again.changed and len(chat.notices_to(ICB_MEMBER)) == 1


def an_icb_colleague_without_a_seat(engine) -> str:
    from models.partnership import Agency

    with Session(engine) as session:
        icb = session.exec(select(Agency).where(Agency.key == "icb")).one()
        session.add(Member(partnership_id=icb.partnership_id, agency_id=icb.id, name="Zoe King",
                           email="zoe.king@icb.example.org"))
        session.commit()
    return "zoe.king@icb.example.org"


async def test_a_deputy_sending_their_own_deputy_cannot_take_up_a_place(chat, demo):
    zoe = an_icb_colleague_without_a_seat(demo)
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    await chat(DEPUTY_CHAIR, f"attend arg deputy {zoe}")

    reply = await chat(DEPUTY_CHAIR, "deputise arg yes")

    assert reply.is_error and "you are sending a deputy in your own place" in reply.text
    assert rachels_answer(demo).deputy_answer == "declined"  # given up when she sent Zoe


async def test_a_deputy_named_again_after_saying_no_is_asked_again(chat, demo):
    await chat(POLICE, f"attend arg deputy {POLICE_DEPUTY}")
    await chat(POLICE_DEPUTY, "attend arg no")
    chat.sent.clear()

    again = await chat(POLICE, f"attend arg deputy {POLICE_DEPUTY}")

    assert again.changed and "Nothing changed" not in again.text
    [asked] = chat.notices_to(POLICE_DEPUTY)
    assert asked.title == "You are deputising at Assurance and Review Group"
    with Session(demo) as session:
        mark = session.exec(select(Member).where(Member.email == POLICE)).one()
        row = session.exec(select(AttendanceAnswer).where(AttendanceAnswer.member_id == mark.id)
                           .order_by(AttendanceAnswer.meeting_id)).first()
    assert row.deputy_answer is None


async def test_deputise_asks_which_group_when_named_at_two(chat, demo):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    named = await chat(ICB_MEMBER, f"attend audit deputy {DEPUTY_CHAIR}")
    assert named.changed, named.text

    reply = await chat(DEPUTY_CHAIR, "deputise no")

    assert reply.is_error and "You are named as a deputy at 2 groups: say which" in reply.text
    assert rachels_answer(demo).deputy_answer is None


async def test_sending_your_own_deputy_gives_up_a_deputy_place_and_tells_the_colleague(chat, demo):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    assert (await chat(DEPUTY_CHAIR, "deputise arg yes")).changed
    chat.sent.clear()

    await chat(DEPUTY_CHAIR, "attend arg deputy Rachel Green")  # refused: Rachel is sending Amara herself
    sent = await chat(ICB_MEMBER, "attend arg deputy Dr Amara Okafor")  # unchanged, named already
    assert not sent.changed

    zoe = an_icb_colleague_without_a_seat(demo)  # Amara sends her in her own place
    reply = await chat(DEPUTY_CHAIR, f"attend arg deputy {zoe}")

    assert reply.changed and "I've told them you can't go in their place now" in reply.text
    assert rachels_answer(demo).deputy_answer == "declined"
    [told] = [n for n in chat.notices_to(ICB_MEMBER) if n.title.startswith("Your deputy can't go")]
    assert "is sending a deputy in their own place" in told.text
    attendance = await chat(CHAIR, "attendance arg")
    assert "Dr Amara Okafor for Rachel Green" not in attendance.text or "can't go" in attendance.text
    bare = await chat(DEPUTY_CHAIR, "deputise arg")
    assert "you are sending a deputy in your own place" in bare.text
    assert [b.command for b in bare.buttons] == ["attend arg yes"]


async def test_someone_sending_their_own_deputy_cannot_be_named(chat, demo):
    await chat(DEPUTY_CHAIR, f"attend arg deputy {ICB_MEMBER}")

    reply = await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")

    assert reply.is_error and "is sending a deputy in their own place at this meeting" in reply.text


async def test_only_for_my_own_seat_says_coming_for_their_own_seat_only_when_they_are(chat, demo):
    await chat(DEPUTY_CHAIR, "attend arg yes")
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    await chat(DEPUTY_CHAIR, "deputise arg no")
    [coming] = [n for n in chat.notices_to(ICB_MEMBER) if n.title.startswith("Your deputy can't go")]
    assert "they are coming for their own seat only" in coming.text


async def test_a_deputy_who_has_not_answered_for_their_own_seat_is_not_said_to_be_coming(chat, demo):
    with Session(demo) as session:  # Amara's own answer from the demo is taken away: she has not answered
        amara = session.exec(select(Member).where(Member.email == DEPUTY_CHAIR)).one()
        for row in session.exec(select(AttendanceAnswer).where(AttendanceAnswer.member_id == amara.id)).all():
            session.delete(row)
        session.commit()
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    await chat(DEPUTY_CHAIR, "deputise arg no")
    [told] = [n for n in chat.notices_to(ICB_MEMBER) if n.title.startswith("Your deputy can't go")]
    assert "coming for their own seat" not in told.text
