"""A seat's outcome at a past meeting, and "missed" worked out in Python and in SQL alike."""

from itertools import product

import pytest
from sqlalchemy import Boolean, String, literal, select

from models.meetings import (ABSENT, APOLOGIES, ATTENDED, DEPUTISED, DEPUTY_CONFIRMED, DEPUTY_DECLINED, missed,
                             missed_clause, seat_outcome)

ANSWERS = (None, "attending", "apologies", "deputy")
ATTENDED_FLAGS = (None, True, False)
DEPUTY_ANSWERS = (None, DEPUTY_CONFIRMED, DEPUTY_DECLINED)


def test_a_seat_whose_named_deputy_declined_missed_the_meeting():
    assert seat_outcome("deputy", None, deputy_answer=DEPUTY_DECLINED) == APOLOGIES
    assert missed(seat_outcome("deputy", None, deputy_answer=DEPUTY_DECLINED))


@pytest.mark.parametrize("deputy_answer", [None, DEPUTY_CONFIRMED])
def test_a_deputy_who_did_not_decline_still_deputised(deputy_answer):
    assert seat_outcome("deputy", None, deputy_answer=deputy_answer) == DEPUTISED


def test_attendance_recorded_afterwards_wins_over_the_deputys_word():
    assert seat_outcome("deputy", True, deputy_answer=DEPUTY_DECLINED) == DEPUTISED  # they came after all
    assert seat_outcome("deputy", False, deputy_answer=DEPUTY_CONFIRMED) == ABSENT
    assert seat_outcome("attending", None, deputy_answer=None) == ATTENDED


def test_the_sql_clause_agrees_with_seat_outcome_for_every_answer(session):
    """The by-exception sweep counts missed meetings in SQL; the attendance report in Python."""
    for answer, attended, deputy_answer, deputy_own in product(ANSWERS, ATTENDED_FLAGS, DEPUTY_ANSWERS,
                                                               (None, "attending", "apologies")):
        clause = missed_clause(literal(answer, String), literal(attended, Boolean),
                               literal(deputy_answer, String), literal(deputy_own == "apologies", Boolean))
        in_sql = bool(session.exec(select(clause)).one()[0])
        assert in_sql is missed(seat_outcome(answer, attended, deputy_answer, deputy_own)), \
            (answer, attended, deputy_answer, deputy_own)
