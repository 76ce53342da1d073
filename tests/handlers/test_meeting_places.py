"""A meeting's place may be the address where the group meets, in chat, on the form, in the
partnership file and on a Slack button; a street address anywhere else is a child's, and refused."""

from sqlmodel import Session, select

from bot.slack.views import safe_to_carry
from models.loader import load_text
from models.meetings import Meeting
from tests.conftest import ADMIN
from tests.models.test_loader import HISTORY

HALL = "Riverside House, 12 High Street"


async def test_a_meeting_is_added_at_the_address_where_the_group_meets(chat, demo):
    reply = await chat(ADMIN, f"meeting add arg 2027-03-02 10:00 {HALL}")
    assert not reply.is_error and HALL in reply.text
    with Session(demo) as session:
        assert session.exec(select(Meeting).where(Meeting.location == HALL)).one()


async def test_the_same_address_in_an_action_title_is_refused(chat):
    reply = await chat(ADMIN, f"action add owner=mark.evans@police.example.org due=2027-03-01 Visit {HALL[16:]}")
    assert reply.is_error and "street address" in reply.text and "12 High Street" not in reply.text


def test_the_partnership_file_keeps_a_meeting_place_with_its_address(engine):
    with Session(engine) as session:
        load_text(HISTORY.replace("location: Online},", f"location: \"{HALL}\"}},", 1), session=session)
        assert session.exec(select(Meeting.location).where(Meeting.location == HALL)).all() == [HALL]


def test_a_slack_button_for_a_meeting_keeps_its_place_and_masks_a_postcode():
    assert safe_to_carry(f"meeting add arg 2027-03-02 10:00 {HALL}").endswith(HALL)
    assert "B91 3QB" not in safe_to_carry(f"meeting add arg 2027-03-02 10:00 {HALL}, B91 3QB")


async def test_a_meeting_form_sent_back_for_a_past_date_keeps_its_place(chat):
    reply = await chat(ADMIN, "meeting add", form={"group": "arg", "date": "2020-01-06", "time": "10:00",
                                                   "location": HALL})
    assert reply.is_error and reply.form is not None
    assert {f.name: f.initial for f in reply.form.fields}["location"] == HALL


def test_only_a_meeting_add_button_keeps_an_address():
    assert "14 Acacia Avenue" not in safe_to_carry("meeting with family at 14 Acacia Avenue tomorrow")
