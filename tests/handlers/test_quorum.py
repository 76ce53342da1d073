"""quorum: the chair asks whether the next meeting is quorate, with one command."""

from tests.conftest import ADMIN, CHAIR, DEPUTY_CHAIR, ICB_MEMBER, POLICE, POLICE_DEPUTY, PRACTITIONER


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


async def test_someone_who_has_not_answered_is_told_so_not_asked_to_ask_themselves(chat):
    reply = await chat(POLICE_DEPUTY, "quorum audit")
    assert "Riverside Police has not answered (you have not answered yet)" in reply.text
    assert "ask DS Sam Patel" not in reply.text


async def test_a_member_whose_deputy_cannot_come_is_told_to_name_someone_else(chat):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    await chat(DEPUTY_CHAIR, "attend arg no")
    theirs = await chat(ICB_MEMBER, "quorum arg")
    assert ("NHS Riverside Integrated Care Board's deputy (Dr Amara Okafor) has sent apologies for their own seat "
            "(name someone else)") in theirs.text
    assert "(ask Rachel Green to name someone else)" in (await chat(CHAIR, "quorum arg")).text


def test_the_one_who_asked_is_told_their_part_beside_the_others_to_ask():
    from models.meetings import DEPUTY_DECLINED
    from models.quorum import SeatAnswer, evaluate_quorum

    names = {"health": "Community Health"}
    rule = {"all_of": ["health"]}
    seats = [SeatAnswer(1, "Tom Hughes", "health", "Community Health", "member", None),
             SeatAnswer(2, "Ann Lee", "health", "Community Health", "member", None)]
    result = evaluate_quorum(rule, seats, deputies_count=True, agency_names=names, asker_id=2)
    assert result.missing == ["Community Health has not answered (ask Tom Hughes; you have not answered yet)"]
    declined = [SeatAnswer(1, "Tom Hughes", "health", "Community Health", "member", "deputy", "Jo Walsh",
                           DEPUTY_DECLINED)]
    mine = evaluate_quorum(rule, declined, deputies_count=True, agency_names=names, asker_id=1)
    assert mine.missing == ["Community Health's deputy (Jo Walsh) can't come (answer again)"]
    theirs = evaluate_quorum(rule, declined, deputies_count=True, agency_names=names, asker_id=2)
    assert theirs.missing == ["Community Health's deputy (Jo Walsh) can't come (ask Tom Hughes to answer again)"]


def test_the_one_who_asked_is_you_among_those_not_answered_for_numbers_and_the_chair():
    from models.quorum import SeatAnswer, evaluate_quorum

    seats = [SeatAnswer(1, "Helen Carter", "la", "Council", "chair", None),
             SeatAnswer(2, "Dr Amara Okafor", "icb", "ICB", "deputy_chair", None),
             SeatAnswer(3, "Tom Hughes", "health", "Health", "member", "attending")]
    result = evaluate_quorum({"min_members": 3, "chair_required": True}, seats, deputies_count=True,
                             agency_names={}, asker_id=1)
    assert result.missing == ["1 person coming, 3 needed",
                              "neither the chair nor the deputy chair is confirmed (not answered: you, "
                              "Dr Amara Okafor)"]
    assert result.would_fix[0] == "2 more people (not answered yet: you, Dr Amara Okafor)"
    nobody = evaluate_quorum({"min_members": 3}, seats, deputies_count=True, agency_names={})
    assert nobody.would_fix == ["2 more people (not answered yet: Helen Carter, Dr Amara Okafor)"]


async def test_a_deputy_asking_is_told_it_is_their_own_apologies_that_leave_the_seat_empty(chat):
    await chat(ICB_MEMBER, f"attend arg deputy {DEPUTY_CHAIR}")
    await chat(DEPUTY_CHAIR, "attend arg no")
    reply = await chat(DEPUTY_CHAIR, "quorum arg")
    assert ("NHS Riverside Integrated Care Board's deputy is you, and you have sent apologies for your own seat "
            "(Rachel Green has been told, to name someone else)") in reply.text
