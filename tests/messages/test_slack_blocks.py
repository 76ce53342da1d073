"""Replies as Block Kit: valid for Slack (slack_sdk's models, round-tripped), escaped, within every limit."""

import json

import pytest

from handlers.escalations import escalation_form
from messages.reply import Button, Choice, FieldKind, Form, FormField, Item, Reply, Tone
from messages.slack_blocks import (
    MAX_MESSAGE_BLOCKS,
    MAX_TEXT_CHARS,
    field_errors,
    form_values,
    home_view,
    message,
    modal,
    reply_blocks,
    result_in_place,
    result_modal,
    text_size,
)
from tests.conftest import ADMIN, CHAIR, POLICE, PRACTITIONER
from tests.fakes.slack_api import block_kit_problems, view_problems

MENTIONS = "Please look <!channel> <!here> <@U024BE7LH> & <https://evil.example|click me>"


def all_text(blocks) -> str:
    return json.dumps(blocks)


def many_items(count: int, text: str = "Circulate the neglect toolkit") -> list[Item]:
    return [Item(text=f"#{n} {text}", key=f"action:{n}", fields=[("Due", "Mon 7 Dec 2026")],
                 buttons=[Button("Done", f"action done {n}", style="primary")]) for n in range(1, count + 1)]


COMMANDS = {
    CHAIR: ["help", "whoami", "quorum arg", "attendance arg", "actions", "actions all", "returns", "papers arg",
            "meetings", "escalations", "home", "attend arg", "escalation ack 1", "frobnicate"],
    ADMIN: ["home", "escalations", "quorum audit", "actions agency police"],
    POLICE: ["home", "attend arg deputy", "action update 3", "returns", "quorum arg"],
    PRACTITIONER: ["home", "escalate", "escalate urgent looks bad", "attendance arg"],
}


@pytest.mark.parametrize("email", list(COMMANDS))
async def test_every_reply_form_and_home_tab_the_demo_gives_is_one_slack_accepts(chat, email):
    for line in COMMANDS[email]:
        reply = await chat(email, line)
        rendered = message(reply, share=line)
        assert block_kit_problems(rendered["blocks"]) == [], line
        assert rendered["text"], line
        if reply.form is not None:
            assert view_problems(modal(reply.form, private_metadata='{"c":"x"}')) == [], line
        assert view_problems(result_modal(reply)) == [], line
    assert view_problems(home_view(await chat(email, "home"), notice=Reply(text="Saved.", tone=Tone.SUCCESS))) == []


def test_mentions_and_links_typed_by_people_are_shown_as_typed_and_never_notify_anyone():
    reply = Reply(title=f"E7 {MENTIONS}", text=MENTIONS, fields=[("Summary", MENTIONS)],
                  items=[Item(text=MENTIONS, fields=[("Latest", MENTIONS)])], errors={"summary": MENTIONS})
    rendered = message(reply)
    text = all_text(rendered)
    for raw in ("<!channel>", "<!here>", "<@U024BE7LH>", "<https://"):
        assert raw not in text
    assert "&lt;!channel&gt; &lt;!here&gt; &lt;@U024BE7LH&gt; &amp; &lt;https://evil.example|click me&gt;" in text
    mrkdwn = [t for b in rendered["blocks"] for t in ([b.get("text")] + b.get("fields", []) + b.get("elements", []))
              if isinstance(t, dict) and t.get("type") == "mrkdwn"]
    assert mrkdwn and all(t["verbatim"] is True for t in mrkdwn)  # "@channel" as plain words is not parsed either
    assert rendered["text"].startswith("E7 Please look &lt;!channel&gt;")  # the notification text too
    assert block_kit_problems(rendered["blocks"]) == []


def test_a_long_list_is_cut_to_fifty_blocks_with_and_n_more_pointing_to_the_home_tab():
    reply = Reply(title="Open actions: everyone", text="200 open actions.", items=many_items(200),
                  buttons=[Button("Raise an escalation", "escalate")])
    blocks = reply_blocks(reply)
    assert len(blocks) == MAX_MESSAGE_BLOCKS
    shown = [b for b in blocks if b["block_id"].startswith("item:")]
    more = [b for b in blocks if b["block_id"] == "more"][0]["elements"][0]["text"]
    assert more == f"…and {200 - len(shown)} more: see them all on AssureBot's Home tab, or use a narrower command."
    assert blocks[-1]["elements"][0]["value"] == "escalate"  # the reply's own buttons are never cut
    assert block_kit_problems(blocks) == []


def test_the_handlers_own_count_of_left_out_items_is_added_to_and_its_hint_kept():
    reply = Reply(text="Open actions", items=many_items(30), more=12, more_hint="narrow it down with `actions agency KEY`")
    more = [b for b in reply_blocks(reply) if b["block_id"] == "more"][0]["elements"][0]["text"]
    assert more.startswith("…and ") and more.endswith("narrow it down with `actions agency KEY`.")
    assert int(more.split()[1]) == 12 + 30 - sum(1 for b in reply_blocks(reply) if b["block_id"].startswith("item:"))


def test_long_text_is_split_into_sections_of_at_most_3000_characters_keeping_every_word():
    lines = [f"Line {n}: {'agency answered ' * 12}".strip() for n in range(40)]
    blocks = reply_blocks(Reply(text="\n".join(lines)))
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) > 1 and all(len(s) <= 3000 for s in sections)
    assert "\n".join(sections) == "\n".join(lines)


def test_a_reply_of_many_long_items_stays_under_slacks_total_size():
    reply = Reply(text="Everything", items=many_items(40, text="x" * 2900))
    blocks = reply_blocks(reply)
    assert text_size(blocks) <= MAX_TEXT_CHARS
    assert "more:" in all_text(blocks)
    assert block_kit_problems(blocks) == []


def test_button_text_and_modal_title_are_cut_to_slacks_lengths():
    long_label = "Send a deputy from Riverside Council Children's Services to the Multi-Agency Audit Group"
    reply = Reply(text="Will you come?", buttons=[Button(long_label, "attend audit deputy")])
    button = reply_blocks(reply)[-1]["elements"][0]
    assert len(button["text"]["text"]) == 75 and button["text"]["text"].endswith("…")
    form = Form("deputy", "Send a deputy to the Multi-Agency Audit Group", "attend audit deputy",
                (FormField("deputy", "Who?"),), submit_label="Send this person as my deputy")
    view = modal(form)
    assert view["title"]["text"] == "Send a deputy to the Mu…"
    assert len(view["submit"]["text"]) <= 24
    assert view_problems(view) == []


def test_a_select_never_offers_more_than_100_options():
    choices = tuple(Choice(f"c{n}", f"Choice {n}") for n in range(150))
    people = tuple(Choice(f"p{n}@council.example.org", f"Person {n}") for n in range(150))
    form = Form("f", "Pick", "pick", (FormField("kind", "Kind", FieldKind.CHOICE, options=choices),
                                       FormField("deputy", "Deputy", FieldKind.MEMBER, options=people)))
    view = modal(form)
    kind, deputy = view["blocks"]
    assert len(kind["element"]["options"]) == 100 and "first 100" in kind["hint"]["text"]
    # Too many colleagues for a list: they are found by name or email instead.
    assert deputy["element"]["type"] == "plain_text_input" and "name or work email" in deputy["hint"]["text"]
    assert view_problems(view) == []


def test_the_escalation_form_as_a_modal_keys_each_input_by_field_name_and_keeps_what_was_filled():
    view = modal(escalation_form("Waiting lists over 40 weeks", "capacity", "urgent"),
                 private_metadata='{"c":"escalate"}')
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["category", "urgency", "summary", "case_reference"]
    assert inputs["category"]["element"]["initial_option"]["value"] == "capacity"
    assert inputs["urgency"]["element"]["initial_option"]["value"] == "urgent"
    assert inputs["summary"]["element"]["initial_value"] == "Waiting lists over 40 weeks"
    assert inputs["summary"]["element"]["max_length"] == 1000
    assert inputs["case_reference"]["optional"] is True
    assert "999" in view["blocks"][0]["text"]["text"]
    assert view_problems(view) == []


def test_submitted_values_come_back_by_field_name_whatever_the_input_type():
    state = {"category": {"value": {"type": "static_select", "selected_option": {"value": "capacity"}}},
             "summary": {"value": {"type": "plain_text_input", "value": "Caseloads"}},
             "case_reference": {"value": {"type": "plain_text_input", "value": None}},
             "due": {"value": {"type": "datepicker", "selected_date": "2026-12-01"}}}
    assert form_values(state) == {"category": "capacity", "summary": "Caseloads", "case_reference": "",
                                  "due": "2026-12-01"}


def test_errors_are_keyed_by_block_id_and_a_problem_with_no_field_goes_on_the_first_input():
    inputs = ["category", "urgency", "summary"]
    assert field_errors(inputs, {"summary": "It mentions a date of birth."}) == {
        "summary": "It mentions a date of birth."}
    assert field_errors(inputs, {}, fallback="You're not registered.") == {"category": "You're not registered."}


def test_a_pressed_buttons_row_shows_the_result_and_the_rest_of_the_message_is_kept():
    blocks = reply_blocks(Reply(text="Your actions", items=many_items(3)))
    result = Reply(text='Saved: action #2 "Circulate" is done.\nThank you.', tone=Tone.SUCCESS, changed=True)
    updated = result_in_place(blocks, "act:action:2", result)
    ids = [b["block_id"] for b in updated]
    assert "act:action:1" in ids and "act:action:3" in ids
    replaced = updated[ids.index("act:action:2")]
    assert replaced["type"] == "context"
    assert replaced["elements"][0]["text"] == ':white_check_mark: Saved: action #2 "Circulate" is done. Thank you.'
    assert block_kit_problems(updated) == []


def test_a_result_with_next_steps_keeps_them_under_the_result():
    blocks = reply_blocks(Reply(text="Will you come?", buttons=[Button("Attending", "attend arg yes")]))
    result = Reply(text="Saved: you are attending.", changed=True,
                   buttons=[Button("Apologies", "attend arg no"), Button("Send deputy", "attend arg deputy")])
    updated = result_in_place(blocks, "buttons", result)
    assert [e["value"] for e in updated[-1]["elements"]] == ["attend arg no", "attend arg deputy"]
    again = result_in_place(updated, updated[-1]["block_id"], Reply(text="Saved: your apologies.", changed=True))
    assert "attend arg no" not in all_text(again)
    assert block_kit_problems(again) == []


def test_items_with_the_same_key_still_get_distinct_block_ids():
    items = [Item(text="A", key="seat:1", buttons=[Button("X", "x")]), Item(text="B", key="seat:1")]
    blocks = reply_blocks(Reply(text="t", items=items))
    assert block_kit_problems(blocks) == []


def test_the_home_tab_shows_what_a_button_did_above_the_members_items():
    view = home_view(Reply(title="Helen: your open items", text="Open for you", items=many_items(80)),
                     notice=Reply(text="Saved: action #2 is done.", tone=Tone.SUCCESS))
    assert view["type"] == "home"
    assert view["blocks"][0]["text"]["text"] == ":white_check_mark: Saved: action #2 is done."
    assert len(view["blocks"]) <= 100
    assert "type /assure actions" in all_text(view["blocks"])
    assert view_problems(view) == []
