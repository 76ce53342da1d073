"""Replies as Adaptive Cards for Teams: valid 1.5 cards, phone-safe elements, text shown as typed."""

import pytest

from messages.buttons import deputy_form, update_form
from handlers.escalations import escalation_form
from messages.reply import Button, Choice, FieldKind, Form, FormField, Item, Reply, Tone
from messages.teams_cards import (
    card_after_submit,
    escape_markdown,
    has_actions,
    render_card,
    submitted_values,
    walk,
)
from tests.conftest import ADMIN, CHAIR, POLICE, PRACTITIONER
from tests.fakes.teams_world import assert_valid_card, card_text, submit_titled, submits, unescaped

EVERY_COMMAND = ["help", "whoami", "actions", "actions all", "attend arg", "attend arg deputy", "attendance arg",
                 "quorum arg", "meetings", "papers arg", "returns", "escalate", "escalations", "action update 3",
                 "snooze action 3 week", "no such command", "escalation ack 1"]


@pytest.mark.parametrize("line", EVERY_COMMAND)
async def test_every_reply_of_every_command_is_a_valid_card_for_each_kind_of_person(chat, line):
    for who in (CHAIR, ADMIN, POLICE, PRACTITIONER):
        assert_valid_card(render_card(await chat(who, line)))


@pytest.mark.parametrize("form", [escalation_form(), escalation_form("Caseloads", "capacity", "urgent"),
                                  deputy_form("arg"), update_form(12)], ids=["escalation", "escalation-filled",
                                                                              "deputy", "action-update"])
def test_each_form_is_a_card_with_inputs_and_a_submit_that_carries_its_command(form):
    card = render_card(Reply(title=form.title, text="", form=form))
    assert_valid_card(card)
    inputs = [n for n in walk(card) if n["type"].startswith("Input.")]
    assert [i["label"] for i in inputs] == [f.label for f in form.fields]
    (submit,) = submits(card)
    assert submit["title"] == form.submit_label
    assert submit["data"]["assurebot"]["command"] == form.command


def test_the_escalation_form_offers_the_categories_limits_the_summary_and_keeps_what_was_typed():
    card = render_card(Reply(text="", form=escalation_form("Caseloads above safe level", "capacity", "urgent")))
    by_id = {n["id"].split("-", 2)[2]: n for n in walk(card) if n["type"].startswith("Input.")}
    assert by_id["category"]["type"] == "Input.ChoiceSet" and by_id["category"]["value"] == "capacity"
    assert "Capacity or resourcing concern" in [c["title"] for c in by_id["category"]["choices"]]
    assert by_id["urgency"]["value"] == "urgent"
    assert by_id["summary"]["isMultiline"] and by_id["summary"]["maxLength"] == 1000
    assert by_id["summary"]["value"] == "Caseloads above safe level"
    assert by_id["case_reference"]["label"] == "Your agency's case reference (optional)"
    assert not any("isRequired" in i for i in by_id.values())  # checked when the form comes back instead


def test_a_date_field_is_a_date_input():
    form = Form("f", "When", "meeting move", (FormField("day", "New date", FieldKind.DATE, initial="2027-01-05"),))
    card = render_card(Reply(text="", form=form))
    assert_valid_card(card)
    assert [n for n in walk(card) if n["type"] == "Input.Date"][0]["value"] == "2027-01-05"


def test_errors_on_a_form_are_shown_under_the_field_they_are_about():
    reply = Reply(title="Not saved yet", text="Nothing has been saved.", tone=Tone.ERROR, form=escalation_form(),
                  errors={"summary": "it mentions a date of birth", "other": "Something else"})
    card = render_card(reply)
    assert_valid_card(card)
    ids = [n.get("id", "") for n in card["body"]]
    summary_at = next(i for i, x in enumerate(ids) if x.endswith("-summary"))
    assert ids[summary_at + 2].endswith("-summary-error")  # after the hint
    assert card["body"][summary_at + 2]["text"] == "⛔ it mentions a date of birth"
    assert card["body"][summary_at + 2]["weight"] == "bolder" and "color" not in card["body"][summary_at + 2]
    assert "Something else" in card_text(card)


def test_markdown_and_mentions_in_user_text_are_shown_literally():
    typed = "**bold** _it_ ~~x~~ `code` [link](https://x.example) <at>Priya Shah</at> <AT>all</AT> & \\"
    escaped = escape_markdown(typed)
    for raw in ("**", "[link]", "<at>", "<AT>", "`code`"):
        assert raw not in escaped
    assert unescaped(escaped) == typed


def test_line_starts_that_would_make_lists_or_headings_are_escaped():
    assert escape_markdown("- not a list\n1. not numbered\n# not a heading\n+ plus") == \
        "\\- not a list\n1\\. not numbered\n\\# not a heading\n\\+ plus"


def test_every_text_on_a_card_is_escaped_titles_fields_items_and_fallback():
    nasty = "<at>Everyone</at> **now**"
    reply = Reply(title=nasty, text=nasty, fields=[(nasty, nasty)],
                  items=[Item(text=nasty, key="action:1", fields=[("Latest", nasty)],
                              buttons=[Button(nasty, "action done 1")])],
                  buttons=[Button("Open", "actions")])
    card = render_card(reply)
    assert_valid_card(card)
    assert "<at>" not in card_text(card) and "<at>" not in card["fallbackText"]
    assert "**now**" not in card_text(card).replace(submits(card)[0]["title"], "")


def test_buttons_carry_the_console_command_and_a_danger_button_looks_destructive():
    card = render_card(Reply(text="x", buttons=[Button("Close", "escalation close 3 resolved", style="danger"),
                                                Button("Done", "action done 2", style="primary")]))
    close, done = card["actions"]
    assert close["style"] == "destructive" and close["data"]["assurebot"]["command"] == "escalation close 3 resolved"
    assert done["style"] == "positive"


def test_two_forms_on_one_card_never_share_input_names():
    items = [Item(text=f"#{n} thing", key=f"action:{n}", buttons=[Button("Add update", f"action update {n}",
                                                                         form=update_form(n))]) for n in (1, 2)]
    card = render_card(Reply(text="Your actions", items=items))
    assert_valid_card(card)
    ids = [n["id"] for n in walk(card) if n["type"].startswith("Input.")]
    assert len(ids) == len(set(ids)) == 2


def test_submitted_data_is_split_into_the_command_and_the_form_values():
    card = render_card(Reply(text="", form=update_form(7)))
    submit = submits(card)[0]
    data = dict(submit["data"], **{submit["data"]["assurebot"]["fields"] + "text": "Sent to ICB", "stray": "x"})
    meta, values = submitted_values(data)
    assert meta["command"] == "action update 7"
    assert values == {"text": "Sent to ICB"}
    assert submitted_values({"assurebot": {"command": "actions", "nonce": "n"}})[1] == {}


def test_after_a_tap_on_a_listed_item_only_that_item_changes():
    items = [Item(text=f"#{n} thing {n}", key=f"action:{n}", buttons=[Button("Done", f"action done {n}")])
             for n in (1, 2)]
    original = render_card(Reply(title="Open actions", text="2 open actions.", items=items))
    result = Reply(text="Saved: action #1 is done.", tone=Tone.SUCCESS, changed=True)
    card = card_after_submit(original, result, item_key="action:1")
    assert_valid_card(card)
    assert "Saved: action #1 is done." in unescaped(card_text(card))
    assert [a["data"]["assurebot"]["command"] for a in submits(card)] == ["action done 2"]
    assert "thing 1" in card_text(card) and "Open actions" in card_text(card)


def test_after_a_form_is_submitted_the_card_shows_the_values_recorded_and_nothing_to_press():
    original = render_card(Reply(title="Raise an escalation", text="", form=escalation_form()))
    submit = submit_titled(original, "Raise escalation")
    prefix = submit["data"]["assurebot"]["fields"]
    result = Reply(title="Escalation E9 saved", text="Saved as E9.", tone=Tone.SUCCESS, changed=True)
    card = card_after_submit(original, result, fields_prefix=prefix,
                             values={"category": "capacity", "urgency": "urgent", "summary": "Caseloads",
                                     "case_reference": ""})
    assert_valid_card(card)
    assert not has_actions(card)
    facts = [f for n in walk(card) if n["type"] == "FactSet" for f in n["facts"]]
    assert [(f["title"], unescaped(f["value"])) for f in facts] == [
        ("What kind of concern?", "Capacity or resourcing concern"), ("How urgent?", "Urgent"),
        ("Summary", "Caseloads")]


def test_a_refused_form_comes_back_as_the_form_with_its_errors():
    original = render_card(Reply(title="Raise an escalation", text="", form=escalation_form()))
    refused = Reply(title="Not saved yet", text="Nothing has been saved.", tone=Tone.ERROR,
                    form=escalation_form("born 01/02/2015"), errors={"summary": "it mentions a date of birth"})
    card = card_after_submit(original, refused)
    assert_valid_card(card)
    assert "it mentions a date of birth" in card_text(card)
    assert submit_titled(card, "Raise escalation")


def test_a_reply_with_nothing_to_press_is_not_kept_and_choices_with_odd_names_stay_plain():
    assert not has_actions(render_card(Reply(text="Just so you know.")))
    form = Form("deputy", "Send a deputy", "attend arg deputy", (
        FormField("deputy", "Who?", FieldKind.MEMBER, options=(Choice("x@y.org", "<at>Sam</at> **Patel**"),)),))
    card = render_card(Reply(text="", form=form))
    assert_valid_card(card)
    title = next(n for n in walk(card) if n["type"] == "Input.ChoiceSet")["choices"][0]["title"]
    assert "<at>" not in title and unescaped(title) == "<at>Sam</at> **Patel**"


@pytest.mark.parametrize("reply", [
    Reply(text="Just so you know."),
    Reply(title="Your day", text="2 things", buttons=[Button("Done", "done 1")]),
    Reply(title="Your day", text="", items=[Item(text="Action 4", key="action:4", buttons=[Button("Done", "done 4")])]),
    Reply(title="Your day", text="", items=[Item(text="Action 4", key="action:4")]),
    Reply(title="Raise an escalation", text="", form=escalation_form()),
    Reply(text="", form=deputy_form("arg", choices=(Choice("sam.patel@police.example.org", "Sam Patel"),))),
], ids=["plain", "buttons", "an item's buttons", "items without", "form", "deputy form"])
def test_whether_a_card_has_anything_to_press_is_read_from_every_element(reply):
    card = render_card(reply)
    expected = any(node.get("type") in ("Action.Submit", "Action.ShowCard") for node in walk(card))
    assert has_actions(card) is expected
    assert expected is bool(reply.buttons or reply.form or any(item.buttons for item in reply.items))
