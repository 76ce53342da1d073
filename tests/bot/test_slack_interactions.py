"""Buttons, modals, shortcuts and the Home tab, as Slack sends them and as people see the results."""

import json

from sqlmodel import select

from models.audit import AuditEvent
from models.db import session_for
from models.escalations import Escalation
from models.meetings import AttendanceAnswer
from models.work import Action
from tests.conftest import CHAIR, DEPUTY_CHAIR, POLICE, POLICE_DEPUTY, PRACTITIONER
from tests.fakes.slack_workspace import link_slack, slack  # noqa: F401 - the fixture

DM = "D0DM"


def rows(engine, model, *where):
    with session_for(engine) as session:
        return list(session.exec(select(model).where(*where)))


def words(payload) -> str:
    """Every piece of text in a payload, as people would read it."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)
    return "\n".join(found)


def button(blocks: list[dict], value: str) -> tuple[dict, str]:
    """The button that runs `value` (or the menu option, chosen, as Slack sends it), and its block."""
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("type") == "button" and element.get("value") == value:
                return element, block["block_id"]
            for option in element.get("options", []) if element.get("type") == "overflow" else []:
                if option["value"] == value:
                    return {"type": "overflow", "action_id": element["action_id"], "selected_option": option}, \
                        block["block_id"]
    raise AssertionError(f"no button for {value!r}")


async def a_dm_from_the_bot(slack, user: str, line: str) -> list[dict]:
    """What the bot would have sent this person privately (a reminder, a notice): the reply's blocks."""
    body = await slack.ack_json(await slack.command(user, line))
    return body["blocks"]


async def test_done_on_a_message_updates_it_in_place_and_a_second_tap_changes_nothing(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    blocks = await a_dm_from_the_bot(slack, "U0CHAIR", "actions")
    done, block_id = button(blocks, "action done 2")
    await slack.click("U0CHAIR", done, block_id, blocks=blocks, channel=DM, message_ts="1790000000.000042")
    await slack.settled()
    update = slack.fake.called("chat.update")[0].args
    assert (update["channel"], update["ts"]) == (DM, "1790000000.000042")
    new = {b["block_id"]: b for b in update["blocks"]}
    assert new[block_id]["type"] == "context"
    assert 'Saved: action #2 "Report S11 section 4 improvement plan to ARG" is done' in words(new[block_id])
    assert "action done 2" not in json.dumps(update["blocks"])  # the pressed button is gone
    assert "action done 4" in json.dumps(update["blocks"])  # the other action is as it was
    assert rows(demo, Action, Action.id == 2)[0].status == "done"

    await slack.click("U0CHAIR", done, block_id, blocks=blocks, channel=DM)  # an old copy of the message
    await slack.settled()
    again = slack.fake.called("response_url")[-1].args
    assert "was already marked done" in words(again) and again["replace_original"] is False
    assert len(slack.fake.called("chat.update")) == 1
    assert len(rows(demo, AuditEvent, AuditEvent.action == "action.done")) == 1


async def test_a_button_on_an_ephemeral_reply_replaces_it_with_the_result(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    blocks = await a_dm_from_the_bot(slack, "U0CHAIR", "returns")
    submitted, block_id = button(blocks, "return done 4")
    await slack.click("U0CHAIR", submitted, block_id, channel="C0ARG", ephemeral=True, response_key="eph")
    await slack.settled()
    replaced = slack.fake.called("response_url")[0].args
    assert replaced["key"] == "eph" and replaced["replace_original"] is True
    assert 'return #4 "Section 11 self-assessment" (2026/27) is marked submitted' in words(replaced)


async def test_a_button_pressed_by_someone_not_allowed_is_refused_to_them_alone(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    link_slack(demo, POLICE, "U0POLICE")
    blocks = await a_dm_from_the_bot(slack, "U0CHAIR", "escalations")
    ack, block_id = button(blocks, "escalation ack 1")
    # The card reached a shared channel somehow; a police member presses Acknowledge.
    await slack.click("U0POLICE", ack, block_id, blocks=blocks, channel="C0ARG", response_key="refused")
    await slack.settled()
    refusal = slack.fake.called("response_url")[0].args
    assert refusal["key"] == "refused" and refusal["response_type"] == "ephemeral"
    assert refusal["replace_original"] is False
    assert "Only the people who handle escalations" in words(refusal)
    assert slack.fake.called("chat.update") == []
    assert rows(demo, Escalation, Escalation.id == 1)[0].acknowledged_at is None


async def test_a_member_pressing_a_chairs_button_in_the_channel_is_told_why_and_the_message_stays(slack, demo):
    link_slack(demo, POLICE, "U0POLICE")
    link_slack(demo, CHAIR, "U0CHAIR")
    shared = await a_dm_from_the_bot(slack, "U0CHAIR", "quorum arg")
    see, block_id = button(shared, "attendance arg")
    await slack.click("U0POLICE", see, block_id, blocks=shared, channel="C0ARG", response_key="mark")
    await slack.settled()
    told = slack.fake.called("response_url")[0].args
    assert "Only the chair or deputy chair of Assurance and Review Group" in words(told)
    assert told["replace_original"] is False and slack.fake.called("chat.update") == []


async def test_add_update_opens_a_small_form_and_saving_it_updates_the_message(slack, demo):
    link_slack(demo, POLICE, "U0POLICE")
    blocks = await a_dm_from_the_bot(slack, "U0POLICE", "actions")
    add, block_id = button(blocks, "action update 3")
    assert add["action_id"].startswith("assure.form:")
    await slack.click("U0POLICE", add, block_id, blocks=blocks, channel=DM, message_ts="1790000000.000077")
    await slack.settled()
    view = slack.last_view_opened()
    assert view["title"]["text"] == "Add a progress update"
    body = await slack.ack_json(await slack.submit("U0POLICE", view, {"text": "Draft protocol shared with LA"}))
    assert body["response_action"] == "update"
    assert "Saved your update on action #3" in words(body["view"])
    await slack.settled()
    update = slack.fake.called("chat.update")[0].args
    assert update["ts"] == "1790000000.000077"
    assert "Saved your update on action #3" in words(update["blocks"])


async def test_send_deputy_offers_only_colleagues_from_the_same_agency_and_tells_the_deputy(slack, demo):
    link_slack(demo, POLICE, "U0POLICE")
    link_slack(demo, POLICE_DEPUTY, "U0SAM")
    blocks = await a_dm_from_the_bot(slack, "U0POLICE", "attend arg")
    deputy, block_id = button(blocks, "attend arg deputy")
    await slack.click("U0POLICE", deputy, block_id, blocks=blocks, channel=DM)
    await slack.settled()
    view = slack.last_view_opened()
    picker = next(b for b in view["blocks"] if b["type"] == "input")
    assert [o["value"] for o in picker["element"]["options"]] == [POLICE_DEPUTY]
    body = await slack.ack_json(await slack.submit("U0POLICE", view, {"deputy": POLICE_DEPUTY}))
    assert "DS Sam Patel will attend for you" in words(body["view"])
    await slack.settled()
    dm = [c.args for c in slack.fake.called("chat.postMessage") if c.args["channel"] == "D0SAM"]
    assert "has named you to attend Assurance and Review Group" in words(dm)
    assert rows(demo, AttendanceAnswer, AttendanceAnswer.answer == "deputy", AttendanceAnswer.deputy_id != None)  # noqa: E711


async def test_a_summary_with_a_childs_details_is_refused_inline_with_the_reason(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    await slack.command("U0JO", "", command="/escalate")
    view = slack.last_view_opened()
    body = await slack.ack_json(await slack.submit("U0JO", view, {
        "category": "practice", "urgency": "routine", "summary": "Child born 3/4/2019 left at home alone"}))
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["summary"]
    assert "I can't save this because it mentions a date of birth" in body["errors"]["summary"]
    assert len(rows(demo, Escalation)) == 1  # only the demo's
    from tests.handlers.test_no_identifiers_kept import everything_stored, squash

    assert squash("3/4/2019") not in everything_stored(demo)
    assert "3/4/2019" not in words(body) and "3/4/2019" not in words(view)  # not echoed, nor kept in the modal


async def test_a_modal_submitted_twice_saves_one_escalation(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    await slack.command("U0JO", "", command="/escalate")
    view = slack.last_view_opened()
    values = {"category": "capacity", "urgency": "urgent", "summary": "Health visiting caseloads above safe level"}
    first = await slack.ack_json(await slack.submit("U0JO", view, values, view_id="V0TWICE"))
    second = await slack.ack_json(await slack.submit("U0JO", view, values, view_id="V0TWICE"))
    assert len(rows(demo, Escalation)) == 2  # the demo's and this one
    assert first == second
    confirmation = words(first["view"])
    assert "Escalation E2 saved" in confirmation
    assert "call the police on 999" in confirmation  # urgent: the advice is on the confirmation


async def test_the_raise_an_escalation_shortcut_opens_the_form_from_anywhere(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    await slack.global_shortcut("U0JO")
    await slack.settled()
    assert slack.last_view_opened()["title"]["text"] == "Raise an escalation"


async def test_the_shortcut_for_someone_unregistered_says_who_to_ask_in_the_modal(slack, demo):
    slack.fake.users["U0KIM"] = ("kim.lee@elsewhere.example.org", "Kim Lee")
    await slack.global_shortcut("U0KIM")
    await slack.settled()
    view = slack.last_view_opened()
    assert "submit" not in view
    assert "ask Emma Clarke or Priya Shah (business unit)" in words(view)


async def test_escalate_this_message_fills_in_the_summary_and_keeps_a_link_to_the_message(slack, demo):
    link_slack(demo, PRACTITIONER, "U0JO")
    await slack.message_shortcut("U0JO", "Strategy meeting for CH-20417 keeps being &lt;cancelled&gt; by <@U0CSC|Sam>",
                                 channel="C0TEAM", ts="1789990000.123400")
    await slack.settled()
    view = slack.last_view_opened()
    summary = next(b for b in view["blocks"] if b.get("block_id") == "summary")
    assert summary["element"]["initial_value"] == "Strategy meeting for CH-20417 keeps being <cancelled> by @Sam"
    assert slack.fake.called("chat.getPermalink")[0].args == {"channel": "C0TEAM", "message_ts": "1789990000.123400"}
    await slack.ack_json(await slack.submit("U0JO", view, {
        "category": "practice", "urgency": "routine", "summary": summary["element"]["initial_value"]}))
    saved = rows(demo, Escalation, Escalation.id == 2)[0]
    assert saved.source_link == "https://riverside-partnership.slack.com/archives/C0TEAM/p1789990000123400"


async def test_the_home_tab_shows_my_open_items_and_its_buttons_update_it(slack, demo):
    link_slack(demo, CHAIR, "U0CHAIR")
    await slack.home_opened("U0CHAIR")
    await slack.settled()
    published = slack.fake.called("views.publish")[0].args
    assert published["user_id"] == "U0CHAIR" and published["view"]["type"] == "home"
    home = words(published["view"])
    for seen in ("Overdue actions (1)", "Report S11 section 4 improvement plan to ARG", "Your agency's returns",
                 "Papers you owe", "Neglect audit action plan update", "Your next meetings",
                 "Quorum for your groups", "Open escalations"):
        assert seen in home, seen
    done, block_id = button(published["view"]["blocks"], "action done 2")
    await slack.click_on_home("U0CHAIR", done, block_id)
    await slack.settled()
    again = slack.fake.called("views.publish")[-1].args["view"]
    assert "Saved: action #2" in again["blocks"][0]["text"]["text"]
    assert "Overdue actions" not in words(again)


async def test_acknowledging_from_the_escalation_card_tells_the_raiser(slack, demo):
    link_slack(demo, DEPUTY_CHAIR, "U0AMARA")
    link_slack(demo, PRACTITIONER, "U0JO")
    blocks = await a_dm_from_the_bot(slack, "U0AMARA", "escalations")
    ack, block_id = button(blocks, "escalation ack 1")
    await slack.click("U0AMARA", ack, block_id, blocks=blocks, channel="D0AMARA")
    await slack.settled()
    assert "Acknowledged E1" in words(slack.fake.called("chat.update")[0].args["blocks"])
    to_raiser = [c.args for c in slack.fake.called("chat.postMessage") if c.args["channel"] == "D0JO"]
    assert "Dr Amara Okafor has acknowledged your escalation E1" in words(to_raiser)



async def test_an_action_form_the_handler_refuses_keeps_the_modal_with_the_problem_under_the_owner(slack, demo):
    link_slack(demo, CHAIR, "U0HELEN")
    await slack.command("U0HELEN", "action add")
    view = slack.last_view_opened()
    before = len(rows(demo, Action))
    body = await slack.ack_json(await slack.submit("U0HELEN", view, {
        "title": "Brief the response teams", "owner": "nobody@nowhere.example.org", "due": "2027-01-29"}))
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["owner"] and "Not a member of the partnership" in body["errors"]["owner"]
    assert len(rows(demo, Action)) == before
    body = await slack.ack_json(await slack.submit("U0HELEN", view, {
        "title": "Brief the response teams", "owner": POLICE, "due": "2027-01-29"}))
    assert "Added action" in words(body["view"]) and len(rows(demo, Action)) == before + 1
