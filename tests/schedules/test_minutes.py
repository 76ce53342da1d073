"""The business unit is reminded when minutes are not out within the group's limit."""

from datetime import date

from tests.schedules.builders import a_meeting, at, digests, text_of, town


def test_minutes_not_out_after_two_weeks_go_to_the_business_unit_until_marked(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 11, 3))
    # Two weeks (14 days) is within the limit; the day after is not.
    assert "Minutes of ARG" not in text_of(digests(session, date(2026, 11, 17)).get("Priya Admin"))
    reply = digests(session, date(2026, 11, 18))["Priya Admin"]
    line = [i for i in reply.items if i.key == f"minutes:{meeting.id}"][0]
    assert line.text == "Minutes of ARG (Tue 3 Nov 2026) are not out: 15 days after the meeting, the limit is 14 days"
    assert line.buttons[0].command == f"minutes {meeting.id}"
    assert "Minutes of ARG" not in text_of(digests(session, date(2026, 11, 18)).get("Helen Chair"))
    meeting.minutes_circulated_at = at(date(2026, 11, 18))
    session.add(meeting)
    session.commit()
    assert "Minutes of ARG" not in text_of(digests(session, date(2026, 11, 19)).get("Priya Admin"))


def test_the_groups_own_limit_is_used(session):
    t = town(session)
    t.arg.minutes_within_days = 28
    session.add(t.arg)
    session.commit()
    a_meeting(session, t.arg, date(2026, 11, 3))
    assert "Minutes of ARG" not in text_of(digests(session, date(2026, 11, 30)).get("Priya Admin"))
    assert "Minutes of ARG" in text_of(digests(session, date(2026, 12, 2)).get("Priya Admin"))


def test_a_cancelled_meeting_has_no_minutes_to_chase(session):
    t = town(session)
    a_meeting(session, t.arg, date(2026, 11, 3), status="cancelled")
    assert "Minutes of ARG" not in text_of(digests(session, date(2026, 11, 18)).get("Priya Admin"))
