"""Templates fail loudly when a value is missing, and dates read as people write them."""

from datetime import date, datetime

import pytest
from jinja2 import UndefinedError

from messages.plain import render_plain, render_summary
from messages.reply import Button, FieldKind, Form, FormField, Item, Reply, Tone
from messages.slack_blocks import reply_blocks
from messages.templates import format_day, format_when, say, shorten


def test_a_missing_value_is_an_error_not_an_empty_string():
    with pytest.raises(UndefinedError):
        say("paper_done", changed=True)


def test_dates_print_as_people_read_them():
    assert format_day(date(2026, 12, 24)) == "Thu 24 Dec 2026"
    assert format_when(datetime(2027, 1, 5, 10, 0)) == "Tue 5 Jan 2027 10:00"


def test_the_console_shows_each_button_as_the_command_it_runs():
    reply = Reply(title="Open actions", text="1 open action.",
                  items=[Item("#2 Report", fields=[("Due", "Thu 19 Nov 2026")],
                              buttons=[Button("Done", "action done 2")])],
                  more=3, more_hint="try `actions agency la`")
    text = render_plain(reply)
    assert "[Done: action done 2]" in text
    assert "...and 3 more (try `actions agency la`)" in text


def test_a_forms_problems_are_shown_with_the_labels_people_saw():
    form = Form("escalation", "Raise an escalation", "escalate", (
        FormField("summary", "Summary", FieldKind.TEXTAREA),
        FormField("case_reference", "Your agency's case reference (optional)", required=False)))
    reply = Reply(text="Not saved.", form=form, errors={"case_reference": "Use your agency's own case reference."})
    assert "  Your agency's case reference: Use your agency's own case reference." in render_plain(reply)
    assert "case_reference" not in render_plain(reply)
    slack = [b for b in reply_blocks(reply) if b.get("block_id") == "errors"][0]["text"]["text"]
    assert slack == "• Your agency's case reference: Use your agency's own case reference."
    assert form.fields[1].shown_label == "Your agency's case reference (optional)"
    assert FormField("period", "Period", required=False).shown_label == "Period (optional)"


def test_a_shortened_text_ends_on_a_whole_word_with_an_ellipsis():
    assert shorten("Home conditions poor", 100) == "Home conditions poor"
    assert shorten("Home conditions reported as poor", 17) == "Home conditions…"
    assert shorten("Home conditions, poor", 17) == "Home conditions…"
    assert shorten("x" * 30, 10) == "x" * 9 + "…"


def test_a_problem_the_reply_already_says_is_not_said_twice():
    problem = "I can't save this because it contains what looks like a child's name."
    reply = Reply(text=f"The place was not saved. {problem}", tone=Tone.ERROR, errors={"location": problem})
    assert render_plain(reply).count(problem) == 1
    assert render_summary(reply).count(problem) == 1
    other = Reply(text="Not saved.", errors={"location": problem})  # said only under its field: kept
    assert problem in render_plain(other) and problem in render_summary(other)
    slack = [b for b in reply_blocks(reply) if b.get("block_id") == "errors"]
    assert slack == []
