"""A meeting's life: to come, held, minuted. What is recorded after a meeting waits for it; a meeting
that has been held stays as it was; a date that is probably a slip is asked about before it is saved."""

from __future__ import annotations

import io
import sqlite3
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlmodel import Session, select

from bot.console import Console
from handlers.dispatch import Dispatcher
from messages.reply import Tone
from models.audit import AuditEvent
from models.groups import Group
from models.meetings import AttendanceAnswer, Meeting
from models.partnership import Member
from models.work import Action
from tests import factories
from tests.conftest import ADMIN, CHAIR, HOUSING, POLICE, POLICE_DEPUTY


def meeting(engine, meeting_id: int) -> Meeting:
    with Session(engine) as session:
        return session.get(Meeting, meeting_id)


def meetings_of(engine) -> list[Meeting]:
    with Session(engine) as session:
        return list(session.exec(select(Meeting).order_by(Meeting.id)))


def actions_of(engine) -> list[Action]:
    with Session(engine) as session:
        return list(session.exec(select(Action).order_by(Action.id)))


# --- nothing is recorded for a meeting before it -------------------------------------------------


async def test_minutes_of_a_meeting_still_to_come_are_refused_saying_when_it_is(chat, demo):
    reply = await chat(ADMIN, "minutes 3")

    assert reply.is_error and not reply.changed
    assert reply.text == ("Meeting #3 of the Assurance and Review Group (Thu 4 Feb 2027 10:00) hasn't happened yet. "
                          "Mark its minutes out after it, with the same command.")
    assert meeting(demo, 3).minutes_circulated_at is None


async def test_attendance_at_a_meeting_still_to_come_is_refused_saying_when_it_is(chat, demo):
    with Session(demo) as session:
        before = {(a.member_id, a.attended) for a in session.exec(
            select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == 2))}

    for line in ("attended 2", f"attended 2 {POLICE} yes", "attended 2 Helen Carter no"):
        reply = await chat(CHAIR, line)
        assert reply.is_error and not reply.changed, line
        assert reply.text.startswith("Meeting #2 of the Assurance and Review Group (Wed 2 Dec 2026 10:00) hasn't "
                                     "happened yet. Record who attended after it"), line
        assert "`attendance arg` shows who has said they are coming" in reply.text

    with Session(demo) as session:
        after = {(a.member_id, a.attended) for a in session.exec(
            select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == 2))}
    assert after == before


async def test_a_cancelled_meeting_has_no_minutes_to_mark(chat, demo):
    await chat(ADMIN, "meeting cancel 3")
    reply = await chat(ADMIN, "minutes 3")
    assert reply.is_error and "was cancelled, so there is nothing to record" in reply.text
    assert meeting(demo, 3).minutes_circulated_at is None


# --- a held meeting stays as it was ------------------------------------------------------------------


async def test_a_meeting_that_has_been_held_cannot_be_moved_or_cancelled(chat, demo):
    held = meeting(demo, 1)

    moved = await chat(CHAIR, "meeting move 1 2027-01-01 10:00")
    cancelled = await chat(ADMIN, "meeting cancel 1")

    assert moved.is_error and not moved.changed
    assert moved.text == ("Meeting #1 of the Assurance and Review Group (Mon 12 Oct 2026 10:00) has been held, so it "
                          "can't be moved: its attendance and minutes belong to that day. To book another meeting, "
                          "use `meeting add arg DATE TIME`.")
    assert cancelled.is_error and "has been held, so it can't be cancelled" in cancelled.text
    assert "`meeting add arg DATE TIME`" in cancelled.text
    now = meeting(demo, 1)
    assert (now.starts_at, now.status) == (held.starts_at, held.status)
    assert chat.sent == []  # nobody was told of a change that did not happen


# --- a date that is probably a slip is asked about, and saved only when confirmed ------------------------


async def test_a_meeting_on_a_bank_holiday_is_asked_about_and_added_only_when_confirmed(chat, demo):
    before = len(meetings_of(demo))

    reply = await chat(ADMIN, "meeting add arg 2027-01-01 10:00 Council House")

    assert reply.tone == Tone.WARNING and not reply.changed
    assert reply.text == ("Fri 1 Jan 2027 is a bank holiday in England and Wales (New Year's Day). Nothing is saved "
                          "yet. If that is right, press Add anyway (or send the same command with confirm=yes); if "
                          "not, send it again with another date.")
    assert [(b.label, b.command) for b in reply.buttons] == [
        ("Add anyway", 'meeting add arg 2027-01-01 10:00 location="Council House" confirm=yes')]
    assert len(meetings_of(demo)) == before

    added = await chat(ADMIN, reply.buttons[0].command)

    assert added.changed and "Assurance and Review Group on Fri 1 Jan 2027 10:00, Council House" in added.text
    assert len(meetings_of(demo)) == before + 1


async def test_the_confirm_button_names_the_date_so_it_means_the_same_whenever_it_is_pressed(chat, demo, clock):
    reply = await chat(ADMIN, "meeting add arg Saturday 11am")

    assert reply.text.startswith("Sat 28 Nov 2026 is a Saturday.")
    assert reply.buttons[0].command == "meeting add arg 2026-11-28 11:00 confirm=yes"
    clock.moment += timedelta(days=1)  # a day later "Saturday" would still be this one, but "tomorrow" would not
    added = await chat(ADMIN, reply.buttons[0].command)
    assert "Sat 28 Nov 2026 11:00" in added.text


async def test_moving_a_meeting_onto_a_weekend_is_asked_about_and_nobody_is_told_until_it_moves(chat, demo):
    planned = meeting(demo, 2).starts_at

    reply = await chat(CHAIR, "meeting move 2 2026-12-05 14:00")

    assert reply.tone == Tone.WARNING and not reply.changed
    assert reply.text.startswith("Sat 5 Dec 2026 is a Saturday. Nothing is saved yet.")
    assert [(b.label, b.command) for b in reply.buttons] == [
        ("Move anyway", "meeting move 2 2026-12-05 14:00 confirm=yes")]
    assert meeting(demo, 2).starts_at == planned and chat.sent == []

    moved = await chat(CHAIR, reply.buttons[0].command)

    assert moved.changed and "to Sat 5 Dec 2026 14:00" in moved.text
    assert POLICE in {member.email for member, _ in chat.sent}


async def test_a_working_day_is_not_asked_about(chat, demo):
    reply = await chat(ADMIN, "meeting add arg 2027-01-05 10:00")
    assert reply.changed and reply.tone == Tone.SUCCESS and reply.buttons == []


async def test_the_meeting_form_comes_back_with_the_warning_and_a_choice_to_keep_the_date(chat, demo):
    form = (await chat(ADMIN, "meeting add")).form
    sent = {"group": "audit", "date": "2026-12-28", "time": "14:00", "location": "Police HQ"}

    reply = await chat(ADMIN, form.command, form=sent)

    assert reply.tone == Tone.WARNING and not reply.changed and not reply.errors
    again = reply.form
    assert again.form_id == form.form_id and again.command == form.command
    assert again.intro.startswith("Mon 28 Dec 2026 is a bank holiday in England and Wales (Boxing Day")
    assert {f.name: f.initial for f in again.fields if f.name in sent} == sent
    keep = next(f for f in again.fields if f.name == "confirm")
    assert [(o.value, o.label) for o in keep.options] == [("2026-12-28", "Yes, keep Mon 28 Dec 2026")]
    assert len(meetings_of(demo)) == 4

    # The date changed on the form (to a Saturday) is asked about again, whatever was chosen for the old one.
    moved = await chat(ADMIN, form.command, form={**sent, "date": "2027-01-02", "confirm": "2026-12-28"})
    assert moved.tone == Tone.WARNING and "Sat 2 Jan 2027 is a Saturday" in moved.form.intro
    assert len(meetings_of(demo)) == 4

    kept = await chat(ADMIN, form.command, form={**sent, "confirm": "2026-12-28"})
    assert kept.changed and "Multi-Agency Audit Group on Mon 28 Dec 2026 14:00, Police HQ" in kept.text
    assert len(meetings_of(demo)) == 5


async def test_an_action_due_on_a_day_already_past_is_asked_about_and_added_only_when_confirmed(chat, demo):
    before = len(actions_of(demo))

    reply = await chat(CHAIR, 'action add owner=mark.evans@police.example.org due=2026-11-02 source="Audit 7" '
                              'Share the audit findings')

    assert reply.tone == Tone.WARNING and not reply.changed and chat.sent == []
    assert reply.text.startswith("The due date, Mon 2 Nov 2026, has passed: the action would be overdue from the "
                                 "start. Nothing is saved yet.")
    assert reply.buttons[0].command == ('action add owner=mark.evans@police.example.org due=2026-11-02 '
                                        'source="Audit 7" title="Share the audit findings" confirm=yes')
    assert len(actions_of(demo)) == before

    added = await chat(CHAIR, reply.buttons[0].command)

    assert added.changed and "due Mon 2 Nov 2026" in added.text
    saved = actions_of(demo)[-1]
    assert (saved.title, saved.source, saved.due_date) == ("Share the audit findings", "Audit 7", date(2026, 11, 2))
    assert chat.notices_to(POLICE)


async def test_the_action_form_comes_back_with_the_warning_and_saves_once_the_date_is_kept(chat, demo):
    form = (await chat(ADMIN, "action add")).form
    sent = {"title": "Share the audit findings", "owner": POLICE, "due": "2026-11-02", "source": ""}

    reply = await chat(ADMIN, form.command, form=sent)

    assert reply.form is not None and reply.form.form_id == "action-add" and not reply.changed
    assert "The due date, Mon 2 Nov 2026, has passed" in reply.form.intro
    assert next(f for f in reply.form.fields if f.name == "title").initial == "Share the audit findings"
    assert len(actions_of(demo)) == 6

    kept = await chat(ADMIN, form.command, form={**sent, "confirm": "2026-11-02"})
    assert kept.changed and len(actions_of(demo)) == 7


async def test_today_is_not_past_for_an_action(chat, demo):
    reply = await chat(CHAIR, "action add owner=mark.evans@police.example.org due=today Brief the team")
    assert reply.changed and reply.tone == Tone.SUCCESS


async def test_in_the_console_the_confirming_word_is_typed(demo, clock):
    typed = io.StringIO("meeting add arg 2027-01-01 10:00\nmeeting add arg 2027-01-01 10:00 confirm=yes\n")
    out = io.StringIO()

    await Console(Dispatcher(demo, clock=clock), ADMIN, stdin=typed, stdout=out).run()

    asked, added = out.getvalue().split("you> meeting add arg 2027-01-01 10:00 confirm=yes\n", 1)
    assert "Fri 1 Jan 2027 is a bank holiday in England and Wales (New Year's Day)" in asked
    assert "[Add anyway: meeting add arg 2027-01-01 10:00 confirm=yes]" in asked
    assert "Added meeting" not in asked
    assert "Added meeting #5: Assurance and Review Group on Fri 1 Jan 2027 10:00" in added
    assert len(meetings_of(demo)) == 5


# --- past meetings and who came -------------------------------------------------------------------------


async def test_past_meetings_are_listed_with_whether_their_minutes_are_out(chat, demo):
    with Session(demo) as session:
        arg = session.exec(select(Group).where(Group.key == "arg")).one()
        recent = factories.meeting(session, arg, datetime(2026, 11, 16, 10, tzinfo=timezone.utc))
        minuted = factories.meeting(session, arg, datetime(2026, 7, 7, 9, tzinfo=timezone.utc),
                                    minutes_circulated_at=datetime(2026, 7, 15, 12, tzinfo=timezone.utc))
        factories.meeting(session, arg, datetime(2025, 11, 10, 10, tzinfo=timezone.utc))  # over a year ago
        recent_id, minuted_id = recent.id, minuted.id

    reply = await chat(CHAIR, "meetings past arg")

    assert reply.title == "Past meetings: Assurance and Review Group"
    assert reply.text.startswith("3 meetings of Assurance and Review Group held in the last twelve months")
    assert [(i.text, dict(i.fields)["Minutes"]) for i in reply.items] == [
        (f"#{recent_id} Assurance and Review Group: Mon 16 Nov 2026 10:00", "not due yet: due by Mon 30 Nov 2026"),
        ("#1 Assurance and Review Group: Mon 12 Oct 2026 10:00", "not out after 42 days (the limit is 14)"),
        (f"#{minuted_id} Assurance and Review Group: Tue 7 Jul 2026 10:00", "circulated on Wed 15 Jul 2026"),
    ]
    first = reply.items[1]
    assert [b.command for b in first.buttons] == ["attended 1", "minutes 1"]
    assert [b.command for b in reply.items[2].buttons] == [f"attended {minuted_id}"]

    await chat(CHAIR, "attended 1")
    await chat(CHAIR, "minutes 1")
    after = await chat(CHAIR, "meetings past arg")
    assert dict(after.items[1].fields) == {"Minutes": "circulated on Mon 23 Nov 2026", "Attendance": "recorded"}
    assert after.items[1].buttons == []

    member = await chat(HOUSING, "meetings past arg")
    assert len(member.items) == 3 and all(i.buttons == [] for i in member.items)  # nothing to press that would refuse


async def test_the_refusal_for_an_unknown_meeting_points_to_past_meetings(chat):
    reply = await chat(CHAIR, "attended 987")
    assert reply.is_error and "Type `meetings past GROUP` to see their numbers" in reply.text


async def test_attendance_is_corrected_by_a_name_as_well_as_an_email(chat, demo):
    by_name = await chat(CHAIR, "attended 1 Helen Carter yes")
    by_part = await chat(CHAIR, "attended 1 mark evans yes")

    assert by_name.changed and by_name.text == "Recorded: Helen Carter attended."
    assert by_part.changed and by_part.text == "Recorded: DI Mark Evans attended."
    with Session(demo) as session:
        names = dict(session.exec(select(Member.name, AttendanceAnswer.attended)
                                  .join(Member, Member.id == AttendanceAnswer.member_id)
                                  .where(AttendanceAnswer.meeting_id == 1)).all())
    assert names["Helen Carter"] is True and names["DI Mark Evans"] is True


async def test_only_someone_with_a_seat_that_day_has_attendance_recorded(chat, demo):
    reply = await chat(CHAIR, "attended 1 Sam Patel yes")
    assert reply.is_error and reply.text.startswith(
        "DS Sam Patel didn't hold a seat on the Assurance and Review Group on Mon 12 Oct 2026")
    assert "`attended 1 MEMBER yes`" in reply.text
    nobody = await chat(CHAIR, "attended 1 Nobody Here yes")
    assert nobody.is_error and "'Nobody Here' is not a member of the partnership" in nobody.text
    with Session(demo) as session:
        sam = session.exec(select(Member).where(Member.email == POLICE_DEPUTY)).one()
        assert session.exec(select(AttendanceAnswer).where(AttendanceAnswer.member_id == sam.id)).all() == []


async def test_attendance_recorded_from_the_answers_is_saved_whole_or_not_at_all(chat, demo):
    """The database fails on the third answer: the reply says nothing was saved, and nothing was."""
    updates = []

    def fails_third(_conn, _cursor, statement, parameters, _context, executemany):
        if statement.startswith("UPDATE attendance_answer"):
            updates.extend(parameters if executemany else [parameters])
            if len(updates) >= 3:
                raise sqlite3.OperationalError("disk I/O error")

    with Session(demo) as session:
        before = session.exec(select(AttendanceAnswer.id).where(AttendanceAnswer.meeting_id == 1,
                                                                 AttendanceAnswer.attended.is_(None))).all()
    assert len(before) >= 3
    event.listen(demo, "before_cursor_execute", fails_third)
    try:
        reply = await chat(CHAIR, "attended 1")
    finally:
        event.remove(demo, "before_cursor_execute", fails_third)
    assert reply.is_error and "nothing was saved" in reply.text
    with Session(demo) as session:
        assert session.exec(select(AttendanceAnswer.id).where(AttendanceAnswer.meeting_id == 1,
                                                              AttendanceAnswer.attended.is_(None))).all() == before
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "attendance.recorded")).all() == []


async def test_moving_a_meeting_to_the_time_it_already_has_changes_nothing_and_tells_nobody(chat, demo):
    planned = meeting(demo, 2)
    local = planned.starts_at.astimezone(ZoneInfo("Europe/London"))
    with Session(demo) as session:
        events = len(session.exec(select(AuditEvent).where(AuditEvent.action == "meeting.moved")).all())

    reply = await chat(CHAIR, f"meeting move 2 {local:%Y-%m-%d %H:%M}")

    assert not reply.changed and "Nothing changed, and nobody was told" in reply.text
    assert chat.sent == [] and meeting(demo, 2).starts_at == planned.starts_at
    with Session(demo) as session:
        assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "meeting.moved")).all()) == events
