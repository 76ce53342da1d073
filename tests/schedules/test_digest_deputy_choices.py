"""The Send deputy form in a digest's attendance ask offers the member's colleagues, less those who
have sent apologies for that meeting: as in chat, none of them can deputise there."""

from __future__ import annotations

from datetime import date

import pytest

from messages.buttons import MAX_DEPUTY_OPTIONS
from models.meetings import Answer
from schedules.digest import decide, stream
from tests import factories
from tests.schedules.builders import a_meeting, digests, town

ASKED_ON = date(2026, 12, 7)  # 3 working days before the meeting


def deputy_options(reply) -> list[str]:
    """The names the Send deputy form of the digest's first item (the attendance ask) offers."""
    send_deputy = reply.items[0].buttons[2]
    assert send_deputy.label == "Send deputy"
    return [option.label for option in send_deputy.form.fields[0].options]


def a_colleague_away(session):
    """An ARG meeting on 10 Dec 2026 for which Bella Away (ICB, on the ARG) has sent apologies, and
    Chris Free (ICB, on no group) has not: the meeting."""
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10))
    away = factories.member(session, t.icb, "Bella Away")
    factories.seat(session, t.arg, away)
    factories.answer(session, meeting, away, Answer.APOLOGIES.value)
    factories.member(session, t.icb, "Chris Free")
    return meeting


def test_the_deputy_form_leaves_out_a_colleague_who_has_sent_apologies_for_the_meeting(session):
    meeting = a_colleague_away(session)
    nurse = digests(session, ASKED_ON)["Rachel Nurse"]
    assert nurse.items[0].key == f"meeting:{meeting.id}"
    offered = deputy_options(nurse)
    assert "Bella Away" not in offered
    assert offered == ["Chris Free"]


def test_apologies_count_from_a_colleague_whose_seat_has_ended(session):
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10))
    away = factories.member(session, t.icb, "Bella Away")
    seat = factories.seat(session, t.arg, away)
    factories.answer(session, meeting, away, Answer.APOLOGIES.value)
    seat.until = date(2026, 12, 1)
    session.add(seat)
    session.commit()
    factories.member(session, t.icb, "Chris Free")
    assert deputy_options(digests(session, ASKED_ON)["Rachel Nurse"]) == ["Chris Free"]


def test_apologies_for_another_meeting_leave_the_colleague_offered(session):
    t = town(session)
    a_meeting(session, t.arg, date(2026, 12, 10))
    other = factories.group(session, t.partnership, "audit", {"min_members": 1}, name="Audit")
    elsewhere = a_meeting(session, other, date(2026, 12, 10), hour=14)
    busy = factories.member(session, t.icb, "Bella Busy")
    factories.seat(session, other, busy)
    factories.answer(session, elsewhere, busy, Answer.APOLOGIES.value)
    factories.member(session, t.icb, "Chris Free")
    assert deputy_options(digests(session, ASKED_ON)["Rachel Nurse"]) == ["Bella Busy", "Chris Free"]


@pytest.mark.parametrize("band", [1, 10**9])
def test_a_streamed_day_leaves_them_out_too(session, monkeypatch, band):
    a_colleague_away(session)
    monkeypatch.setattr(decide, "BAND", band)
    _quiet, handed_out = stream(session, on=ASKED_ON)
    replies = {d.member.name: d.reply for d in handed_out}
    assert deputy_options(replies["Rachel Nurse"]) == ["Chris Free"]


def test_a_large_agency_still_fills_the_form_when_colleagues_are_away(session):
    """Those left out make room for the next colleagues by name: the form still holds a form's worth."""
    t = town(session)
    meeting = a_meeting(session, t.arg, date(2026, 12, 10))
    away = factories.member(session, t.icb, "Aaron Away")  # first by name
    factories.seat(session, t.arg, away)
    factories.answer(session, meeting, away, Answer.APOLOGIES.value)
    others = [factories.member(session, t.icb, f"Sam {n:03d}").name for n in range(MAX_DEPUTY_OPTIONS)]
    assert deputy_options(digests(session, ASKED_ON)["Rachel Nurse"]) == others
