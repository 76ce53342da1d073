"""A key=value option a command does not read is refused, never dropped; `help COMMAND` says how
to use one command.

`meeting add arg 2027-01-20 10:00 Room 4 plce=Town` used to add the meeting and quietly drop
`plce=`; `action add ownr=...` to fall back on another owner. Each command that reads options
declares them, and anything else typed as key=value is answered with what it reads, before
anything is saved.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from handlers.core import REGISTRY
from models.meetings import Meeting
from models.partnership import Member
from models.work import Action, DataReturn
from tests.conftest import ADMIN, CHAIR, POLICE, PRACTITIONER


def count(engine, table) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


@pytest.mark.parametrize(("line", "table"), [
    ("meeting add arg 2027-01-20 10:00 Room 4 County Hall plce=Town", Meeting),
    (f"action add ownr={POLICE} due=2027-01-29 Refresh the neglect toolkit", Action),
    (f"action add owner={POLICE} due=2027-01-29 Refresh the neglect toolkit sorce=audit", Action),
    (f"return add title=Dataset kind=dataset agency=police owner={POLICE} period=Q3 due=2027-01-15 dew=2027-02-01",
     DataReturn),
    ("member add name=\"Sam Lee\" email=sam.lee@housing.example.org agency=housing grop=arg", Member),
])
async def test_an_option_the_command_does_not_read_is_refused_and_nothing_is_saved(chat, demo, line, table):
    before = count(demo, table)
    reply = await chat(ADMIN, line)
    slip = next(word.partition("=")[0] for word in line.split() if word.partition("=")[0] in
                ("plce", "ownr", "sorce", "dew", "grop"))
    assert f"has no `{slip}=`, so nothing was done" in reply.text
    assert "It reads" in reply.text and REGISTRY[" ".join(line.split()[:2])].usage in reply.text
    assert count(demo, table) == before


async def test_the_refusal_names_the_key_but_never_repeats_the_value(chat, demo):
    reply = await chat(CHAIR, f"action add owner={POLICE} due=2027-01-29 child=JaydenSmith2019 Refresh the toolkit")
    assert "`child=`" in reply.text
    assert "JaydenSmith2019" not in reply.text


async def test_options_the_command_reads_still_work_in_any_case(chat, demo):
    reply = await chat(CHAIR, f"action add Owner={POLICE} DUE=2027-01-29 Refresh the neglect toolkit")
    assert reply.text.startswith("Added action #"), reply.text
    with Session(demo) as session:
        action = session.exec(select(Action).order_by(Action.id.desc())).first()
        owner = session.get(Member, action.owner_id)
    assert (action.title, owner.email, action.due_date.isoformat()) == ("Refresh the neglect toolkit", POLICE,
                                                                        "2027-01-29")


async def test_an_option_for_text_says_how_to_keep_it_in_the_text(chat, demo):
    reply = await chat(CHAIR, "meeting add arg 2027-01-20 10:00 Room 4 ratio=3")
    assert 'give the whole text in quotes as location="..."' in reply.text


async def test_someone_who_may_not_run_the_command_is_told_that_first(chat, demo):
    reply = await chat(PRACTITIONER, "meeting add arg 2027-01-20 10:00 Room 4 plce=Town")
    assert "has no `plce=`" not in reply.text
    assert "Only" in reply.text


async def test_the_confirm_button_of_a_command_with_options_is_still_offered_and_works(chat, demo):
    reply = await chat(CHAIR, f"action add owner={POLICE} due=2020-01-06 Refresh the neglect toolkit")
    [button] = reply.buttons
    assert button.command.endswith("confirm=yes")
    done = await chat(CHAIR, button.command)
    assert done.text.startswith("Added action #"), done.text


async def test_every_field_of_a_commands_form_is_an_option_it_reads(chat, demo):
    checked = 0
    for verb in REGISTRY.values():
        if verb.options is None:
            continue
        reply = await chat(ADMIN, verb.name)
        if reply.form is not None:
            assert {field.name for field in reply.form.fields} <= set(verb.options), verb.name
            checked += 1
    assert checked >= 4  # paper add, return add, action add, member add, meeting add


# --- help COMMAND -----------------------------------------------------------------------------------

async def test_help_with_a_command_says_how_to_use_it(chat, demo):
    reply = await chat(CHAIR, "help meeting add")
    verb = REGISTRY["meeting add"]
    assert reply.title == "meeting add"
    assert f"`{verb.usage}`" in reply.text and verb.example in reply.text
    assert "It reads group=, date=, time=, location=" in reply.text
    assert "confirm=" not in reply.text


async def test_help_with_a_family_lists_the_ones_this_person_may_run(chat, demo):
    chair = await chat(CHAIR, "help meeting")
    assert all(f"`{REGISTRY[name].usage}`" in chair.text for name in ("meeting add", "meeting move",
                                                                      "meeting cancel"))
    practitioner = await chat(PRACTITIONER, "help meeting")
    assert "meeting add" not in practitioner.text
    assert f"`{REGISTRY['meetings'].usage}`" in practitioner.text


async def test_help_with_a_command_not_for_them_says_who_it_is_for(chat, demo):
    reply = await chat(PRACTITIONER, "help member remove")
    assert "Only the business unit" in reply.text
    assert not reply.buttons


async def test_help_with_something_unknown_suggests_only_what_they_may_run(chat, demo):
    assert "Did you mean `quorum`?" in (await chat(PRACTITIONER, "help quorm")).text
    assert "Did you mean `member`" in (await chat(ADMIN, "help membr")).text
    reply = await chat(PRACTITIONER, "help membr")  # the member commands are the business unit's
    assert "Did you mean" not in reply.text
    assert "`help all` lists everything" in reply.text


async def test_help_about_something_unknown_never_repeats_a_childs_name(chat, demo):
    reply = await chat(PRACTITIONER, "help child Jayden Smith")
    assert "Jayden" not in reply.text and "[name removed]" in reply.text


async def test_help_and_help_all_are_as_before(chat, demo):
    assert "`help` and a command's name says how to use it" in (await chat(PRACTITIONER, "help")).text
    assert (await chat(PRACTITIONER, "HELP ALL")).title == "Everything I can do for you"
