"""Templates fail loudly when a value is missing, and dates read as people write them."""

from datetime import date, datetime

import pytest
from jinja2 import UndefinedError

from messages.plain import render_plain
from messages.reply import Button, Item, Reply
from messages.templates import format_day, format_when, say


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
