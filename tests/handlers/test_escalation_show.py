"""`escalation ID`: one escalation in full, to whoever may see it, with the notes only for those handling it."""

from sqlmodel import Session, func, select

from bot.demo import demo_yaml
from messages.email_html import for_email
from messages.plain import render_plain
from models.db import session_for
from models.escalations import Escalation, EscalationStageChange
from models.loader import load_text
from tests.conftest import ADMIN, CHAIR, HOUSING, POLICE, PRACTITIONER

NOTE = "Strategy meeting booked with the housing lead for Friday"


def everything_said(reply) -> str:
    """Every word the reply carries, however it is drawn."""
    return render_plain(reply)


def how_many_escalations(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Escalation)).one()


async def test_a_handler_sees_its_stages_who_moved_it_and_every_note(chat):
    assert (await chat(ADMIN, "escalation ack 1")).changed
    assert (await chat(ADMIN, f"escalation stage 1 2 {NOTE}")).changed
    assert (await chat(CHAIR, "escalation stage 1 2 Spoke to the HV's manager")).changed  # a note at the same stage

    reply = await chat(CHAIR, "escalation 1")

    assert not reply.is_error and reply.private
    assert reply.title.startswith("E1: routine, ") and "(closed)" not in reply.title
    assert reply.text.startswith("Disagreement with children's social care")
    fields = dict(reply.fields)
    assert fields["Raised by"].startswith("Jo Walsh, ") and fields["Stage"] == "2: Manager to manager"
    assert fields["Acknowledged"].endswith(", by Priya Shah")
    first, moved, noted = reply.items
    assert first.text.startswith("Stage 1: Practitioner to practitioner, from ") and first.text.endswith(" by Jo Walsh")
    assert moved.text.startswith("Stage 2: Manager to manager, from ") and moved.text.endswith(" by Priya Shah")
    assert dict(moved.fields) == {"Note": NOTE}
    assert noted.text.startswith("Note at stage 2 by Helen Carter, Mon 23 Nov 2026 ")  # when it was written
    assert dict(noted.fields) == {"Note": "Spoke to the HV's manager"}
    assert [b.command for b in reply.buttons] == ["escalations"]  # acknowledged: nothing to acknowledge
    # An email of it says only that there is an escalation to look at, never what it is about.
    assert reply.escalation is not None and reply.escalation.number == 1
    email = render_plain(for_email(reply))
    assert "Disagreement" not in email and NOTE not in email


async def test_the_person_who_raised_it_sees_it_moving_but_not_the_notes(chat):
    assert (await chat(ADMIN, f"escalation stage 1 2 {NOTE}")).changed
    assert (await chat(ADMIN, "escalation stage 1 2 A second note")).changed

    reply = await chat(PRACTITIONER, "escalation E1")

    said = everything_said(reply)
    assert not reply.is_error
    assert [item.text.split(",")[0] for item in reply.items] == ["Stage 1: Practitioner to practitioner",
                                                                 "Stage 2: Manager to manager"]
    assert NOTE not in said and "A second note" not in said and "Note at stage" not in said
    assert "Those handling it have made notes, which are kept for them" in reply.text
    assert [b.command for b in reply.buttons] == ["escalations"]  # she may not acknowledge her own


async def test_without_notes_the_person_who_raised_it_is_not_told_of_any(chat):
    reply = await chat(PRACTITIONER, "escalation 1")
    assert not reply.is_error and "notes" not in reply.text


async def test_an_unacknowledged_escalation_offers_acknowledging_to_a_handler(chat):
    reply = await chat(ADMIN, "escalation 1")
    assert [b.command for b in reply.buttons] == ["escalation ack 1", "escalations"]
    assert (await chat(ADMIN, reply.buttons[0].command)).changed


async def test_a_closed_escalation_shows_when_it_was_closed_and_its_outcome(chat):
    assert (await chat(ADMIN, "escalation close 1 Joint visit agreed; case stays open to the HV")).changed

    for email in (ADMIN, PRACTITIONER):
        reply = await chat(email, "escalation 1")
        assert reply.title.startswith("E1 (closed): ")
        fields = dict(reply.fields)
        assert fields["Outcome"] == "Joint visit agreed; case stays open to the HV" and "Closed" in fields
        assert "escalation ack 1" not in [b.command for b in reply.buttons]


async def test_someone_not_involved_finds_it_exactly_as_one_that_does_not_exist(chat):
    for email in (POLICE, HOUSING):
        theirs = await chat(email, "escalation 1")
        missing = await chat(email, "escalation 99")
        assert theirs.is_error and "Disagreement" not in everything_said(theirs)
        assert theirs.text == missing.text.replace("E99", "E1")


async def test_a_number_written_in_another_script_is_not_a_number(chat):
    for line in ("escalation \u00b2", "escalation stage 1 \u00b2", "action done \u00b2"):
        reply = await chat(ADMIN, line)
        assert reply.is_error and "went wrong" not in reply.text, line


async def test_whoever_it_is_assigned_to_sees_it_with_its_notes(chat):
    assert (await chat(ADMIN, f"escalation stage 1 2 {NOTE}")).changed
    assert (await chat(ADMIN, f"escalation assign 1 {POLICE}")).changed
    reply = await chat(POLICE, "escalation 1")
    assert not reply.is_error and dict(reply.fields)["Assigned to"] == "DI Mark Evans"
    assert NOTE in everything_said(reply)


async def test_words_meant_as_a_concern_are_not_repeated_and_nothing_is_saved(chat, demo):
    before = how_many_escalations(demo)

    reply = await chat(PRACTITIONER, "escalation urgent Tyler Smith is not being seen at school")

    assert reply.is_error and "escalate" in reply.text and "Nothing was saved" in reply.text
    assert "tyler" not in everything_said(reply).lower() and "urgent" not in reply.text.lower()
    assert how_many_escalations(demo) == before


async def test_the_list_of_escalations_offers_each_in_full(chat):
    for email in (ADMIN, PRACTITIONER):
        listed = await chat(email, "escalations")
        for item in listed.items:
            number = item.key.split(":")[1]
            assert f"escalation {number}" in [b.command for b in item.buttons]
            shown = await chat(email, f"escalation {number}")
            assert not shown.is_error and shown.title.startswith(f"E{number}")


async def test_help_for_escalation_lists_the_commands_a_handler_has_for_one(chat):
    handler = await chat(ADMIN, "help escalation")
    assert "`escalation ID`" in handler.text and "`escalation ack ID`" in handler.text
    practitioner = await chat(PRACTITIONER, "help escalation")
    assert "`escalation ID`" in practitioner.text and "escalation ack" not in practitioner.text


def test_a_loaded_escalations_later_stages_name_nobody_as_having_moved_it(engine, clock):
    """The partnership file says what stage it reached, not who moved it there."""
    with session_for(engine) as session:
        load_text(demo_yaml(clock.now().date(), history=True), session=session)
    with Session(engine) as session:
        loaded = session.exec(select(Escalation).where(Escalation.stage > 1)).all()
        assert loaded
        for escalation in loaded:
            history = session.exec(select(EscalationStageChange).where(
                EscalationStageChange.escalation_id == escalation.id).order_by(EscalationStageChange.stage)).all()
            assert history[0].by_id == escalation.raised_by_id
            assert [entry.by_id for entry in history[1:]] == [None] * (escalation.stage - 1)


async def test_an_escalation_is_not_given_to_the_person_who_raised_it(chat, demo):
    reply = await chat(CHAIR, f"escalation assign 1 {PRACTITIONER}")
    assert reply.is_error and "Jo Walsh raised E1, so someone else handles it" in reply.text
    with Session(demo) as session:
        assert session.get(Escalation, 1).assigned_to_id is None
    assert (await chat(PRACTITIONER, "escalation close 1 I decided it is fine")).is_error


async def test_a_stage_move_refused_for_its_note_says_the_stage_did_not_change(chat, demo):
    reply = await chat(ADMIN, "escalation stage 1 2 NHS 943 476 5919 seen by GP")
    assert reply.is_error and reply.text.startswith("Nothing changed: E1 is still at stage 1.")
    assert "943 476 5919" not in reply.text
    with Session(demo) as session:
        assert session.get(Escalation, 1).stage == 1
    same = await chat(ADMIN, "escalation stage 1 1 NHS 943 476 5919 seen by GP")  # a note alone
    assert same.is_error and same.text.startswith("The stage note was not saved.")
    agreed = await chat(ADMIN, "escalation agree 1 visit Tyler Smith born 3/4/2019")
    assert agreed.is_error and agreed.text.startswith("The actions agreed were not saved.")


async def test_words_after_the_number_are_not_taken_for_a_note(chat, demo):
    reply = await chat(ADMIN, "escalation 1 Spoke to CSC manager today")
    assert not reply.is_error and not reply.changed
    assert reply.text.startswith("Nothing was added to E1: `escalation 1` only shows it. To add a note, type "
                                 "`escalation stage 1 1 NOTE`.")
    assert "CSC manager" not in everything_said(reply)
    with Session(demo) as session:
        assert session.exec(select(func.count()).select_from(EscalationStageChange)).one() == 1


async def test_a_closed_escalation_says_who_closed_it(chat):
    assert (await chat(ADMIN, "escalation close 1 Joint visit agreed")).changed
    reply = await chat(PRACTITIONER, "escalation 1")
    assert dict(reply.fields)["Closed"].endswith(", by Priya Shah")


async def test_a_long_history_shows_the_latest_entries_and_says_how_many_earlier_ones_are_not_shown(chat):
    from handlers.escalation_show import MAX_HISTORY

    for n in range(1, MAX_HISTORY + 4):
        assert (await chat(ADMIN, f"escalation stage 1 1 Follow-up call number {n}")).changed

    reply = await chat(ADMIN, "escalation 1")

    assert len(reply.items) == MAX_HISTORY
    assert reply.more == 4 and reply.more_hint == "earlier entries of its history are not shown"
    assert dict(reply.items[-1].fields) == {"Note": f"Follow-up call number {MAX_HISTORY + 3}"}  # the latest kept
    assert not any(item.text.startswith("Stage 1: Practitioner to practitioner") for item in reply.items)
    raiser = await chat(PRACTITIONER, "escalation 1")  # the notes are not theirs: nothing is left out for them
    assert raiser.more == 0 and raiser.more_hint is None
