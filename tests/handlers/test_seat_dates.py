"""A seat runs from one day to another: attendance is counted only at the meetings held while it was
held, and a seat that has ended no longer seats anyone."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlmodel import Session, select

from models.groups import Group, Membership
from models.meetings import AttendanceAnswer, Meeting
from models.partnership import Member
from tests import factories
from tests.conftest import ADMIN, CHAIR, HOUSING, POLICE
from tests.handlers.test_reports import by, files, rows

NEWCOMER = "kate.wells@police.example.org"


def seat_of(engine, email: str, group_key: str = "arg") -> Membership:
    with Session(engine) as session:
        return session.exec(select(Membership).join(Member, Member.id == Membership.member_id)
                            .join(Group, Group.id == Membership.group_id)
                            .where(Member.email == email, Group.key == group_key)).one()


def set_seat(engine, email: str, **values) -> None:
    with Session(engine) as session:
        seat = session.exec(select(Membership).join(Member, Member.id == Membership.member_id)
                            .where(Member.email == email)).first()
        for key, value in values.items():
            setattr(seat, key, value)
        session.add(seat)
        session.commit()


async def test_someone_seated_today_is_not_below_the_expected_rate_for_meetings_before(chat, demo):
    added = await chat(ADMIN, f'member add name="Kate Wells" email={NEWCOMER} agency=police group=arg')
    assert added.changed and seat_of(demo, NEWCOMER).since == date(2026, 11, 23)
    with Session(demo) as session:  # who came to the demo's meeting of 12 Oct is recorded
        for row in session.exec(select(AttendanceAnswer).join(Meeting, Meeting.id == AttendanceAnswer.meeting_id)
                                .where(Meeting.starts_at < datetime(2026, 11, 1, tzinfo=timezone.utc))):
            row.attended = row.answer == "attending"
            session.add(row)
        session.commit()

    reply = await chat(CHAIR, "report attendance arg")

    assert "Kate Wells" not in reply.text
    members = by(rows(files(reply)["members.csv"]), "Member")
    assert (members["Kate Wells"]["Meetings"], members["Kate Wells"]["Attendance rate %"]) == ("0", "")
    assert members["Helen Carter"]["Meetings"] == "1"
    assert "Kate Wells" not in {e["Member"] for e in rows(files(reply)["exceptions.csv"])}


async def test_a_seat_counts_only_the_meetings_between_its_start_and_its_end(chat, demo):
    with Session(demo) as session:
        arg = session.exec(select(Group).where(Group.key == "arg")).one()
        police = session.exec(select(Member.id).where(Member.email == POLICE)).one()
        for month in (3, 5, 7, 9):
            meeting = factories.meeting(session, arg, datetime(2026, month, 8, 9, tzinfo=timezone.utc))
            session.add(AttendanceAnswer(meeting_id=meeting.id, member_id=police, answer="apologies",
                                         attended=False))
        session.commit()
    set_seat(demo, POLICE, since=date(2026, 4, 1), until=date(2026, 8, 31))  # held in May and July only

    reply = await chat(CHAIR, "report attendance arg")

    mark = by(rows(files(reply)["members.csv"]), "Member")["DI Mark Evans"]
    assert (mark["Meetings"], mark["Apologies"]) == ("2", "2")
    exceptions = [e for e in rows(files(reply)["exceptions.csv"]) if e["Member"] == "DI Mark Evans"]
    assert [e["Detail"] for e in exceptions if e["Exception"].startswith("missed")] == ["8 May 2026, 8 Jul 2026"]
    police = by(rows(files(reply)["agencies.csv"]), "Agency")["Riverside Police"]
    assert police["Apologies"] == "2"


async def test_a_seat_that_ends_before_a_meeting_is_not_expected_at_it(chat, demo):
    set_seat(demo, HOUSING, until=date(2026, 11, 30))  # the next ARG is on Wed 2 Dec 2026

    attendance = await chat(CHAIR, "attendance arg")
    quorum = await chat(CHAIR, "quorum arg")

    assert "Aisha Rahman" not in attendance.text + " ".join(i.text for i in attendance.items)
    assert "Aisha Rahman" not in quorum.text


async def test_a_seat_that_has_ended_no_longer_seats_its_holder(chat, demo):
    before = await chat(HOUSING, "whoami")
    assert "Assurance and Review Group" in before.text
    set_seat(demo, HOUSING, until=date(2026, 11, 20))

    after = await chat(HOUSING, "whoami")
    answer = await chat(HOUSING, "attend arg yes")

    assert "Assurance and Review Group" not in after.text
    assert answer.is_error and not answer.changed


async def test_a_chair_whose_seat_has_ended_no_longer_runs_the_group(chat, demo):
    set_seat(demo, CHAIR, until=date(2026, 11, 20))
    reply = await chat(CHAIR, "meeting add arg 2027-03-02 10:00")
    assert reply.is_error and not reply.changed


async def test_member_add_takes_the_days_a_seat_runs(chat, demo):
    reply = await chat(ADMIN, f'member add name="Kate Wells" email={NEWCOMER} agency=police group=arg '
                              f'since=01/09/2026 until=2027-08-31')
    assert reply.text == ("Added Kate Wells (Riverside Police) on Assurance and Review Group as member from "
                          "Tue 1 Sep 2026 until Tue 31 Aug 2027.")
    seat = seat_of(demo, NEWCOMER)
    assert (seat.since, seat.until) == (date(2026, 9, 1), date(2027, 8, 31))

    backwards = await chat(ADMIN, f'member add name="Kate Wells" email={NEWCOMER} agency=police group=audit '
                                  f'since=2027-01-01 until=2026-12-31')
    assert backwards.is_error and "The seat would end (Thu 31 Dec 2026) before it starts (Fri 1 Jan 2027)" in \
        backwards.text


async def test_member_add_takes_up_a_seat_that_had_ended_again_from_today(chat, demo):
    set_seat(demo, HOUSING, since=date(2025, 1, 6), until=date(2026, 3, 31))
    reply = await chat(ADMIN, "member add name=\"Aisha Rahman\" email=aisha.rahman@housing.example.org "
                              "agency=housing group=arg")
    assert reply.changed
    seat = seat_of(demo, HOUSING)
    assert (seat.since, seat.until) == (date(2026, 11, 23), None)
    assert "Assurance and Review Group" in (await chat(HOUSING, "whoami")).text


async def test_the_member_form_takes_the_days_a_seat_runs(chat, demo):
    form = (await chat(ADMIN, "member add")).form
    assert [f.name for f in form.fields][-2:] == ["since", "until"]
    assert not any(f.required for f in form.fields[-2:])
    reply = await chat(ADMIN, form.command, form={"name": "Kate Wells", "email": NEWCOMER, "agency": "police",
                                                  "group": "arg", "role": "member", "since": "2026-09-01",
                                                  "until": "2027-08-31"})
    assert reply.changed and "from Tue 1 Sep 2026 until Tue 31 Aug 2027" in reply.text
    seat = seat_of(demo, NEWCOMER)
    assert (seat.since, seat.until) == (date(2026, 9, 1), date(2027, 8, 31))


def registered(engine, email: str) -> bool:
    with Session(engine) as session:
        return session.exec(select(Member).where(Member.email == email)).first() is not None


async def test_a_seats_days_that_cannot_be_kept_are_refused_before_the_member_is_added(chat, demo):
    backwards = await chat(ADMIN, "member add", form={"name": "Kate Wells", "email": NEWCOMER, "agency": "police",
                                                      "group": "arg", "since": "2027-01-01", "until": "2026-12-31"})
    assert backwards.is_error and backwards.errors["until"] == "On or after the start."
    assert {f.name: f.initial for f in backwards.form.fields}["since"] == "2027-01-01"

    no_group = await chat(ADMIN, "member add", form={"name": "Kate Wells", "email": NEWCOMER, "agency": "police",
                                                     "group": "", "since": "2026-09-01"})
    assert no_group.is_error and "Choose the group" in no_group.errors["group"]
    typed = await chat(ADMIN, f'member add name="Kate Wells" email={NEWCOMER} agency=police until=2027-08-31')
    assert typed.is_error and "give group= too" in typed.text and not typed.changed
    assert not registered(demo, NEWCOMER)
