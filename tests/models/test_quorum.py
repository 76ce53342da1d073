"""Quorum rules as the terms of reference state them."""

from zlib import crc32

import pytest

from models.quorum import QuorumRuleError, SeatAnswer, check_rule, evaluate_quorum

NAMES = {"la": "Council", "police": "Police", "icb": "ICB", "health": "Health Trust",
         **{f"d{i}": f"District {i}" for i in range(1, 7)}}


def member_id(name):
    """A fixed id per name: people are counted by id, so two names must never share one."""
    return crc32(name.encode())


def seat(name, agency, answer, role="member", deputy=None):
    return SeatAnswer(member_id=member_id(name), name=name, agency_key=agency, agency_name=NAMES[agency],
                      role=role, answer=answer, deputy_name=deputy)


def arg(**answers):
    """The Solihull ARG: chair from the council, ICB deputy chair, police, a health trust."""
    seats = [
        seat("Chair", "la", answers.get("la"), role="chair"),
        seat("Police lead", "police", answers.get("police")),
        seat("ICB nurse", "icb", answers.get("icb"), role="deputy_chair"),
        seat("Trust lead", "health", answers.get("health")),
    ]
    return seats


ALL_THREE = {"all_of": ["la", "police", "icb"]}


def test_arg_is_quorate_when_all_three_named_partners_attend():
    result = evaluate_quorum(ALL_THREE, arg(la="attending", police="attending", icb="attending"),
                             deputies_count=True, agency_names=NAMES)
    assert result.quorate
    assert result.represented == ["Council", "ICB", "Police"]


def test_arg_is_not_quorate_when_the_icb_sends_apologies_and_no_deputy():
    result = evaluate_quorum(ALL_THREE, arg(la="attending", police="attending", icb="apologies"),
                             deputies_count=True, agency_names=NAMES)
    assert not result.quorate
    assert result.missing == ["ICB sent apologies with no deputy"]
    assert "ICB" in result.would_fix[0]


def test_a_named_deputy_represents_the_agency_by_default():
    result = evaluate_quorum(ALL_THREE, arg(la="attending", police="deputy", icb="attending"),
                             deputies_count=True, agency_names=NAMES)
    assert result.quorate


def test_a_deputy_does_not_count_where_the_group_says_so():
    result = evaluate_quorum(ALL_THREE, arg(la="attending", police="deputy", icb="attending"),
                             deputies_count=False, agency_names=NAMES)
    assert not result.quorate
    assert "deputies don't count" in result.missing[0]


def test_an_agency_that_has_not_answered_is_named_with_who_to_ask():
    result = evaluate_quorum(ALL_THREE, arg(la="attending", icb="attending"), deputies_count=True,
                             agency_names=NAMES)
    assert result.missing == ["Police has not answered (ask Police lead)"]


def districts(present: int):
    return [seat(f"Rep {i}", f"d{i}", "attending" if i <= present else "apologies") for i in range(1, 7)]


@pytest.mark.parametrize("present, quorate", [(3, False), (4, True), (6, True)])
def test_four_of_six_districts(present, quorate):
    rule = {"at_least": 4, "of": [f"d{i}" for i in range(1, 7)]}
    result = evaluate_quorum(rule, districts(present), deputies_count=True, agency_names=NAMES)
    assert result.quorate is quorate
    if not quorate:
        assert result.missing[0] == "3 of 6 represented, 4 needed"
        assert result.would_fix[0].startswith("1 more of:")


def test_a_minimum_number_of_agencies():
    rule = {"min_agencies": 3}
    two = evaluate_quorum(rule, arg(la="attending", police="attending"), deputies_count=True, agency_names=NAMES)
    three = evaluate_quorum(rule, arg(la="attending", police="attending", health="attending"),
                            deputies_count=True, agency_names=NAMES)
    assert not two.quorate and "2 agencies represented, 3 needed" in two.missing
    assert three.quorate


def test_a_minimum_number_of_statutory_agencies_ignores_the_others():
    rule = {"min_agencies": 3, "of": ["la", "police", "icb"]}
    result = evaluate_quorum(rule, arg(la="attending", police="attending", health="attending"),
                             deputies_count=True, agency_names=NAMES)
    assert not result.quorate


def test_a_minimum_number_of_people():
    rule = {"min_members": 3}
    result = evaluate_quorum(rule, arg(la="attending", police="attending", icb=None, health=None),
                             deputies_count=True, agency_names=NAMES)
    assert not result.quorate
    assert "2 people coming, 3 needed" in result.missing
    assert "ICB nurse" in result.would_fix[0]


def test_the_chair_or_deputy_chair_must_be_there_when_required():
    rule = {**ALL_THREE, "chair_required": True}
    chair_away = evaluate_quorum(rule, arg(la="deputy", police="attending", icb="apologies"),
                                 deputies_count=True, agency_names=NAMES)
    deputy_chair_there = evaluate_quorum(rule, arg(la="deputy", police="attending", icb="attending"),
                                         deputies_count=True, agency_names=NAMES)
    assert not chair_away.quorate
    assert "neither the chair nor the deputy chair is confirmed" in chair_away.missing
    assert deputy_chair_there.quorate


def test_the_rule_is_described_in_words():
    result = evaluate_quorum({"at_least": 4, "of": [f"d{i}" for i in range(1, 7)], "chair_required": True},
                             districts(6), deputies_count=True, agency_names=NAMES)
    assert result.rule.startswith("at least 4 of District 1, District 2")
    assert result.rule.endswith("the chair or deputy chair present")


@pytest.mark.parametrize("rule, message", [
    ({"all_of": ["la", "nobody"]}, "not in the partnership"),
    ({"at_least": 2}, "needs `of`"),
    ({"at_least": 5, "of": ["la", "police"]}, "more than the number"),
    ({"min_members": 0}, "at least 1"),
    ({"everyone": True}, "unknown quorum key"),
    ({}, "needs at least one"),
])
def test_rules_that_cannot_work_are_refused(rule, message):
    with pytest.raises(QuorumRuleError, match=message):
        check_rule(rule, {"la", "police", "icb"})


# --- deputies who can't come, and people counted once ------------------------------------------------


def deputy_seat(name, agency, deputy, deputy_id, **answers):
    return SeatAnswer(member_id=member_id(name), name=name, agency_key=agency, agency_name=NAMES[agency],
                      role="member", answer="deputy", deputy_name=deputy, deputy_id=deputy_id, **answers)


def test_a_deputy_who_has_sent_apologies_for_their_own_seat_does_not_represent_the_agency():
    seats = [seat("Chair", "la", "attending"), seat("Police lead", "police", "attending"),
             deputy_seat("ICB nurse", "icb", "ICB lead", 7, deputy_own_answer="apologies"),
             SeatAnswer(member_id=7, name="ICB lead", agency_key="icb", agency_name="ICB", role="member",
                        answer="apologies")]
    result = evaluate_quorum(ALL_THREE, seats, deputies_count=True, agency_names=NAMES)
    assert not result.quorate
    assert result.represented == ["Council", "Police"]
    assert result.missing == [("ICB's deputy (ICB lead) has sent apologies for their own seat "
                               "(ask ICB nurse to name someone else)")]
    assert not seats[2].covered(deputies_count=True) and seats[2].deputy_declined


def test_a_deputy_who_attends_on_their_own_seat_too_is_one_person():
    rule = {"min_members": 3}
    seats = [seat("Chair", "la", "attending"),
             SeatAnswer(member_id=7, name="ICB lead", agency_key="icb", agency_name="ICB", role="member",
                        answer="attending"),
             deputy_seat("ICB nurse", "icb", "ICB lead", 7)]
    result = evaluate_quorum(rule, seats, deputies_count=True, agency_names=NAMES)
    assert result.present == 2
    assert not result.quorate and "2 people coming, 3 needed" in result.missing


def test_one_deputy_named_by_two_members_is_one_person():
    rule = {"min_members": 2}
    seats = [deputy_seat("ICB nurse", "icb", "ICB lead", 7), deputy_seat("ICB GP", "icb", "ICB lead", 7)]
    result = evaluate_quorum(rule, seats, deputies_count=True, agency_names=NAMES)
    assert result.present == 1 and not result.quorate
    assert result.represented == ["ICB"]
