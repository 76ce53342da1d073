"""Free text is kept as it was typed: its apostrophes (straight or curly), quotes and spacing.

A command's words are read for the group, meeting, date or time they name; the title, place, note
or outcome after them is the rest of the line exactly as typed. Quotes group words only in a
key=value option whose value holds spaces (owner="Mark Evans"), and a stray apostrophe is just an
apostrophe: it never makes a command fail, nor is it dropped.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from handlers.confirm import command_line
from handlers.core import UserError, parse_command
from handlers.fields import as_typed, split_fields
from models.escalations import Escalation, EscalationStageChange
from models.meetings import Meeting, Paper
from models.partnership import Member
from models.work import Action, ActionUpdate, DataReturn
from tests.conftest import ADMIN, CHAIR, DEPUTY_CHAIR, POLICE

OWNER = f"owner={POLICE}"
# The handlers below join their words back up until their owners take the text with as_typed:
# strict, so each mark is taken off when that change is made.
CURLY = "The LA\u2019s \u201cThink Family\u201d plan \u2018as agreed\u2019"


def last(engine, table):
    with Session(engine) as session:
        return session.exec(select(table).order_by(table.id.desc())).first()


# --- the Command: the text after the words a handler reads ----------------------------------------

@pytest.mark.parametrize("typed", [
    "Children's and young people's voice",
    'Review the "Working Together" chapter',
    "Review   the  plan\twith schools",
    "The LA's plan",  # one apostrophe: a stray quote
    "'Tis the teams' plan",
    "Review \"the plan",
    CURLY,
    "Share C:\\audit\\findings with schools",
])
def test_the_text_after_the_words_is_as_typed(typed):
    cmd = parse_command(f"paper add arg {OWNER} {typed}  ")
    assert cmd.text_after(1, options=True) == typed.strip()


def test_options_before_between_and_after_the_text_are_fields_not_text():
    cmd = parse_command(f"meeting add arg {OWNER} 2027-03-03 10:00 St Mary's Hall,  Children's Centre confirm=yes")
    fields, words = split_fields(cmd)
    assert fields == {"owner": POLICE, "confirm": "yes"}
    assert words[:3] == ["arg", "2027-03-03", "10:00"]
    assert cmd.text_after(3, options=True) == "St Mary's Hall,  Children's Centre"


def test_as_typed_takes_the_text_after_the_words_the_handler_read():
    cmd = parse_command(f"meeting add arg {OWNER} 2027-03-03 10:00 St Mary's  Hall confirm=yes")
    _fields, words = split_fields(cmd)
    assert as_typed(cmd, words[3:]) == "St Mary's  Hall"
    assert as_typed(cmd, words[1:]) == "2027-03-03 10:00 St Mary's  Hall"
    assert as_typed(cmd, []) == ""


def test_an_option_in_the_middle_of_the_text_is_refused_not_guessed():
    cmd = parse_command(f"action add {OWNER} Set the target=90% for audits due=2027-01-29")
    with pytest.raises(UserError) as refused:
        cmd.text_after(0, options=True)
    assert "`target=` is in the middle of the text" in refused.value.message


def test_without_options_every_word_counts_and_the_rest_is_as_typed():
    cmd = parse_command("escalation stage 1 2 Manager's call:  ratio=3:1 'agreed")
    assert cmd.text_after(2) == "Manager's call:  ratio=3:1 'agreed"
    assert cmd.text_after(9) == ""


@pytest.mark.parametrize("line, fields", [
    ('action add owner="Mark Evans" due=2027-01-29', {"owner": "Mark Evans", "due": "2027-01-29"}),
    ("meeting add arg location='St Mary's Hall'", {"location": "St Mary's Hall"}),
    ("action add source='O'Neill  review' title=\"The LA's plan\"",
     {"source": "O'Neill  review", "title": "The LA's plan"}),
    ("action add source=O'Neill", {"source": "O'Neill"}),
    ("action add source='Neglect audit", {"source": "'Neglect"}),  # never closed: as typed
    ("action add source=\u201cNeglect audit\u201d", {"source": "Neglect audit"}),
])
def test_a_quoted_option_value_holds_spaces_and_apostrophes(line, fields):
    assert split_fields(parse_command(line))[0] == fields


@pytest.mark.parametrize("value", ["Children's plan", 'The "Think Family" plan', "a  b", "it's 'quoted'", "\u2019"])
def test_what_the_confirm_button_writes_reads_back_the_same(value):
    line = command_line("action add", "arg", owner=POLICE, title=value)
    assert split_fields(parse_command(line))[0]["title"] == value


def test_a_single_apostrophe_never_makes_the_words_unreadable():
    assert parse_command("escalation assign 1 Siobhan O'Neill").args == ("1", "Siobhan", "O'Neill")
    assert parse_command("attend arg deputy ' sam").args == ("arg", "deputy", "'", "sam")


# --- in chat: what is saved ------------------------------------------------------------------------

async def test_an_option_value_with_an_apostrophe_is_saved_whole(chat, demo):
    reply = await chat(CHAIR, f"action add {OWNER} due=2027-01-29 source='St Mary's review' "
                              f"title=\"The LA's plan\"")
    assert reply.changed
    saved = last(demo, Action)
    assert (saved.title, saved.source) == ("The LA's plan", "St Mary's review")


async def test_a_progress_note_is_saved_as_typed(chat, demo):
    reply = await chat(POLICE, "action update 3 Chair's note:  it's with the LA's \"front door\" team")
    assert reply.changed
    assert last(demo, ActionUpdate).text == "Chair's note:  it's with the LA's \"front door\" team"


async def test_a_papers_title_is_saved_as_typed(chat, demo):
    reply = await chat(ADMIN, f"paper add arg {OWNER} Children's and young people's  voice")
    assert reply.changed and "\"Children's and young people's  voice\"" in reply.text
    assert last(demo, Paper).title == "Children's and young people's  voice"


async def test_a_meetings_place_is_saved_as_typed(chat, demo):
    reply = await chat(ADMIN, "meeting add arg 2027-03-03 10:00 St Mary's Hall,  Children's Centre")
    assert reply.changed and "St Mary's Hall,  Children's Centre" in reply.text
    assert last(demo, Meeting).location == "St Mary's Hall,  Children's Centre"


async def test_an_actions_title_is_saved_as_typed_with_curly_and_straight_quotes(chat, demo):
    for title in ("Review the team's and the ICB's plan", 'Review the "Think Family"  plan', CURLY):
        reply = await chat(CHAIR, f"action add {OWNER} due=2027-01-29 {title}")
        assert reply.changed
        assert last(demo, Action).title == title


async def test_an_action_with_a_stray_apostrophe_is_added_not_refused(chat, demo):
    reply = await chat(CHAIR, f"action add {OWNER} due=2027-01-29 Check the LA's  returns")
    assert reply.changed
    assert last(demo, Action).title == "Check the LA's  returns"


async def test_an_option_inside_a_typed_title_is_refused_and_nothing_is_added(chat, demo):
    before = last(demo, Action).id
    reply = await chat(CHAIR, f"action add {OWNER} Set the target=90% for audits due=2027-01-29")
    assert reply.is_error and "has no `target=`" in reply.text and 'as title="..."' in reply.text
    reply = await chat(CHAIR, f"action add {OWNER} Set the source=audit target for audits due=2027-01-29")
    assert reply.is_error and "`source=` is in the middle of the text" in reply.text
    assert last(demo, Action).id == before


async def test_an_overdue_action_confirmed_by_its_button_keeps_its_title(chat, demo):
    title = "Share the teams' and the ICB's \"audit\"  findings"
    reply = await chat(CHAIR, f"action add {OWNER} due=2026-11-02 {title}")
    assert not reply.changed and reply.buttons
    added = await chat(CHAIR, reply.buttons[0].command)
    assert added.changed
    assert last(demo, Action).title == title


async def test_a_returns_title_and_a_members_name_are_saved_as_typed(chat, demo):
    reply = await chat(ADMIN, f"return add kind=dataset agency=police {OWNER} due=2027-04-15 Children's  dataset")
    assert reply.changed
    assert last(demo, DataReturn).title == "Children's  dataset"
    reply = await chat(ADMIN, "member add Siobhan O'Neill-D'Arcy email=siobhan.oneill@housing.example.org "
                              "agency=housing")
    assert reply.changed
    assert last(demo, Member).name == "Siobhan O'Neill-D'Arcy"


async def test_an_escalations_stage_note_and_outcome_are_saved_as_typed(chat, demo):
    assert (await chat(ADMIN, "escalation assign 1 amara.okafor@icb.example.org")).changed
    assert (await chat(ADMIN, "escalation stage 1 2 The LA's and the ICB's leads  to meet")).changed
    closed = await chat(DEPUTY_CHAIR, "escalation close 1 Joint visit agreed; the school's \"plan\" updated")
    assert closed.changed
    with Session(demo) as session:
        assert session.get(Escalation, 1).outcome == "Joint visit agreed; the school's \"plan\" updated"
    assert last(demo, EscalationStageChange).note == "The LA's and the ICB's leads  to meet"


async def test_an_outcome_typed_as_only_quotes_is_asked_for_not_saved(chat, demo):
    assert (await chat(ADMIN, "escalation assign 1 amara.okafor@icb.example.org")).changed
    reply = await chat(DEPUTY_CHAIR, 'escalation close 1 ""')
    assert not reply.changed and "outcome" in reply.text.lower()
    with Session(demo) as session:
        assert session.get(Escalation, 1).closed_at is None


def test_text_after_a_command_that_is_only_quotes_is_empty():
    assert parse_command("escalation close 1 \"\"").text_after(1) == ""
    assert parse_command("escalation close 1 ' '").text_after(1) == ""
    assert parse_command("escalation close 1 \"done\"").text_after(1) == "done"  # all one quoted piece
    assert parse_command("escalation close 1 \"done\" today").text_after(1) == "\"done\" today"


@pytest.mark.parametrize("value", ["Send Dr O'Neill's GP data", "two  words", 'say "hi" now', "C:\\audit\\x",
                                   "\u201ccurly\u201d", "'quoted'", "plain"])
def test_a_buttons_command_reads_back_its_values_and_quotes_them_as_a_person_would(value):
    line = command_line("action add", owner=POLICE, title=value)
    assert split_fields(parse_command(line))[0]["title"] == value
    if "'" in value and '"' not in value:
        assert f'title="{value}"' in line  # not the shell's '...'"'"'...'
