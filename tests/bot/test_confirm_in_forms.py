"""A date that is probably a slip, sent from a form: the Slack modal and the Teams card come back with
the warning and a choice to keep the date, and the meeting is saved only once it is kept."""

from sqlmodel import select

from models.db import session_for
from models.meetings import Meeting
from tests.conftest import ADMIN
from tests.fakes.slack_workspace import link_slack, slack  # noqa: F401 - the fixture
from tests.fakes.teams_world import card_text, submit_titled, teams, unescaped  # noqa: F401 - teams is a fixture

MEETING = {"group": "arg", "date": "2027-01-01", "time": "10:00", "location": "Council House"}


def meetings(engine) -> list[Meeting]:
    with session_for(engine) as session:
        return list(session.exec(select(Meeting).order_by(Meeting.id)))


async def test_the_slack_modal_comes_back_with_the_warning_and_a_choice_to_keep_the_date(slack, demo):
    link_slack(demo, ADMIN, "U0PRIYA")
    await slack.command("U0PRIYA", "meeting add")
    await slack.settled()
    view = slack.last_view_opened()

    body = await slack.ack_json(await slack.submit("U0PRIYA", view, MEETING))

    assert body["response_action"] == "update"
    again = body["view"]
    intro = next(b for b in again["blocks"] if b.get("block_id") == "intro")
    assert "Fri 1 Jan 2027 is a bank holiday in England and Wales (New Year's Day)" in intro["text"]["text"]
    keep = next(b for b in again["blocks"] if b.get("block_id") == "confirm")
    assert [o["value"] for o in keep["element"]["options"]] == ["2027-01-01"]
    date_input = next(b for b in again["blocks"] if b.get("block_id") == "date")
    assert date_input["element"]["initial_date"] == "2027-01-01"  # as it was sent
    assert len(meetings(demo)) == 4

    saved = await slack.ack_json(await slack.submit("U0PRIYA", again, {**MEETING, "confirm": "2027-01-01"}))

    assert saved["response_action"] == "update"
    assert len(meetings(demo)) == 5


async def test_the_teams_card_comes_back_with_the_warning_and_a_choice_to_keep_the_date(teams):
    priya = teams.user(ADMIN)
    await teams.say(priya, "meeting add")
    card, card_id = teams.last_card_to(teams.personal_id(priya))
    submit = submit_titled(card, "Add meeting")
    await teams.post(teams.submit(priya, submit, card_id, inputs=teams.form_inputs(submit, **MEETING)))

    card, card_id = teams.last_card_to(teams.personal_id(priya))
    assert "Fri 1 Jan 2027 is a bank holiday in England and Wales" in unescaped(card_text(card))
    submit = submit_titled(card, "Add meeting")
    prefix = submit["data"]["assurebot"]["fields"]
    keep = next(n for n in card["body"] if n.get("id") == f"{prefix}confirm")
    assert [c["value"] for c in keep["choices"]] == ["2027-01-01"]
    assert len(meetings(teams.engine)) == 4

    await teams.post(teams.submit(priya, submit, card_id,
                                  inputs=teams.form_inputs(submit, **MEETING, confirm="2027-01-01")))

    assert len(meetings(teams.engine)) == 5
