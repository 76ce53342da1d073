"""Slips people make typing on a phone are answered, never saved as something else.

A value with spaces typed without quotes (`name=Sarah Jones`, `owner=Rachel Green`) used to be
cut at the space, the rest dropped or taken into the title; a place given in quotes kept its
quotes; an email with no domain ending was saved; the same meeting or action sent twice was
added twice; an unquoted `due=next fri` was answered as if `next` were the whole date.
"""

from __future__ import annotations

from sqlmodel import Session, func, select

from models.meetings import Meeting, Paper
from models.partnership import Member
from models.work import Action
from tests.conftest import ADMIN, CHAIR, POLICE


def count(engine, table, *where) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table).where(*where)).one()


async def test_a_name_typed_without_quotes_is_refused_saying_how_to_quote_it(chat, demo):
    before = count(demo, Member)
    reply = await chat(ADMIN, "member add name=Sarah Jones email=sarah.jones@police.example.org agency=police")
    assert reply.is_error and 'name="Sarah Jones"' in reply.text and "Nothing was saved" in reply.text
    assert count(demo, Member) == before
    added = await chat(ADMIN, 'member add name="Sarah Jones" email=sarah.jones@police.example.org agency=police')
    assert added.changed
    with Session(demo) as session:
        assert session.exec(select(Member.name).where(Member.email == "sarah.jones@police.example.org")).one() == \
            "Sarah Jones"


async def test_an_owner_named_without_quotes_does_not_run_on_into_the_title(chat, demo):
    papers = count(demo, Paper)
    reply = await chat(CHAIR, "paper add arg owner=Rachel Green ICB winter pressures")
    assert reply.is_error and 'owner="Rachel Green"' in reply.text
    assert count(demo, Paper) == papers
    actions = count(demo, Action)
    reply = await chat(CHAIR, "action add owner=Mark Evans due=2027-01-08 Review returns")
    assert reply.is_error and 'owner="Mark Evans"' in reply.text
    assert count(demo, Action) == actions
    added = await chat(CHAIR, 'paper add arg owner="Rachel Green" ICB winter pressures')
    assert added.changed and '"ICB winter pressures"' in added.text


async def test_a_title_option_and_loose_words_together_are_refused(chat, demo):
    reply = await chat(ADMIN, f"action add owner={POLICE} due=2027-01-08 title=Review returns for Q3")
    assert reply.is_error and 'title="Review returns"' in reply.text


async def test_text_given_all_in_quotes_is_saved_without_them(chat, demo):
    reply = await chat(CHAIR, 'meeting add arg 2027-01-14 14:00 "Room 3, Riverside House"')
    assert reply.changed
    with Session(demo) as session:
        meeting = session.exec(select(Meeting).order_by(Meeting.id.desc())).first()
    assert meeting.location == "Room 3, Riverside House"
    added = await chat(CHAIR, f'action add owner={POLICE} due=2027-01-08 "Audit 2019 cohort files"')
    assert '"Audit 2019 cohort files"' in added.text
    with Session(demo) as session:
        assert session.exec(select(Action).order_by(Action.id.desc())).first().title == "Audit 2019 cohort files"


async def test_an_email_with_no_domain_ending_is_refused(chat, demo):
    before = count(demo, Member)
    reply = await chat(ADMIN, 'member add name="Sam Lee" email=sam.lee@housing agency=housing')
    assert reply.is_error and "not a whole email address" in reply.text
    assert count(demo, Member) == before


async def test_the_same_meeting_sent_twice_is_added_once(chat, demo):
    line = "meeting add arg 14/1/2027 2pm Council House, Committee Room 2"
    first = await chat(CHAIR, line)
    assert first.changed
    before = count(demo, Meeting)
    again = await chat(CHAIR, line)
    assert again.is_error and "already has meeting #" in again.text
    assert count(demo, Meeting) == before
    other_time = await chat(CHAIR, "meeting add arg 14/1/2027 4pm Council House")
    assert other_time.changed


async def test_the_same_action_sent_twice_is_added_once_and_its_title_is_said(chat, demo):
    first = await chat(CHAIR, f"action add owner={POLICE.upper()} due=18/12/2026 Share MFH data with CSC")
    assert first.changed and '"Share MFH data with CSC"' in first.text
    before = count(demo, Action)
    again = await chat(CHAIR, f"action add owner={POLICE} due=18/12/2026 share  MFH data with CSC")
    assert again.is_error and "already has open action #" in again.text
    assert count(demo, Action) == before


async def test_an_unquoted_date_with_spaces_says_to_quote_it(chat, demo):
    reply = await chat(CHAIR, f"action add owner={POLICE} due=next fri Review returns")
    assert reply.is_error and 'due="next Friday"' in reply.text
