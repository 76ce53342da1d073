"""A child's details typed anywhere are refused, and kept nowhere: not in any column of any table, not in
the log, not in a redrawn form. Each kind of identifier goes through every field a person can type
into, in one line and as a form; the Slack modal and the Teams card are in tests/bot."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.console import Console
from handlers.dispatch import Dispatcher
from tests.conftest import ADMIN, CHAIR, PRACTITIONER

# Each written as people write them, with what the search below looks for (its digits or letters).
IDENTIFIERS = {
    "NHS number": ("NHS 943.476.5919", "9434765919"),
    "NHS number in words": ("nhs nine four three four seven six five nine one nine", "nine four three four"),
    "postcode": ("lives at b91-3qj", "b913qj"),
    "date of birth": ("DOB 01/02/2019", "01022019"),
}


DIGEST = re.compile(r"[0-9a-f]{32,}")  # a hash or a random token: made by the bot, never typed


def everything_stored(engine) -> str:
    """Every value in every table, squashed the way the search compares (lower case, no separators)
    and each kept apart from the next by "|", so that the end of one value and the start of the
    next never read as one. Hashes and random tokens are left out: their hex digits would now and
    then spell a date's digits by chance."""
    found = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(text(f'SELECT * FROM "{table.name}"')):
                found += [squash(str(value)) for value in row if not DIGEST.fullmatch(str(value))]
    return "|".join(found)


def squash(value: str) -> str:
    return re.sub(r"[\s./\-\u00a0]", "", value.lower())


def kept_nowhere(engine, caplog, needle: str, *replies) -> None:
    target = squash(needle)
    assert target not in everything_stored(engine)
    assert target not in squash(caplog.text)
    for reply in replies:
        shown = [reply.text, *(reply.errors or {}).values()]
        if reply.form is not None:
            shown += [f.initial or "" for f in reply.form.fields]
        assert target not in squash(" ".join(shown)), shown


LINES = [
    "escalate routine practice: {x} not seen by HV",
    "escalate urgent {x} not seen by HV",  # no category: the form comes back, filled in as far as it is safe
    "escalation stage 1 2 {x} discussed with the manager",
    "escalation close 1 {x} agreed at stage 2",
    "action add owner=mark.evans@police.example.org due=2027-01-29 Visit {x} family",
    "action update 2 Spoke to {x}",
    "paper add arg owner=rachel.green@icb.example.org Case study {x}",
    "meeting add arg 2027-03-02 10:00 {x} community centre",
]


@pytest.mark.parametrize("kind", list(IDENTIFIERS))
@pytest.mark.parametrize("line", LINES)
async def test_a_child_s_details_typed_in_one_line_are_refused_and_kept_nowhere(chat, demo, caplog, kind, line):
    typed, needle = IDENTIFIERS[kind]
    who = PRACTITIONER if line.startswith("escalate ") else ADMIN if "close" in line or "stage" in line else CHAIR
    with caplog.at_level(logging.DEBUG):
        reply = await chat(who, line.format(x=typed))
    assert reply.is_error or reply.errors, reply.text
    assert not reply.changed
    kept_nowhere(demo, caplog, needle, reply)


@pytest.mark.parametrize("kind", list(IDENTIFIERS))
async def test_the_escalation_form_is_refused_and_redrawn_without_the_identifier_but_with_the_rest(
        chat, demo, caplog, kind):
    typed, needle = IDENTIFIERS[kind]
    form = {"category": "practice", "urgency": "routine", "summary": f"Audit found {typed} on a shared drive",
            "case_reference": "CH-20417"}
    with caplog.at_level(logging.DEBUG):
        reply = await chat(PRACTITIONER, "escalate", form=form)
    assert reply.errors and set(reply.errors) == {"summary"}
    again = {f.name: f.initial for f in reply.form.fields}
    assert again["category"] == "practice" and again["urgency"] == "routine" and again["case_reference"] == "CH-20417"
    assert again["summary"].startswith("Audit found ") and again["summary"].endswith(" on a shared drive")
    assert "removed]" in again["summary"]
    kept_nowhere(demo, caplog, needle, reply)
    reference = await chat(PRACTITIONER, "escalate", form={**form, "summary": "Audit found files on a shared drive",
                                                           "case_reference": "943 476 5919"})
    assert set(reference.errors) == {"case_reference"}
    kept_nowhere(demo, caplog, "9434765919", reference)


async def test_the_console_form_refuses_and_keeps_nothing(demo, clock, caplog):
    import io

    typed, needle = IDENTIFIERS["NHS number"]
    # The summary is refused as it is typed, and asked again; the person then leaves the form.
    answers = io.StringIO(f"escalate\n1\n1\nChild {typed} not seen\ncancel\n")
    out = io.StringIO()
    with caplog.at_level(logging.DEBUG):
        await Console(Dispatcher(demo, clock=clock), PRACTITIONER, stdin=answers, stdout=out).run()
    refused = out.getvalue().split(f"Child {typed} not seen", 1)[1]
    assert "looks like an NHS number" in refused and "Left the form; nothing was saved." in refused
    assert squash(needle) not in squash(refused)  # never shown back
    kept_nowhere(demo, caplog, needle)


# Lines whose problem repeats what was typed: an unknown command, id, person, group or date.
ECHOED = [
    (CHAIR, "9434765919", "9434765919"),
    (CHAIR, "B913QB please", "b913qb"),
    (ADMIN, "escalation assign 1 943 476 5919", "9434765919"),
    (CHAIR, "attend arg deputy 943 476 5919", "9434765919"),
    (CHAIR, 'action add owner="943 476 5919" due=2027-01-29 Visit the family', "9434765919"),
    (CHAIR, 'action add owner=mark.evans@police.example.org due="DOB 12/03/2019" Visit the family', "12032019"),
    (CHAIR, "papers 9434765919", "9434765919"),
    (CHAIR, "meetings B913QB", "b913qb"),
    (CHAIR, "action done B913QB", "b913qb"),
    (ADMIN, "actions agency B913QB", "b913qb"),
    (CHAIR, "attended 1 child Tyler Smith yes", "smith"),  # quoted back as 'child Tyler Smith'
]


@pytest.mark.parametrize(("who", "line", "needle"), ECHOED)
async def test_a_problem_that_repeats_what_was_typed_masks_a_child_s_details(chat, demo, caplog, who, line, needle):
    with caplog.at_level(logging.DEBUG):
        reply = await chat(who, line)
    assert reply.is_error, reply.text
    assert "removed]" in " ".join([reply.text, *(reply.errors or {}).values()]), reply.text
    kept_nowhere(demo, caplog, needle, reply)


async def test_a_choice_that_is_not_one_of_the_form_s_own_is_not_drawn_again(chat, demo, caplog):
    """A chat's own controls send only their choices; anything else sent back is not repeated."""
    form = {"category": "cat 943 476 5919", "urgency": "B91 3QB", "summary": "Audit found files on a shared drive"}
    with caplog.at_level(logging.DEBUG):
        reply = await chat(PRACTITIONER, "escalate", form=form)
    again = {f.name: f.initial for f in reply.form.fields}
    assert reply.errors and again["category"] is None and again["urgency"] == "routine"  # the default
    assert again["summary"] == "Audit found files on a shared drive"
    kept_nowhere(demo, caplog, "9434765919", reply)
    kept_nowhere(demo, caplog, "b913qb", reply)


async def test_a_form_s_problem_never_quotes_a_child_s_details_back(chat, demo, caplog):
    """A date field sent with an NHS number in it (a chat's date picker cannot, data made by hand can)."""
    with caplog.at_level(logging.DEBUG):
        reply = await chat(CHAIR, "meeting add", form={"group": "arg", "date": "943 476 5919", "time": "10:00"})
    assert reply.errors and "date" in reply.errors and "removed]" in reply.errors["date"]
    kept_nowhere(demo, caplog, "9434765919", reply)


async def test_a_refused_form_masks_a_problem_that_quotes_what_was_sent(chat, monkeypatch):
    """Whatever a handler's own problem quotes, the redrawn form shows it masked: the dispatcher
    masks every reply's problems, whichever handler found them (here one made for the test)."""
    from handlers.core import EVERYONE, REGISTRY, Verb
    from handlers.escalations import escalation_form
    from handlers.forms import refused

    def quoting(cmd, ctx):
        return refused(ctx, escalation_form(), {"summary": "x"},
                       {"summary": "'943 476 5919' is not something I can save"})

    monkeypatch.setitem(REGISTRY, "quoting", Verb("quoting", quoting, "", "", "", EVERYONE))
    reply = await chat(PRACTITIONER, "quoting")
    assert reply.errors["summary"] == "'[NHS number removed]' is not something I can save"


async def test_the_console_never_quotes_a_child_s_details_back_at_a_form_s_question(demo, clock, caplog):
    """The date asked for, typed as an NHS number: the console says it is not a date without repeating it."""
    import io

    answers = io.StringIO("meeting add\n1\n943 476 5919\ncancel\n")
    out = io.StringIO()
    with caplog.at_level(logging.DEBUG):
        await Console(Dispatcher(demo, clock=clock), CHAIR, stdin=answers, stdout=out).run()
    asked_again = out.getvalue().split("943 476 5919", 1)[1]
    assert "is not a date" in asked_again and "[NHS number removed]" in asked_again
    assert "9434765919" not in squash(asked_again)
    kept_nowhere(demo, caplog, "9434765919")



@pytest.mark.parametrize(("summary", "refilled", "needles"), [
    ("referral for Tyler Smith born 3rd April 2019 not actioned",
     "referral for [name removed] born [date removed] not actioned", ("Tyler", "Smith", "3rd April 2019")),
    ("a girl called Amy Louise Jones was not seen", "a girl called [name removed] was not seen",
     ("Amy", "Louise", "Jones")),
])
async def test_a_whole_name_is_refused_and_no_part_of_it_is_kept_sent_or_shown(chat, demo, caplog, summary,
                                                                                refilled, needles):
    """A name straight before "born" and a date (no word for a child before it), or of three words:
    refused, and the form comes back without any of it, so sending it again saves and tells nobody it."""
    with caplog.at_level(logging.DEBUG):
        reply = await chat(PRACTITIONER, f"escalate routine practice: {summary}")
        assert reply.errors and not reply.changed
        assert "looks like a child's name" in reply.errors["summary"]
        again = {f.name: f.initial for f in reply.form.fields}
        assert again["summary"] == refilled
        sent_again = await chat(PRACTITIONER, "escalate", form={k: v for k, v in again.items() if v})
    assert sent_again.changed and chat.sent  # saved, and sent to those who handle escalations
    everything = [reply, sent_again, *(notice for _, notice in chat.sent)]
    for needle in needles:
        kept_nowhere(demo, caplog, needle, *everything)
        assert squash(needle) not in squash(repr(everything))


async def test_a_childs_name_quoted_back_in_a_refusal_is_masked_whole(chat):
    for line in ("action done 2 Tyler Smith born 3/4/2019", "return done 4 Tyler Smith born 3/4/2019"):
        reply = await chat(CHAIR, line)
        assert reply.is_error and "Nothing was saved" in reply.text
        assert "Tyler" not in reply.text and "Smith" not in reply.text and "[name removed]" in reply.text, line
