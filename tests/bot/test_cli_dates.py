"""Dates on the command line and in the console's forms are read as in chat, and a bad one is
refused in the same words."""

import asyncio
import io

import pytest

from bot.cli import main
from bot.console import Console
from tests.conftest import ADMIN


def test_a_report_from_and_to_uk_dates(demo, tmp_path, capsys):
    url = demo.url.render_as_string(hide_password=False)
    code = main(["report", "actions", "--from", "01/04/2026", "--to", "31 March 2027", "--db", url,
                 "--output", str(tmp_path)])
    assert code == 0
    assert ", Wed 1 Apr 2026 to Wed 31 Mar 2027" in capsys.readouterr().out.splitlines()[0]


def test_the_reminders_of_a_day_given_in_uk_order(demo, capsys):
    url = demo.url.render_as_string(hide_password=False)
    assert main(["remind", "--date", "30/11/2026", "--dry-run", "--db", url]) == 0
    assert "Mon 30 Nov 2026" in capsys.readouterr().out


@pytest.mark.parametrize("argv, says", [
    (["remind", "--date", "2026-13-01"], "argument --date: there is no month 13"),
    (["remind", "--date", "31/02/2027"], "argument --date: there is no 31 February 2027"),
    (["report", "actions", "--from", "29/02/2027"],
     "argument --from: there is no 29 February 2027; 2027 is not a leap year"),
    (["report", "actions", "--to", "soon"], "argument --to: 'soon' is not a date; write it like 2 March 2027 or "
                                            "02/03/2027"),
])
def test_a_bad_date_on_the_command_line_is_refused_in_words(argv, says, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert says in error and "fromisoformat" not in error


def test_the_console_asks_again_for_an_impossible_date_in_a_form(chat):
    out = io.StringIO()
    typed = "meeting add\naudit\n31/02/2027\n02/03/2027\n2.30pm\n\n"
    console = Console(chat.dispatcher, ADMIN, stdin=io.StringIO(typed), stdout=out)
    assert asyncio.run(console.run()) == 0
    text = out.getvalue()
    assert "There is no 31 February 2027." in text
    assert "Multi-Agency Audit Group on Tue 2 Mar 2027 14:30" in text
