"""A reminder from the outbox reaches a member's Teams chat once, with its card kept in the commit that
records it sent, so that pressing a button on it later updates the card in place."""

from datetime import date

from sqlmodel import select

from bot.server import DELIVERY
from messages.buttons import action_buttons
from messages.reply import Item, Reply
from models.db import session_for
from models.delivery import OutboxMessage, OutboxStatus
from models.teams_cards import TeamsCard
from models.work import Action
from schedules.outbox import Outgoing, queue
from schedules.sending import flush, send_through
from tests.conftest import CHAIR
from tests.fakes.teams_world import card_text, submit_titled, teams, unescaped  # noqa: F401  (teams is a fixture)

DAY = date(2026, 11, 25)


def digest_for(action_ids: list[int]) -> Reply:
    return Reply(title="Your day", text=f"{len(action_ids)} actions are due.", private=True,
                 items=[Item(text=f"Action {n}", key=f"action:{n}", buttons=action_buttons(n)) for n in action_ids])


async def test_a_digest_from_the_outbox_arrives_once_keeps_its_card_and_its_buttons_update_it_in_place(teams, clock):
    helen = teams.user(CHAIR, linked=False)
    await teams.post(teams.installed(helen))  # she adds AssureBot: her personal chat is saved
    member = teams.member(CHAIR)
    with session_for(teams.engine) as session:
        queue(session, [Outgoing(member.id, "teams", DAY, "digest", digest_for([2, 4]))], now=clock.now())

    result = await flush(teams.engine, send_through(teams.app[DELIVERY]), clock=clock)
    assert result.sent == 1
    reminder = teams.connector.sent(teams.personal_id(helen))[-1]
    with session_for(teams.engine) as session:
        row = session.exec(select(OutboxMessage)).one()
        (kept,) = session.exec(select(TeamsCard).where(TeamsCard.activity_id == reminder.message_id)).all()
    assert (row.status, row.platform, row.platform_message_id, row.posts) == (
        OutboxStatus.SENT.value, "teams", reminder.message_id, 1)
    assert kept.card == reminder.card and kept.partnership_id == member.partnership_id
    assert kept.conversation_id == teams.personal_id(helen)

    await teams.post(teams.submit(helen, submit_titled(reminder.card, "Done", item="action:2"), reminder.message_id))
    with session_for(teams.engine) as session:
        assert session.get(Action, 2).status == "done"
    updated = teams.connector.updates(teams.personal_id(helen))[-1]
    assert updated.activity_id == reminder.message_id  # the digest itself, not a new message
    assert "is done. Thank you" in unescaped(card_text(updated.card))
    assert "Action 4" in unescaped(card_text(updated.card))

    assert (await flush(teams.engine, send_through(teams.app[DELIVERY]), clock=clock)).sent == 0
    assert len([c for c in teams.connector.sent(teams.personal_id(helen)) if c.card and "Your day" in
                unescaped(card_text(c.card))]) == 1
