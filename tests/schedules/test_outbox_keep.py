"""What a sender hands back to keep with a message (a Teams card, for its buttons) is written in the
commit that records the message as sent, not in one of its own; and if keeping it fails, the
message is still recorded as sent, so it is never sent again."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlmodel import select as model_select

from bot.delivery import Delivery
from messages.reply import Reply
from models.clock import FixedClock
from models.db import session_for
from models.delivery import OutboxMessage, OutboxStatus
from models.teams_cards import TeamsCard, keep_card
from schedules.delivery import Sent
from schedules.outbox import Outgoing, queue
from schedules.sending import flush, send_through
from tests.schedules.builders import town

DAY = date(2026, 12, 3)
NINE = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
T = OutboxMessage.__table__


def queued_for_two(engine) -> list[int]:
    with session_for(engine) as session:
        t = town(session)
        people = [t.officer, t.nurse]
        queue(session, [Outgoing(p.id, "console", DAY, "digest", Reply(title="Your day", text="1 action"))
                        for p in people], now=NINE)
        return [p.id for p in people]


def run(engine, sender) -> object:
    delivery = Delivery()
    delivery.register("console", sender)
    return asyncio.run(flush(engine, send_through(delivery), clock=FixedClock(NINE)))


def statuses(engine) -> list[str]:
    with session_for(engine) as session:
        return [row.status for row in session.exec(model_select(OutboxMessage).order_by(OutboxMessage.id))]


def test_the_card_is_kept_in_the_commit_that_records_the_message_sent(engine):
    queued_for_two(engine)
    seen_inside: list[str] = []

    async def sender(member, reply, key=None):
        def keep(connection):
            # The same transaction: the row already reads as sent here, before anything is committed.
            seen_inside.append(connection.execute(select(T.c.status).where(T.c.member_id == member.id)).scalar())
            keep_card(f"a:chat-{member.id}", f"activity-{member.id}", {"type": "AdaptiveCard", "for": member.id},
                      partnership_id=member.partnership_id, connection=connection)
        return Sent(f"activity-{member.id}", keep=keep)

    result = run(engine, sender)
    assert result.sent == 2 and seen_inside == [OutboxStatus.SENT.value] * 2
    with session_for(engine) as session:
        cards = list(session.exec(model_select(TeamsCard).order_by(TeamsCard.id)))
        ids = [row.platform_message_id for row in session.exec(model_select(OutboxMessage).order_by(OutboxMessage.id))]
    assert [c.activity_id for c in cards] == ids == [c.activity_id for c in cards]
    assert all(c.card["for"] and c.partnership_id for c in cards)


def test_a_card_that_cannot_be_kept_leaves_the_message_recorded_as_sent_and_it_is_not_sent_again(engine):
    queued_for_two(engine)
    sends: list[int] = []

    async def sender(member, reply, key=None):
        sends.append(member.id)

        def keep(connection):  # a statement the database refuses: PostgreSQL would abandon the transaction
            connection.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")
        return Sent(f"activity-{member.id}", keep=keep)

    result = run(engine, sender)
    assert result.sent == 2 and result.failed == 0
    assert statuses(engine) == [OutboxStatus.SENT.value] * 2
    assert run(engine, sender).sent == 0 and len(sends) == 2  # nothing left to send: never a second time


def test_a_keeper_that_raises_before_the_database_sees_anything_changes_nothing_either(engine):
    queued_for_two(engine)

    async def sender(member, reply, key=None):
        def keep(connection):
            raise ValueError("no card")
        return Sent(f"activity-{member.id}", keep=keep)

    assert run(engine, sender).sent == 2
    assert statuses(engine) == [OutboxStatus.SENT.value] * 2
    with session_for(engine) as session:
        assert list(session.exec(model_select(TeamsCard))) == []


def test_a_card_kept_twice_for_the_same_message_stays_as_first_kept(engine):
    with engine.begin() as connection:
        keep_card("a:chat", "activity-1", {"v": 1}, partnership_id=1, connection=connection)
        keep_card("a:chat", "activity-1", {"v": 2}, partnership_id=2, connection=connection)
    with session_for(engine) as session:
        (card,) = session.exec(model_select(TeamsCard)).all()
    assert (card.card, card.partnership_id) == ({"v": 1}, 1)
