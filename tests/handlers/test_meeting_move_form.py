"""`meeting move ID` with nothing after it opens a form filled in with the meeting as it is now.

On a phone, typing a date, a time and a place after the number is tedious and easy to get wrong;
the form shows what the meeting is now, and changing any of it moves the meeting as the typed
command does. The deputy form's question is asked once, not three times.
"""

from __future__ import annotations

from sqlmodel import Session

from models.meetings import Meeting
from tests.conftest import CHAIR, HOUSING, POLICE


def meeting_row(engine, meeting_id: int) -> Meeting:
    with Session(engine) as session:
        return session.get(Meeting, meeting_id)


async def test_a_bare_move_opens_a_form_filled_in_with_the_meeting_as_it_is(chat, demo):
    was = meeting_row(demo, 2)

    reply = await chat(CHAIR, "meeting move 2")

    assert not reply.changed and not reply.is_error and reply.private
    form = reply.form
    assert form.command == "meeting move 2" and form.submit_label == "Move meeting"
    initial = {field.name: field.initial for field in form.fields}
    assert initial == {"date": "2026-12-02", "time": "10:00", "location": was.location}
    assert reply.title == "Assurance and Review Group, Wed 2 Dec 2026 10:00"
    assert meeting_row(demo, 2).starts_at == was.starts_at and chat.sent == []


async def test_the_form_sent_back_with_a_new_time_moves_the_meeting_and_tells_the_group(chat, demo):
    form = (await chat(CHAIR, "meeting move 2")).form
    values = {field.name: field.initial for field in form.fields} | {"time": "2.30pm"}

    moved = await chat(CHAIR, form.command, form=values)

    assert moved.changed and moved.text.startswith(
        "Assurance and Review Group has moved from Wed 2 Dec 2026 10:00 to Wed 2 Dec 2026 14:30.")
    assert chat.notices_to(HOUSING)


async def test_the_form_sent_back_with_a_new_place_alone_keeps_the_time(chat, demo):
    form = (await chat(CHAIR, "meeting move 2")).form
    values = {field.name: field.initial for field in form.fields} | {"location": "Town Hall"}

    moved = await chat(CHAIR, form.command, form=values)

    assert moved.changed and "will now be at Town Hall" in moved.text
    assert meeting_row(demo, 2).location == "Town Hall"


async def test_a_time_the_form_cannot_read_brings_the_form_back_with_the_problem(chat, demo):
    form = (await chat(CHAIR, "meeting move 2")).form
    values = {field.name: field.initial for field in form.fields} | {"time": "teatime"}

    again = await chat(CHAIR, form.command, form=values)

    assert not again.changed and again.form is not None and "time" in again.errors
    assert chat.sent == []


async def test_only_the_chairs_and_business_unit_get_the_form(chat, demo):
    reply = await chat(POLICE, "meeting move 2")
    assert reply.is_error and reply.form is None


async def test_the_deputy_form_asks_its_question_once(chat, demo):
    reply = await chat(POLICE, "attend arg deputy")

    [field] = reply.form.fields
    said = [reply.text, reply.form.intro, field.label]
    assert "Who will attend for you?" not in reply.text and "from your own agency" not in reply.text
    assert len(set(said)) == 3
