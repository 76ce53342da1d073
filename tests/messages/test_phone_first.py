"""What reads well on a phone: two buttons side by side and the rest behind More, code as code,
plain words where a card cannot be drawn, a card that says one thing, and people's own names."""

import json
import re

import pytest

from handlers.core import REGISTRY, parse_command
from messages.buttons import action_buttons
from messages.reply import Button, Item, Reply, Tone
from messages.slack_blocks import message
from messages.teams_cards import card_after_submit, render_card, walk
from models.partnership import Member, first_name
from tests.conftest import ADMIN, CHAIR, POLICE, PRACTITIONER
from tests.fakes.slack_api import block_kit_problems, phone_problems
from tests.fakes.teams_world import assert_valid_card, submit_titled

ESCAPES = re.compile(r"\\[\\`*_~\[\]<>&|{}\-+#=.()]")


def four_button_item() -> Reply:
    return Reply(title="Open actions: you", text="", items=[Item("Refresh the neglect toolkit", key="action:3",
                                                                 buttons=action_buttons(3))])


def test_an_item_shows_its_first_button_and_more_on_a_teams_card():
    card = render_card(four_button_item())
    assert_valid_card(card)
    (row,) = [n for n in walk(card) if n["type"] == "ActionSet" and n.get("actions") and
              n["actions"][0].get("title") == "Done"]
    assert [a["title"] for a in row["actions"]] == ["Done", "More"]
    more = row["actions"][1]
    assert more["type"] == "Action.ShowCard"
    rows = [[a["title"] for a in r["actions"]] for r in more["card"]["body"]]
    assert rows == [["Add update", "Snooze 1 day"], ["Snooze 1 week"]]
    assert submit_titled(card, "Snooze 1 week")["data"]["assurebot"]["command"] == "snooze action 3 week"


def test_an_item_shows_two_buttons_and_a_menu_in_slack():
    blocks = message(four_button_item())["blocks"]
    assert block_kit_problems(blocks) == [] and phone_problems({"blocks": blocks}) == []
    (row,) = [b for b in blocks if b["type"] == "actions"]
    assert [e["type"] for e in row["elements"]] == ["button", "button", "overflow"]
    assert [o["value"] for o in row["elements"][2]["options"]] == ["snooze action 3 day", "snooze action 3 week"]


def test_two_buttons_stay_side_by_side():
    reply = Reply(text="x", buttons=[Button("My actions", "actions"), Button("Raise an escalation", "escalate")])
    assert [a["title"] for a in render_card(reply)["actions"]] == ["My actions", "Raise an escalation"]


def test_code_in_backticks_is_monospace_on_a_teams_card_and_plain_in_its_fallback():
    card = render_card(Reply(title="I don't know that", text="Did you mean `quorum`? Type `help` to see more.",
                             tone=Tone.ERROR))
    assert_valid_card(card)
    (rich,) = [n for n in walk(card) if n["type"] == "RichTextBlock"]
    runs = [(r["text"], r.get("fontType")) for r in rich["inlines"]]
    assert ("quorum", "monospace") in runs and ("help", "monospace") in runs
    assert "`" not in card["fallbackText"] and not ESCAPES.search(card["fallbackText"])
    assert "Did you mean quorum? Type help to see more." in card["fallbackText"]
    assert "---" not in card["fallbackText"]  # no console underline
    assert "`" not in message(Reply(text="Type `help`."))["text"]


def test_no_text_is_coloured_and_each_tone_carries_a_sign():
    for tone in Tone:
        card = render_card(Reply(title="T", text="words", tone=tone))
        assert not [n for n in walk(card) if n.get("color")], tone
    titles = {tone: render_card(Reply(title="Title", text="", tone=tone))["body"][0]["text"] for tone in Tone}
    assert titles[Tone.SUCCESS].startswith("✅") and titles[Tone.WARNING].startswith("⚠️")
    assert titles[Tone.ERROR].startswith("⛔") and titles[Tone.INFO] == "Title"
    untitled = render_card(Reply(text="I don't know that.", tone=Tone.ERROR))
    assert untitled["body"][0]["text"].startswith("⛔ I don")


def test_a_pressed_items_answer_is_updated_in_place_not_left_stale():
    item = Item("Assurance and Review Group: Wed 2 Dec", key="meeting:2",
                fields=[("Your answer", "sending a deputy")], buttons=[Button("Attending", "attend arg yes")])
    card = render_card(Reply(title="Home", text="", items=[item, Item("Again", key="meeting:2")]))
    ids = [n["id"] for n in walk(card) if n.get("id", "").startswith("item-")]
    assert ids == ["item-meeting:2"]  # an item listed twice keeps one id
    after = card_after_submit(card, Reply(text="Saved: you are attending.", tone=Tone.SUCCESS, changed=True,
                                          fields=[("Your answer", "attending")]), item_key="meeting:2")
    words = json.dumps(after["body"])
    assert "sending a deputy" not in words and words.count("Your answer") == 1 and "attending" in words
    blocks = message(Reply(title="Home", text="", items=[item]))["blocks"]
    from messages.slack_blocks import result_in_place

    act = next(b["block_id"] for b in blocks if b["type"] == "actions")
    updated = json.dumps(result_in_place(blocks, act, Reply(text="Saved.", fields=[("Your answer", "attending")])))
    assert "Your answer: attending" in updated and "sending a deputy" not in updated


def test_a_form_refused_then_saved_shows_only_what_was_saved():
    from handlers.escalations import escalation_form

    refused = render_card(Reply(title="Not saved yet", text="Nothing has been saved. Please fix what is marked.",
                                tone=Tone.ERROR, form=escalation_form("Caseloads", "capacity", "routine"),
                                errors={"summary": "It mentions an NHS number."}))
    submit = submit_titled(refused, "Raise escalation")
    prefix = submit["data"]["assurebot"]["fields"]
    saved = card_after_submit(refused, Reply(title="Escalation E2 saved", text="Sent privately to the handlers.",
                                             tone=Tone.SUCCESS, changed=True), fields_prefix=prefix,
                              values={"category": "capacity", "urgency": "routine", "summary": "Caseloads"})
    assert_valid_card(saved)
    words = json.dumps(saved["body"])
    assert "Escalation E2 saved" in words and "Caseloads" in words
    assert "Not saved yet" not in words and "Nothing has been saved" not in words and "NHS" not in words
    assert not [n for n in walk(saved) if n["type"].startswith("Input.") or n["type"] == "Action.Submit"]


@pytest.mark.parametrize("name, preferred, called", [
    ("Dr Amara Okafor", None, "Amara"), ("DI Mark Evans", None, "Mark"), ("Cllr. Jane Roe", None, "Jane"),
    ("Prof Sir Ian Moss", None, "Ian"), ("Helen Carter", None, "Helen"), ("DS Sam Patel", "Samira", "Samira"),
    ("Dr", None, "Dr")])
def test_people_are_called_by_a_first_name_that_is_not_a_title(name, preferred, called):
    assert first_name(Member(partnership_id=1, email="x@example.org", name=name, agency_id=1,
                             preferred_name=preferred)) == called


@pytest.mark.parametrize("who", [CHAIR, ADMIN, POLICE, PRACTITIONER])
async def test_help_is_short_lists_only_what_the_person_may_run_and_points_to_help_all(chat, who):
    reply = await chat(who, "help")
    listed = re.findall(r"^`([a-z ]+)`:", reply.text, re.MULTILINE)
    assert 4 <= len(listed) <= 9
    assert "Type `help all` for the other" in reply.text
    assert len(render_card(reply).get("actions", [])) <= 2
    for verb in listed:
        refusal = await chat(who, REGISTRY[verb].example if verb != "attend" else "attend arg yes")
        assert not (refusal.is_error and "only" in refusal.text.lower()), (who, verb, refusal.text)
    assert parse_command("help all").args == ("all",)
