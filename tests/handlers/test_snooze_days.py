"""Snooze 1 day and Snooze 1 week, counted from the reminder they are pressed on.

Reminders go once a working day, so a press answers a reminder already sent: Snooze 1 day leaves
the item out of the next working day's reminder and brings it back on the working day after
(weekends and the partnership's bank holidays skipped); Snooze 1 week brings it back on the same
weekday a week later. The reply, the email page and the digests agree on that day.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from handlers.email_answers import open_link
from handlers.email_links import ANSWER, Link
from models.calendar import WorkingCalendar
from models.partnership import Member, Partnership
from models.snooze import Snooze
from tests import factories
from tests.conftest import CHAIR
from tests.schedules.builders import a_meeting, a_paper, an_action, at, digests, text_of

CALENDAR = WorkingCalendar("england-and-wales")
HELEN = "Helen Carter"


def helen(session: Session) -> Member:
    return session.exec(select(Member).where(Member.email == CHAIR)).one()


def a_paper_late_every_day(engine, first: date, last: date, title: str) -> int:
    """A paper of Helen's whose deadline passed the working day before `first`, for a meeting after
    `last`: the papers rule reminds her of it every working day from `first` to `last`."""
    meeting_day = CALENDAR.add_working_days(last, 2)
    deadline = CALENDAR.add_working_days(first, -1)
    with Session(engine) as session:
        owner = helen(session)
        place = session.get(Partnership, owner.partnership_id)
        group = factories.group(session, place, f"g{first:%m%d}", {"min_members": 1}, name="Practice review",
                                papers_notice_working_days=CALENDAR.working_days_between(deadline, meeting_day))
        return a_paper(session, a_meeting(session, group, meeting_day), owner, title=title).id


def reminded_on(engine, first: date, last: date, title: str) -> list[date]:
    """The days from first to last on which Helen's digest mentions `title`."""
    found = []
    with Session(engine) as session:
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            if title in text_of(digests(session, day).get(HELEN)):
                found.append(day)
    return found


def working_days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)
            if CALENDAR.is_working_day(first + timedelta(days=n))]


async def press(chat, clock, day: date, command: str):
    """Press a snooze button at 10:00 on `day`, after that day's reminder has gone out."""
    clock.moment = at(day, 10)
    return await chat(CHAIR, command)


def snoozed_until(engine) -> date:
    with Session(engine) as session:
        return session.exec(select(Snooze.until)).one()


# --- the day it comes back, as the reply says it and as the row keeps it ----------------------------


@pytest.mark.parametrize("pressed, length, said, until", [
    # Monday's reminder: none on Tuesday, back on Wednesday.
    (date(2026, 12, 7), "day", "You won't be reminded about it tomorrow; it comes back on Wed 9 Dec 2026.",
     date(2026, 12, 9)),
    # Friday's: none on Monday, back on Tuesday.
    (date(2026, 12, 11), "day", "You won't be reminded about it on Mon 14 Dec 2026, the next working day; "
                                "it comes back on Tue 15 Dec 2026.", date(2026, 12, 15)),
    # Thursday before Christmas: 25 and 28 December are bank holidays, so none on Tuesday 29th.
    (date(2026, 12, 24), "day", "You won't be reminded about it on Tue 29 Dec 2026, the next working day; "
                                "it comes back on Wed 30 Dec 2026.", date(2026, 12, 30)),
    # The Friday before the Late Summer bank holiday (Monday 31 August).
    (date(2026, 8, 28), "day", "You won't be reminded about it on Tue 1 Sep 2026, the next working day; "
                               "it comes back on Wed 2 Sep 2026.", date(2026, 9, 2)),
    # A link pressed on a Saturday: Monday's reminder is the next one.
    (date(2026, 12, 12), "day", "You won't be reminded about it on Mon 14 Dec 2026, the next working day; "
                                "it comes back on Tue 15 Dec 2026.", date(2026, 12, 15)),
    # A week: the same weekday a week later.
    (date(2026, 12, 7), "week", "You won't be reminded about it for a week; it comes back on Mon 14 Dec 2026.",
     date(2026, 12, 14)),
    (date(2026, 12, 11), "week", "You won't be reminded about it for a week; it comes back on Fri 18 Dec 2026.",
     date(2026, 12, 18)),
    # ... or the working day after it, when that is a bank holiday.
    (date(2026, 8, 24), "week", "You won't be reminded about it for a week; it comes back on Tue 1 Sep 2026.",
     date(2026, 9, 1)),
])
async def test_the_reply_says_the_day_the_item_comes_back(chat, clock, demo, pressed, length, said, until):
    reply = await press(chat, clock, pressed, f"snooze action 2 {length}")
    assert reply.changed and said in reply.text, reply.text
    assert snoozed_until(demo) == until


# --- the digests agree ---------------------------------------------------------------------------


async def test_snooze_1_day_on_monday_leaves_tuesday_out_and_comes_back_on_wednesday(chat, clock, demo):
    paper = a_paper_late_every_day(demo, date(2026, 12, 7), date(2026, 12, 18), "Neglect audit findings")
    assert reminded_on(demo, date(2026, 12, 7), date(2026, 12, 11), "Neglect audit") == working_days(
        date(2026, 12, 7), date(2026, 12, 11))
    await press(chat, clock, date(2026, 12, 7), f"snooze paper {paper} day")
    assert reminded_on(demo, date(2026, 12, 8), date(2026, 12, 11), "Neglect audit") == [
        date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 11)]


async def test_snooze_1_day_on_friday_leaves_monday_out_and_comes_back_on_tuesday(chat, clock, demo):
    paper = a_paper_late_every_day(demo, date(2026, 12, 7), date(2026, 12, 18), "Neglect audit findings")
    await press(chat, clock, date(2026, 12, 11), f"snooze paper {paper} day")
    assert reminded_on(demo, date(2026, 12, 12), date(2026, 12, 16), "Neglect audit") == [
        date(2026, 12, 15), date(2026, 12, 16)]


async def test_snooze_1_day_before_christmas_skips_the_first_working_day_after_it(chat, clock, demo):
    paper = a_paper_late_every_day(demo, date(2026, 12, 21), date(2027, 1, 8), "Strategy update")
    await press(chat, clock, date(2026, 12, 24), f"snooze paper {paper} day")
    # No reminders at all on Christmas Day, the weekend or Boxing Day's Monday; none on the 29th.
    assert reminded_on(demo, date(2026, 12, 25), date(2026, 12, 31), "Strategy update") == [
        date(2026, 12, 30), date(2026, 12, 31)]


async def test_snooze_1_day_before_a_bank_holiday_monday(chat, clock, demo):
    paper = a_paper_late_every_day(demo, date(2026, 8, 24), date(2026, 9, 11), "Section 11 summary")
    await press(chat, clock, date(2026, 8, 28), f"snooze paper {paper} day")
    assert reminded_on(demo, date(2026, 8, 29), date(2026, 9, 3), "Section 11") == [
        date(2026, 9, 2), date(2026, 9, 3)]


async def test_snooze_1_week_on_monday_comes_back_the_next_monday(chat, clock, demo):
    paper = a_paper_late_every_day(demo, date(2026, 12, 7), date(2026, 12, 18), "Neglect audit findings")
    await press(chat, clock, date(2026, 12, 7), f"snooze paper {paper} week")
    assert reminded_on(demo, date(2026, 12, 8), date(2026, 12, 15), "Neglect audit") == [
        date(2026, 12, 14), date(2026, 12, 15)]


async def test_snooze_1_week_into_a_bank_holiday_comes_back_the_working_day_after(chat, clock, demo):
    paper = a_paper_late_every_day(demo, date(2026, 8, 24), date(2026, 9, 11), "Section 11 summary")
    reply = await press(chat, clock, date(2026, 8, 24), f"snooze paper {paper} week")
    assert "comes back on Tue 1 Sep 2026" in reply.text
    assert reminded_on(demo, date(2026, 8, 25), date(2026, 9, 2), "Section 11") == [
        date(2026, 9, 1), date(2026, 9, 2)]


async def test_an_overdue_action_snoozed_for_a_week_comes_back_on_its_weekly_day(chat, clock, demo):
    with Session(demo) as session:
        action = an_action(session, helen(session), date(2026, 11, 30), title="Refresh the escalation policy").id
    # Overdue actions come back every 5 working days: Monday 7 and Monday 14 December.
    assert reminded_on(demo, date(2026, 12, 7), date(2026, 12, 14), "escalation policy") == [
        date(2026, 12, 7), date(2026, 12, 14)]
    reply = await press(chat, clock, date(2026, 12, 7), f"snooze action {action} week")
    assert "it comes back on Mon 14 Dec 2026" in reply.text
    assert reminded_on(demo, date(2026, 12, 8), date(2026, 12, 14), "escalation policy") == [date(2026, 12, 14)]


# --- the email page says the same before the button is pressed -------------------------------------


@pytest.mark.parametrize("length, said", [
    ("day", "You won't be reminded about it tomorrow; it comes back on Wed 9 Dec 2026."),
    ("week", "You won't be reminded about it for a week; it comes back on Mon 14 Dec 2026."),
])
async def test_the_email_page_says_the_day_it_comes_back(chat, clock, demo, length, said):
    clock.moment = at(date(2026, 12, 7), 10)
    with Session(demo) as session:
        owner = helen(session)
    link = Link(ANSWER, owner.id, owner.partnership_id, "action:2", f"snooze action 2 {length}", "digest-1",
                clock.now(), token="")
    shown, _member, _key = open_link(chat.dispatcher, link)
    assert shown.status == 200 and shown.text == said, shown.text
