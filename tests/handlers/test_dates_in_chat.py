"""Dates and times typed in chat and in forms are read as everywhere else, and each reply shows the
date it understood as Tue 2 Mar 2027. The clock stands at Monday 23 November 2026, 09:00."""

from datetime import date

from sqlmodel import Session, select

from models.work import Action
from tests.conftest import ADMIN, CHAIR

HOUSING_OWNER = "owner=aisha.rahman@housing.example.org"


async def test_a_meeting_on_a_uk_date_at_10am_is_added_and_shown(chat):
    reply = await chat(CHAIR, "meeting add arg 02/03/2027 10am Council House")
    assert reply.changed
    assert "Assurance and Review Group on Tue 2 Mar 2027 10:00, Council House." in reply.text


async def test_a_date_and_a_time_in_several_words(chat):
    reply = await chat(CHAIR, "meeting add arg 2 March 2027 2.30 pm Council House")
    assert "on Tue 2 Mar 2027 14:30, Council House." in reply.text


async def test_a_meeting_next_tuesday_is_the_tuesday_of_next_week(chat):
    reply = await chat(CHAIR, "meeting add arg next Tuesday 10:00")
    assert "Assurance and Review Group on Tue 1 Dec 2026 10:00." in reply.text


async def test_a_meeting_tomorrow_takes_the_usual_time(chat):
    reply = await chat(CHAIR, "meeting add arg tomorrow")
    assert "Assurance and Review Group on Tue 24 Nov 2026 10:00." in reply.text


async def test_an_impossible_meeting_date_is_named_as_impossible(chat):
    reply = await chat(CHAIR, "meeting add arg 31/02/2027 10:00")
    assert reply.is_error and "The meeting's date: there is no 31 February 2027." in reply.text
    leap = await chat(CHAIR, "meeting add arg 29 February 2027 10am")
    assert leap.is_error and "there is no 29 February 2027; 2027 is not a leap year" in leap.text


async def test_an_impossible_time_is_named_as_impossible(chat):
    reply = await chat(CHAIR, "meeting add arg 02/03/2027 25:00")
    assert reply.is_error and "There is no 25:00; the day runs from 00:00 to 23:59." in reply.text


async def test_the_meeting_form_takes_a_uk_date_and_a_12_hour_time(chat):
    form = (await chat(ADMIN, "meeting add")).form
    reply = await chat(ADMIN, form.command, form={"group": "audit", "date": "02/03/2027", "time": "2.30pm",
                                                  "location": ""})
    assert "Multi-Agency Audit Group on Tue 2 Mar 2027 14:30" in reply.text
    refused = await chat(ADMIN, form.command, form={"group": "audit", "date": "31/02/2027", "time": "10:00",
                                                    "location": ""})
    assert refused.errors["date"] == "There is no 31 February 2027."


async def test_moving_a_meeting_to_friday(chat):
    reply = await chat(CHAIR, "meeting move 2 Friday 14:00")
    assert "to Fri 27 Nov 2026 14:00" in reply.text


async def test_an_action_due_tomorrow_shows_the_date(chat, demo):
    reply = await chat(CHAIR, f"action add {HOUSING_OWNER} due=tomorrow Brief officers on the policy")
    assert "due Tue 24 Nov 2026." in reply.text
    with Session(demo) as session:
        assert session.exec(select(Action).order_by(Action.id.desc())).first().due_date == date(2026, 11, 24)


async def test_an_action_due_on_a_day_without_a_year_is_the_next_one(chat):
    reply = await chat(CHAIR, f'action add {HOUSING_OWNER} due="2 March" Brief officers on the policy')
    assert "due Tue 2 Mar 2027." in reply.text


async def test_an_impossible_due_date_is_refused_on_its_field(chat):
    reply = await chat(CHAIR, f"action add {HOUSING_OWNER} due=31/02/2027 Brief officers on the policy")
    assert reply.is_error and "The due date: there is no 31 February 2027." in reply.text
    assert reply.errors == {"due": "There is no 31 February 2027."}


async def test_a_return_due_on_a_uk_date(chat):
    reply = await chat(ADMIN, 'return add title="Dataset Q4" kind=dataset agency=police '
                              'owner=mark.evans@police.example.org due=15/04/2027')
    assert "due Thu 15 Apr 2027;" in reply.text


async def test_a_report_from_a_day_without_a_year_looks_back(chat):
    reply = await chat(ADMIN, "report actions from 1 April")
    assert reply.title.endswith(", Wed 1 Apr 2026 to Mon 23 Nov 2026")


async def test_a_report_between_a_date_in_words_and_last_friday(chat):
    reply = await chat(ADMIN, "report actions from 1 April 2026 to last Friday")
    assert reply.title.endswith(", Wed 1 Apr 2026 to Fri 20 Nov 2026")


async def test_a_report_from_an_impossible_date_is_refused_as_impossible(chat):
    reply = await chat(ADMIN, "report actions from 31/02/2026")
    assert reply.is_error and "There is no 31 February 2026." in reply.text
