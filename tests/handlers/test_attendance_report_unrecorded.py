"""A meeting held whose attendance is not recorded yet (`attended MEETING-ID` not run) calls nobody
absent: the attendance report leaves it out of its figures and says so, in the reply and in the
files, with how to record it; the weekly by-exception report does not count a seat that did not
answer for it as having missed it."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.demo import demo_yaml
from handlers.core import parse_command
from handlers.dispatch import Dispatcher, Who
from models.calendar import calendar_for
from models.clock import FixedClock
from models.db import session_for
from models.groups import Group
from models.loader import load_text
from models.meetings import AttendanceAnswer, Meeting, Answer
from models.partnership import Member, Partnership
from models.reports import attendance_report
from tests import factories
from tests.conftest import CHAIR, DEFAULT_NOW, DEPUTY_CHAIR, ICB_MEMBER, POLICE
from tests.handlers.test_reports import files, rows
from tests.schedules.builders import a_meeting, digests, town

# Four ARG meetings with attendance recorded, before the demo's own of Mon 12 Oct 2026, whose
# attendance is not recorded (three answers only: the chair and deputy chair yes, the police no).
RECORDED = [datetime(2026, m, d, 10, tzinfo=timezone.utc) for m, d in ((3, 3), (5, 5), (7, 7), (9, 8))]
UNRECORDED_DAY = date(2026, 10, 12)
COMMUNITY = "tom.hughes@community.example.org"


def by_member(reply) -> dict[str, dict[str, str]]:
    return {row["Member"]: row for row in rows(files(reply)["members.csv"])}


def member_id(session, email: str) -> int:
    return session.exec(select(Member.id).where(Member.email == email)).one()


def unrecorded_meeting_id(engine) -> int:
    with session_for(engine) as session:
        return next(m.id for m in session.exec(select(Meeting)) if m.starts_at.date() == UNRECORDED_DAY)


@pytest.fixture
def history(demo):
    """Rachel Green came to three of the four recorded meetings and gave apologies for one: 75%,
    the expected rate, unless the unrecorded meeting she did not answer for counts against her.
    Tom Hughes came to three and was absent from the last recorded one (8 Sep)."""
    with session_for(demo) as session:
        arg = session.exec(select(Group).where(Group.key == "arg")).one()
        people = {e: member_id(session, e) for e in (CHAIR, DEPUTY_CHAIR, POLICE, ICB_MEMBER, COMMUNITY)}
        for n, starts in enumerate(RECORDED):
            meeting = factories.meeting(session, arg, starts, location="Council House")
            for email in (CHAIR, DEPUTY_CHAIR, POLICE):
                session.add(AttendanceAnswer(meeting_id=meeting.id, member_id=people[email], answer="attending",
                                             attended=True))
            rachel_away = n == 1
            session.add(AttendanceAnswer(meeting_id=meeting.id, member_id=people[ICB_MEMBER],
                                         answer="apologies" if rachel_away else "attending",
                                         attended=not rachel_away))
            session.add(AttendanceAnswer(meeting_id=meeting.id, member_id=people[COMMUNITY], answer="attending",
                                         attended=n < 3))
        session.commit()
    return demo


async def test_a_meeting_without_recorded_attendance_counts_nobody_absent(chat, history):
    reply = await chat(CHAIR, "report attendance arg")

    members = by_member(reply)
    rachel = members["Rachel Green"]
    assert (rachel["Meetings"], rachel["Attended"], rachel["Apologies"], rachel["Absent without word"],
            rachel["Attendance rate %"], rachel["Exceptions"]) == ("4", "3", "1", "0", "75", "")
    assert "Rachel Green" not in reply.text
    # Tom's absence on 8 Sep is one meeting missed, not two in a row with the meeting not recorded.
    assert members["Tom Hughes"]["Absent without word"] == "1"
    assert "Tom Hughes" not in reply.text
    # The police member said no to the meeting not recorded: not counted either, until it is recorded.
    assert (members["DI Mark Evans"]["Meetings"], members["DI Mark Evans"]["Apologies"]) == ("4", "0")
    agencies = {row["Agency"]: row for row in rows(files(reply)["agencies.csv"])}
    icb = agencies["NHS Riverside Integrated Care Board"]
    assert (icb["Meetings"], icb["Absent without word"]) == ("4", "0")


async def test_the_reply_says_which_meeting_is_left_out_and_how_to_record_it(chat, history):
    reply = await chat(CHAIR, "report attendance arg")
    meeting_id = unrecorded_meeting_id(history)

    assert "5 meetings of Assurance and Review Group" in reply.text
    assert ("Left out of the figures: 1 meeting whose attendance is not recorded yet, so nobody is counted as "
            "absent from it.") in reply.text
    assert f"- Mon 12 Oct 2026: `attended {meeting_id}`" in reply.text


async def test_the_files_say_which_meeting_is_left_out_and_how_to_record_it(chat, history):
    got = files(await chat(CHAIR, "report attendance arg"))
    meeting_id = unrecorded_meeting_id(history)

    left_out = [row for row in rows(got["exceptions.csv"]) if row["Exception"].startswith("attendance not recorded")]
    assert [row["Detail"] for row in left_out] == [
        f"12 Oct 2026 (meeting {meeting_id}): record who came with `attended {meeting_id}`"]
    book = load_workbook(io.BytesIO(got[".xlsx"]))
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert "12 Oct 2026" in about["Left out"] and f"`attended {meeting_id}`" in about["Left out"]
    details = [row[3] for row in book["By exception"].iter_rows(min_row=2, values_only=True)]
    assert left_out[0]["Detail"] in details


def test_the_chart_counts_only_the_meetings_recorded_and_names_those_left_out(history):
    with session_for(history) as session:
        partnership = session.exec(select(Partnership)).one()
        arg = session.exec(select(Group).where(Group.key == "arg")).one()
        report = attendance_report(arg, session=session, partnership=partnership,
                                   calendar=calendar_for(partnership.nation, partnership.timezone),
                                   start=date(2025, 11, 24),
                                   end=date(2026, 11, 23), now=DEFAULT_NOW)
    assert (report.chart["meetings"], report.chart["left_out"]) == (4, ["12 Oct 2026"])
    icb = next(counts for name, counts in report.chart["rows"] if name == "NHS Riverside Integrated Care Board")
    assert icb[3] == 0  # nobody absent without word


async def test_once_attendance_is_recorded_the_meeting_counts(chat, history):
    meeting_id = unrecorded_meeting_id(history)
    assert not (await chat(CHAIR, f"attended {meeting_id}")).is_error

    reply = await chat(CHAIR, "report attendance arg")

    assert "Left out" not in reply.text
    members = by_member(reply)
    assert (members["DI Mark Evans"]["Meetings"], members["DI Mark Evans"]["Apologies"]) == ("5", "1")
    # Recorded now, and she neither answered nor is recorded as there: absent without word.
    assert (members["Rachel Green"]["Absent without word"], members["Rachel Green"]["Attendance rate %"]) == \
        ("1", "60")
    exceptions = {(row["Member"], row["Exception"]) for row in rows(files(reply)["exceptions.csv"])}
    assert {("Rachel Green", "below the expected 75%"), ("Tom Hughes", "missed 2 in a row without a deputy")} \
        <= exceptions
    assert not any(row["Exception"].startswith("attendance not recorded")
                   for row in rows(files(reply)["exceptions.csv"]))


async def test_a_meeting_not_recorded_between_two_missed_does_not_make_them_in_a_row(chat, history):
    with session_for(history) as session:
        arg = session.exec(select(Group).where(Group.key == "arg")).one()
        # Between 7 Jul and 8 Sep, a meeting nobody has recorded; Tom misses 7 Jul as well as 8 Sep.
        factories.meeting(session, arg, datetime(2026, 8, 4, 10, tzinfo=timezone.utc))
        july = next(m for m in session.exec(select(Meeting)) if m.starts_at.date() == date(2026, 7, 7))
        row = session.exec(select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == july.id,
                                                          AttendanceAnswer.member_id == member_id(session,
                                                                                                  COMMUNITY))).one()
        row.attended = False
        session.add(row)
        session.commit()

    reply = await chat(CHAIR, "report attendance arg")

    tom = by_member(reply)["Tom Hughes"]
    assert (tom["Meetings"], tom["Absent without word"]) == ("4", "2")
    assert "missed" not in tom["Exceptions"]
    assert "2 meetings whose attendance is not recorded yet" in reply.text


def test_the_demo_walk_through_flags_nobody_for_the_meeting_not_recorded(engine):
    """The demo with its year of history, as a chair saw it: the last ARG meeting not recorded."""
    today = date(2026, 12, 7)
    with Session(engine) as session:
        load_text(demo_yaml(today, history=True), session=session)
    dispatcher = Dispatcher(engine, clock=FixedClock(datetime(2026, 12, 7, 9, tzinfo=timezone.utc)))
    try:
        reply = dispatcher.execute(parse_command("report attendance"), Who(platform="console", email=CHAIR)).reply
    finally:
        dispatcher.close()

    assert not reply.is_error, reply.text
    assert "Rachel Green" not in reply.text
    assert "Left out of the figures: 1 meeting" in reply.text
    assert "26 Oct 2026" not in reply.text.split("By exception")[-1]  # in no exception
    assert all(row["Absent without word"] == "0" for row in rows(files(reply)["members.csv"])
               if row["Member"] in ("Rachel Green", "Amara Okafor", "Helen Carter"))


# --- the weekly by-exception report -----------------------------------------------------------------------


def missed_lines(session, day: date) -> list[str]:
    digest = digests(session, day).get("Helen Chair")
    return [i.text for i in digest.items if i.key.startswith("missed:")] if digest else []


def test_the_monday_report_does_not_count_a_seat_that_did_not_answer_for_a_meeting_not_recorded(session):
    t = town(session)
    first = a_meeting(session, t.arg, date(2026, 10, 8))
    second = a_meeting(session, t.arg, date(2026, 11, 12))
    for member, came in ((t.chair, True), (t.officer, False), (t.nurse, True)):
        row = factories.answer(session, first, member, Answer.ATTENDING.value)
        row.attended = came
        session.add(row)
    factories.answer(session, second, t.chair, Answer.ATTENDING.value)
    factories.answer(session, second, t.nurse, Answer.ATTENDING.value)
    session.commit()

    assert missed_lines(session, date(2026, 11, 23)) == []

    for row in session.exec(select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == second.id)):
        row.attended = True  # who came is recorded; the police seat had no answer and nobody came
        session.add(row)
    session.commit()
    assert missed_lines(session, date(2026, 11, 30)) == [
        f"Mark Officer (POLICE{t.partnership.id}) missed the last 2 ARG meetings without a deputy"]


def test_the_monday_report_still_counts_apologies_for_a_meeting_not_recorded(session):
    t = town(session)
    first = a_meeting(session, t.arg, date(2026, 10, 8))
    second = a_meeting(session, t.arg, date(2026, 11, 12))
    for member in (t.chair, t.officer, t.nurse):
        row = factories.answer(session, first, member, Answer.ATTENDING.value)
        row.attended = member is not t.officer
        session.add(row)
    factories.answer(session, second, t.officer, Answer.APOLOGIES.value)
    session.commit()

    assert missed_lines(session, date(2026, 11, 23)) == [
        f"Mark Officer (POLICE{t.partnership.id}) missed the last 2 ARG meetings without a deputy"]
