"""snooze: a working day or a week without a reminder about an item."""

from datetime import date

from sqlmodel import Session, select

from models.snooze import Snooze
from tests.conftest import CHAIR, POLICE


async def test_snoozing_an_action_for_a_day_skips_the_next_working_days_reminder(chat, demo):
    reply = await chat(CHAIR, "snooze action 2 day")
    assert "You won't be reminded about it tomorrow; it comes back on Wed 25 Nov 2026." in reply.text
    with Session(demo) as session:
        assert session.exec(select(Snooze.until)).one() == date(2026, 11, 25)


async def test_snoozing_again_replaces_the_earlier_snooze(chat, demo):
    await chat(CHAIR, "snooze return 4 day")
    await chat(CHAIR, "snooze return 4 week")
    with Session(demo) as session:
        assert session.exec(select(Snooze.until)).all() == [date(2026, 11, 30)]


async def test_only_my_own_items_can_be_snoozed(chat):
    reply = await chat(POLICE, "snooze action 2 day")
    assert reply.is_error and "your own reminders" in reply.text


async def test_a_bad_snooze_says_how(chat):
    assert "`snooze action 12 day`" in (await chat(CHAIR, "snooze")).text
    assert "`day`" in (await chat(CHAIR, "snooze action 2 fortnight")).text


async def test_an_item_already_in_has_nothing_to_snooze(chat, demo):
    await chat(CHAIR, "paper done 3")
    await chat(CHAIR, "return done 3")
    await chat(CHAIR, "action done 2")

    paper = await chat(CHAIR, "snooze paper 3 day")
    a_return = await chat(CHAIR, "snooze return 3 week")
    action = await chat(CHAIR, "snooze action 2 day")

    assert not paper.changed and "is already marked in" in paper.text and "nothing to snooze" in paper.text
    assert not a_return.changed and "is already marked submitted" in a_return.text
    assert not action.changed and "is already done" in action.text and "nothing to snooze" in action.text
    with Session(demo) as session:
        assert session.exec(select(Snooze)).all() == []
