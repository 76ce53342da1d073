"""A reminder from the outbox reaches a member's Teams chat once, with its card kept in the commit that
records it sent, so that pressing a button on it later updates the card in place."""

from contextlib import contextmanager
from datetime import date

from sqlalchemy import event
from sqlmodel import select

from bot.server import DELIVERY
from messages.buttons import action_buttons
from messages.reply import Item, Reply
from models.db import session_for
from models.delivery import OutboxMessage, OutboxStatus
from models.teams_cards import TeamsCard
from models.work import Action
from schedules.outbox import UNREACHABLE, Outgoing, queue
from schedules.sending import flush, send_through
from tests.conftest import CHAIR, ICB_MEMBER, POLICE
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
    assert "is done, on " in unescaped(card_text(updated.card))
    assert "Action 4" in unescaped(card_text(updated.card))

    assert (await flush(teams.engine, send_through(teams.app[DELIVERY]), clock=clock)).sent == 0
    assert len([c for c in teams.connector.sent(teams.personal_id(helen)) if c.card and "Your day" in
                unescaped(card_text(c.card))]) == 1


@contextmanager
def selects_from(engine, table: str):
    """Every SELECT that reads `table` while the block runs."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


async def test_a_batch_reads_its_members_personal_chats_in_one_statement_each_to_their_own_newest_chat(teams, clock):
    from models.delivery import ConversationRef

    people = [teams.user(email, linked=False) for email in (CHAIR, POLICE, ICB_MEMBER)]
    for person in people:
        await teams.post(teams.installed(person))
    chair = teams.member(CHAIR)
    with session_for(teams.engine) as session:  # Helen's chat saved twice: the newer is hers now
        (saved,) = session.exec(select(ConversationRef).where(ConversationRef.member_id == chair.id)).all()
        older = ConversationRef(platform=saved.platform, member_id=chair.id, conversation_type=saved.conversation_type,
                                conversation_id="a:old-chat", reference={**saved.reference,
                                                                         "conversation": {"id": "a:old-chat"}},
                                updated_at=saved.updated_at.replace(year=2025))
        session.add(older)
        session.commit()
        queue(session, [Outgoing(teams.member(person.email).id, "teams", DAY, "digest", digest_for([2]))
                        for person in people], now=clock.now())

    with selects_from(teams.engine, "conversation_ref") as reads:
        result = await flush(teams.engine, send_through(teams.app[DELIVERY]), clock=clock)
    assert result.sent == 3
    assert len(reads) == 1  # one for the batch, none for each message
    for person in people:
        assert [unescaped(card_text(c.card)).count("Your day") for c in teams.connector.sent(teams.personal_id(person))
                if c.card and "Your day" in unescaped(card_text(c.card))] == [1]
    assert teams.connector.sent("a:old-chat") == []


async def test_if_the_batch_cannot_read_ahead_each_message_reads_its_own_chat_and_still_goes(teams, clock, monkeypatch,
                                                                                            caplog):
    people = [teams.user(email, linked=False) for email in (CHAIR, POLICE)]
    for person in people:
        await teams.post(teams.installed(person))
    with session_for(teams.engine) as session:
        queue(session, [Outgoing(teams.member(person.email).id, "teams", DAY, "digest", digest_for([2]))
                        for person in people], now=clock.now())

    def broken(_members):
        raise RuntimeError("the database went away for a moment")

    monkeypatch.setitem(teams.app[DELIVERY].readers, "teams", broken)
    with selects_from(teams.engine, "conversation_ref") as reads:
        result = await flush(teams.engine, send_through(teams.app[DELIVERY]), clock=clock)
    assert result.sent == 2 and len(reads) == 2
    assert all(teams.connector.sent(teams.personal_id(person)) for person in people)
    assert "could not read ahead" in caplog.text


async def test_a_member_with_no_personal_chat_is_still_unreachable_when_read_ahead(teams, clock):
    helen = teams.user(CHAIR, linked=False)
    await teams.post(teams.installed(helen))
    teams.user(POLICE)  # known to Teams and linked, but has never added AssureBot: no personal chat
    with session_for(teams.engine) as session:
        queue(session, [Outgoing(teams.member(email).id, "teams", DAY, "digest", digest_for([2]))
                        for email in (CHAIR, POLICE)], now=clock.now())
    await flush(teams.engine, send_through(teams.app[DELIVERY]), clock=clock)
    with session_for(teams.engine) as session:
        rows = {row.member_id: row for row in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest"))}
    assert rows[teams.member(CHAIR).id].status == OutboxStatus.SENT.value
    unreached = rows[teams.member(POLICE).id]
    assert (unreached.status, unreached.last_error) == (OutboxStatus.FAILED.value, UNREACHABLE)
