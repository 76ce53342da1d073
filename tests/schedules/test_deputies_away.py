"""A deputy who can't go, seen by the daily digest and the reports as the quorum sees them: a
declined deputy leaves the seat missed, and one who has sent apologies for their own seat is not
counted in the chair's quorum forecast."""

from datetime import date

from models import reports
from models.meetings import DEPUTY_DECLINED, Answer
from tests import factories
from tests.schedules.builders import a_meeting, digests, town


def test_a_declined_deputy_counts_as_missed_in_the_monday_report(session):
    t = town(session)
    deputy = factories.member(session, t.icb, "Ann Deputy")
    first = a_meeting(session, t.arg, date(2026, 10, 8))
    second = a_meeting(session, t.arg, date(2026, 11, 12))
    for meeting in (first, second):
        factories.answer(session, meeting, t.chair, Answer.ATTENDING.value)
        factories.answer(session, meeting, t.officer, Answer.ATTENDING.value)
    factories.answer(session, first, t.nurse, Answer.APOLOGIES.value)
    row = factories.answer(session, second, t.nurse, Answer.DEPUTY.value, deputy)
    row.deputy_answer = DEPUTY_DECLINED
    session.add(row)
    session.commit()
    monday = digests(session, date(2026, 11, 23))
    missed = [i.text for i in monday["Helen Chair"].items if i.key.startswith("missed:")]
    assert missed == [f"Rachel Nurse (ICB{t.partnership.id}) missed the last 2 ARG meetings without a deputy"]


def test_the_attendance_report_counts_a_declined_deputy_as_missed(session):
    t = town(session)
    deputy = factories.member(session, t.icb, "Ann Deputy")
    first = a_meeting(session, t.arg, date(2026, 10, 8))
    second = a_meeting(session, t.arg, date(2026, 11, 12))
    factories.answer(session, first, t.nurse, Answer.APOLOGIES.value)
    row = factories.answer(session, second, t.nurse, Answer.DEPUTY.value, deputy)
    row.deputy_answer = DEPUTY_DECLINED
    session.add(row)
    session.commit()
    assert reports._outcome(row, {}) == "apologies"


def test_the_digest_forecast_does_not_count_a_deputy_who_sent_apologies(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10))
    factories.answer(session, meeting, t.chair, Answer.ATTENDING.value)
    factories.answer(session, meeting, t.officer, Answer.ATTENDING.value)
    deputy = factories.member(session, t.icb, "Ann Deputy")
    factories.answer(session, meeting, t.nurse, Answer.DEPUTY.value, deputy)
    factories.answer(session, meeting, deputy, Answer.APOLOGIES.value)  # as if she held a seat
    chair = digests(session, date(2026, 12, 8))["Helen Chair"]
    forecast = next(i for i in chair.items if i.key == f"quorum:{meeting.id}")
    assert forecast.text.endswith("not quorate yet"), forecast


def test_a_named_deputy_who_has_sent_apologies_for_their_own_seat_is_not_asked_whether_they_can_go(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10), location="Council House")
    stand_in = factories.member(session, t.police, "Sam Standin")
    factories.answer(session, meeting, t.officer, Answer.DEPUTY.value, deputy=stand_in)
    assert "Sam Standin" in digests(session, date(2026, 12, 7))
    factories.answer(session, meeting, stand_in, Answer.APOLOGIES.value)  # as if she held a seat
    assert "Sam Standin" not in digests(session, date(2026, 12, 7))


def test_a_deputy_who_sent_apologies_for_their_own_seat_leaves_the_seat_missed_in_reports_and_digest(session):
    t = town(session)
    deputy = factories.member(session, t.icb, "Ann Deputy")
    rows = []
    for day in (date(2026, 10, 8), date(2026, 11, 12)):
        meeting = a_meeting(session, t.arg, day)
        factories.answer(session, meeting, t.chair, Answer.ATTENDING.value)
        factories.answer(session, meeting, t.officer, Answer.ATTENDING.value)
        rows.append(factories.answer(session, meeting, t.nurse, Answer.DEPUTY.value, deputy))
        rows.append(factories.answer(session, meeting, deputy, Answer.APOLOGIES.value))  # as if she held a seat
    answers = {(r.meeting_id, r.member_id): r for r in rows}
    assert [reports._outcome(r, answers) for r in rows[::2]] == ["apologies", "apologies"]
    monday = digests(session, date(2026, 11, 23))
    missed = [i.text for i in monday["Helen Chair"].items if i.key.startswith("missed:")]
    assert missed == [f"Rachel Nurse (ICB{t.partnership.id}) missed the last 2 ARG meetings without a deputy"]
