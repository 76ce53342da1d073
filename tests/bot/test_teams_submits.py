"""Pressing buttons and submitting forms on AssureBot's cards in Teams."""

from sqlmodel import select

from messages.teams_cards import walk
from models.db import session_for
from models.escalations import Escalation
from models.work import Action
from tests.conftest import ADMIN, CHAIR, POLICE
from tests.fakes.teams_world import (  # noqa: F401  (teams is a fixture)
    CHANNEL_ID,
    card_text,
    submit_titled,
    submits,
    teams,
    unescaped,
)


def shown(card: dict) -> str:
    return unescaped(card_text(card))


def escalations(teams) -> list[Escalation]:
    with session_for(teams.engine) as session:
        return list(session.exec(select(Escalation).order_by(Escalation.id)))


def action(teams, action_id: int) -> Action:
    with session_for(teams.engine) as session:
        return session.get(Action, action_id)


async def open_escalation_form(teams, user):
    await teams.say(user, "escalate")
    card, card_id = teams.last_card_to(teams.personal_id(user))
    return submit_titled(card, "Raise escalation"), card_id


async def test_an_escalation_submitted_from_the_form_is_recorded_once_and_the_card_shows_what_was_recorded(teams):
    mark = teams.user(POLICE)
    before = len(escalations(teams))
    submit, card_id = await open_escalation_form(teams, mark)
    activity = teams.submit(mark, submit, card_id, inputs=teams.form_inputs(
        submit, category="capacity", urgency="routine", summary="Two police desk posts vacant since October",
        case_reference="POL-2291"))
    await teams.post(activity)

    saved = escalations(teams)[-1]
    assert len(escalations(teams)) == before + 1
    assert (saved.category, saved.urgency, saved.case_reference) == ("capacity", "routine", "POL-2291")
    update = teams.connector.updates(teams.personal_id(mark))[-1]
    assert update.activity_id == card_id  # the same card, updated in place
    card = update.card
    assert f"Escalation E{saved.id} saved" in shown(card)
    assert "Capacity or resourcing concern" in shown(card)
    assert "Two police desk posts vacant since October" in shown(card)
    assert not [n for n in card["body"] if n["type"].startswith("Input.")]
    assert submits(card) == []  # nothing left to press twice


async def test_a_submit_replayed_twice_records_one_escalation_and_says_it_was_already_recorded(teams):
    mark = teams.user(POLICE)
    before = len(escalations(teams))
    submit, card_id = await open_escalation_form(teams, mark)
    activity = teams.submit(mark, submit, card_id, inputs=teams.form_inputs(
        submit, category="audit", urgency="routine", summary="Audit found no chronology in 4 of 10 files"))
    await teams.post(activity)
    await teams.post(dict(activity, id="replayed-1"))
    await teams.post(dict(activity, id="replayed-2"))

    assert len(escalations(teams)) == before + 1
    assert len(teams.connector.updates(teams.personal_id(mark))) == 1
    later = teams.cards_to(teams.personal_id(mark))[-2:]
    assert all("already recorded, so nothing changed" in shown(c) for c in later)


async def test_a_refused_summary_comes_back_on_the_same_card_with_the_reason_and_can_then_be_corrected(teams):
    mark = teams.user(POLICE)
    before = len(escalations(teams))
    submit, card_id = await open_escalation_form(teams, mark)
    await teams.post(teams.submit(mark, submit, card_id, inputs=teams.form_inputs(
        submit, category="practice", urgency="routine", summary="Child born 03/04/2015 not seen by social worker")))

    assert len(escalations(teams)) == before
    refused = teams.connector.updates(teams.personal_id(mark))[-1]
    assert refused.activity_id == card_id
    assert "Nothing has been saved" in shown(refused.card)
    assert "it mentions a date of birth" in shown(refused.card)
    assert "case reference" in shown(refused.card)
    # The card comes back with what was safe kept, and the date of birth neither shown nor stored with it.
    assert "03/04/2015" not in str(refused.card) and "removed]" in str(refused.card)
    from tests.handlers.test_no_identifiers_kept import everything_stored, squash

    assert squash("03/04/2015") not in everything_stored(teams.engine)
    again = submit_titled(refused.card, "Raise escalation")
    await teams.post(teams.submit(mark, again, card_id, inputs=teams.form_inputs(
        again, category="practice", urgency="routine", summary="Child CS-4410 not seen by social worker")))
    assert len(escalations(teams)) == before + 1
    assert escalations(teams)[-1].summary == "Child CS-4410 not seen by social worker"


async def test_pressing_done_on_one_listed_action_updates_that_item_and_leaves_the_others(teams):
    helen = teams.user(CHAIR)
    await teams.say(helen, "actions")
    card, card_id = teams.last_card_to(teams.personal_id(helen))
    await teams.post(teams.submit(helen, submit_titled(card, "Done", item="action:2"), card_id))

    assert action(teams, 2).status == "done"
    assert action(teams, 4).status == "open"
    updated = teams.connector.updates(teams.personal_id(helen))[-1].card
    assert "is done, on " in shown(updated)
    assert "Add voice of the child prompt to strategy meeting template" in shown(updated)
    done_buttons = [a["data"]["assurebot"]["item"] for a in submits(updated) if a["title"] == "Done"]
    assert done_buttons == ["action:4"]
    # A second press of the old button (a double tap, or an old copy of the card) records nothing.
    await teams.post(teams.submit(helen, submit_titled(card, "Done", item="action:2"), card_id))
    assert "already recorded" in shown(teams.cards_to(teams.personal_id(helen))[-1])
    # The other item still works from the updated card.
    await teams.post(teams.submit(helen, submit_titled(updated, "Done", item="action:4"), card_id))
    assert action(teams, 4).status == "done"


async def test_an_update_added_from_a_listed_action_is_recorded_on_that_item(teams):
    mark = teams.user(POLICE)
    await teams.say(mark, "actions")
    card, card_id = teams.last_card_to(teams.personal_id(mark))
    save = submit_titled(card, "Save update", item="action:3")
    await teams.post(teams.submit(mark, save, card_id, inputs=teams.form_inputs(
        save, text="Draft protocol shared with the council")))
    updated = teams.connector.updates(teams.personal_id(mark))[-1].card
    assert "Draft protocol shared with the council" in shown(updated)
    assert "Saved your update on action #3" in shown(updated)
    assert [a["title"] for a in submits(updated)] == ["Done"]


async def test_a_member_pressing_someone_elses_button_in_a_channel_is_refused_privately(teams):
    helen, mark = teams.user(CHAIR), teams.user(POLICE)
    await teams.say(helen, "actions all")  # in her own chat, with the buttons on her own actions
    mine, _ = teams.last_card_to(teams.personal_id(helen))
    done = submit_titled(mine, "Done", item="action:2")
    await teams.say(helen, "actions all", where="channel")  # posted for everyone, without buttons
    _, card_id = teams.last_card_to(CHANNEL_ID + ";messageid=" + _thread(teams))
    # Helen's Done pressed by Mark in the channel: as from a card posted there when shared answers
    # still had buttons, or from data made by hand.
    await teams.post(teams.submit(mark, done, card_id, where="channel", thread=card_id))

    assert action(teams, 2).status == "open"
    assert teams.connector.updates() == []  # the card in the channel is untouched
    refusal = teams.cards_to(teams.personal_id(mark))[-1]
    assert "This belongs to Helen Carter" in shown(refusal)
    channel = [c for c in teams.connector.sent() if c.conversation_id.startswith(CHANNEL_ID)]
    assert "belongs to Helen" not in " ".join(c.text for c in channel)


async def test_a_card_in_a_channel_shows_the_result_of_a_press_without_buttons(teams):
    """A card posted in a channel before shared answers lost their buttons: the owner presses Done
    there, and the card shows what was recorded, with no buttons for the others to see."""
    helen = teams.user(CHAIR)
    await teams.say(helen, "actions all")
    mine, _ = teams.last_card_to(teams.personal_id(helen))
    save = submit_titled(mine, "Save update", item="action:2")
    await teams.say(helen, "actions all", where="channel")
    _, card_id = teams.last_card_to(CHANNEL_ID + ";messageid=" + _thread(teams))
    await teams.post(teams.submit(helen, save, card_id, where="channel", thread=card_id,
                                  inputs=teams.form_inputs(save, text="Plan sent to the ICB")))
    (updated,) = [u.card for u in teams.connector.updates() if u.conversation_id.startswith(CHANNEL_ID)]
    assert "Saved your update on action #2" in shown(updated)  # whose result offers Done in her own chat
    assert not [n for n in walk(updated) if n["type"].startswith("Action.")]


async def test_attending_from_the_card_changes_the_card_to_the_answer_and_offers_the_others(teams):
    mark = teams.user(POLICE)
    await teams.say(mark, "attend arg")
    card, card_id = teams.last_card_to(teams.personal_id(mark))
    await teams.post(teams.submit(mark, submit_titled(card, "Attending"), card_id))
    updated = teams.connector.updates(teams.personal_id(mark))[-1].card
    assert "you are attending" in shown(updated)
    assert "Attending" not in [a["title"] for a in submits(updated)]
    # Changing one's mind later is a new answer, not a replay.
    await teams.post(teams.submit(mark, submit_titled(updated, "Apologies"), card_id))
    assert "your apologies" in shown(teams.connector.updates(teams.personal_id(mark))[-1].card)


async def test_a_deputy_chosen_from_the_card_form_is_recorded_and_told(teams):
    mark = teams.user(POLICE)
    await teams.say(mark, "attend arg")
    card, card_id = teams.last_card_to(teams.personal_id(mark))
    send = submit_titled(card, "Send deputy")
    await teams.post(teams.submit(mark, send, card_id, inputs=teams.form_inputs(
        send, deputy="sam.patel@police.example.org")))
    updated = teams.connector.updates(teams.personal_id(mark))[-1].card
    assert "Sam Patel will attend for you" in shown(updated)


def _thread(teams) -> str:
    asked = [c for c in teams.connector.sent() if c.conversation_id.startswith(CHANNEL_ID)][-1]
    return asked.conversation_id.split(";messageid=")[1]


async def test_a_return_form_with_a_date_that_does_not_exist_comes_back_on_the_card_with_the_answers(teams):
    from models.work import DataReturn
    from tests.conftest import ADMIN

    priya = teams.user(ADMIN)
    await teams.say(priya, "return add")
    card, card_id = teams.last_card_to(teams.personal_id(priya))
    submit = submit_titled(card, "Add return")
    answers = dict(title="Dataset Q4", kind="dataset", agency="police", owner=POLICE, period="Q4 2026/27")
    await teams.post(teams.submit(priya, submit, card_id, inputs=teams.form_inputs(submit, **answers,
                                                                                   due="2027-02-31")))
    refused = teams.connector.updates(teams.personal_id(priya))[-1]
    assert refused.activity_id == card_id  # the same card, with its form again
    assert "There is no 31 February 2027." in shown(refused.card) and "Nothing has been saved" in shown(refused.card)
    inputs = {n["id"].rsplit("-", 1)[-1]: n.get("value") for n in walk_inputs(refused.card)}
    assert inputs["title"] == "Dataset Q4" and inputs["owner"] == POLICE and inputs["kind"] == "dataset"
    again = submit_titled(refused.card, "Add return")
    await teams.post(teams.submit(priya, again, card_id, inputs=teams.form_inputs(again, **answers,
                                                                                  due="2027-02-26")))
    with session_for(teams.engine) as session:
        assert session.exec(select(DataReturn).where(DataReturn.title == "Dataset Q4")).one().due_date.day == 26


def walk_inputs(card: dict) -> list[dict]:
    return [node for node in walk(card) if node["type"].startswith("Input.")]


async def test_served_as_serve_runs_it_a_form_from_a_worker_process_is_saved_once_and_the_handlers_told(
        demo, clock):
    """`serve` works commands out in worker processes: the form, the saved escalation, the card
    updated in place and the business unit's notice are the same as from the server's own threads."""
    import multiprocessing

    from tests.fakes.teams_world import start_world, stop_world

    before = {p.pid for p in multiprocessing.active_children()}
    world = await start_world(demo, clock, processes=2)
    try:
        assert len({p.pid for p in multiprocessing.active_children()} - before) == 2
        priya = world.user(ADMIN, linked=False)  # she handles escalations, in Teams
        await world.say(priya, "whoami")
        mark = world.user(POLICE)
        submit, card_id = await open_escalation_form(world, mark)
        activity = world.submit(mark, submit, card_id, inputs=world.form_inputs(
            submit, category="capacity", urgency="urgent", summary="No cover for the MASH police desk this week"))
        await world.post(activity)
        await world.post(dict(activity, id="replayed-1"))
        saved = [e for e in escalations(world) if e.summary == "No cover for the MASH police desk this week"]
        assert len(saved) == 1
        update = world.connector.updates(world.personal_id(mark))[-1]
        assert update.activity_id == card_id and f"Escalation E{saved[0].id} saved" in shown(update.card)
        told = world.cards_to(world.personal_id(priya))
        assert told and "No cover for the MASH police desk this week" in shown(told[-1])
        world.check_cards()
    finally:
        await stop_world(world)
    assert {p.pid for p in multiprocessing.active_children()} - before == set()


async def test_a_field_added_to_the_escalation_forms_data_is_not_saved(teams):
    """Action.Submit data is the client's to edit: a field the form does not ask for is dropped."""
    mark = teams.user(POLICE)
    submit, card_id = await open_escalation_form(teams, mark)
    await teams.post(teams.submit(mark, submit, card_id, inputs=teams.form_inputs(
        submit, category="capacity", urgency="routine", summary="Two police desk posts vacant since October",
        source_link="NHS 943 476 5919, DOB 03/04/2019 https://evil.example/login")))
    saved = escalations(teams)[-1]
    assert saved.summary == "Two police desk posts vacant since October"
    assert saved.source_link is None
    assert not any("evil.example" in str(card) for card in teams.cards_to(teams.personal_id(teams.user(ADMIN))))
