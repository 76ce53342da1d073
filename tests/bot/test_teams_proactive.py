"""Reaching people on Teams later: installs save where they are, reminders and notices get there."""

import pytest
from sqlmodel import select

from bot.delivery import Unreachable
from bot.server import DELIVERY
from bot.teams.gateway import ChannelUnreachable
from bot.teams.retry import ConnectorGaveUp
from messages.reply import Button, Reply
from models.audit import AuditEvent
from models.db import session_for
from models.delivery import ConversationRef
from tests.conftest import ADMIN, CHAIR, HOUSING, POLICE
from tests.fakes.teams_world import (  # noqa: F401  (teams is a fixture)
    CHANNEL_ID,
    card_text,
    submit_titled,
    teams,
    unescaped,
)


def shown(card: dict) -> str:
    return unescaped(card_text(card))


def digest(text: str = "You have 1 action due this week.") -> Reply:
    return Reply(title="Your week", text=text, buttons=[Button("My actions", "actions")], private=True)


async def on_teams(teams, email):
    """A member who has added AssureBot in Teams (matched by email, so reminders go to Teams)."""
    user = teams.user(email, linked=False)
    await teams.post(teams.installed(user))
    return user


async def test_installing_the_app_greets_the_member_and_a_later_reminder_reaches_their_personal_chat(teams):
    mark = await on_teams(teams, POLICE)
    welcome = teams.cards_to(teams.personal_id(mark))
    assert len(welcome) == 1 and "Hello Mark." in shown(welcome[0])
    member = teams.member(POLICE)
    assert member.teams_aad_id == mark.aad_id

    message_id = await teams.app[DELIVERY].send(member, digest())
    assert message_id[0] == "teams" and message_id[1]
    reminder = teams.connector.sent(teams.personal_id(mark))[-1]
    assert reminder.kind == "send"
    assert "You have 1 action due this week." in shown(reminder.card)
    # Its button works like any other card's.
    await teams.post(teams.submit(mark, submit_titled(reminder.card, "My actions"), reminder.message_id))
    assert "Agree joint protocol" in shown(teams.cards_to(teams.personal_id(mark))[-1])


async def test_the_installation_update_alone_also_saves_the_personal_chat(teams):
    mark = teams.user(POLICE, linked=False)
    await teams.post(teams.installation_update(mark, "add"))
    assert teams.connector.sent() == []  # no second greeting
    await teams.gateway.send_to_member(teams.member(POLICE), digest())
    assert len(teams.connector.sent(teams.personal_id(mark))) == 1


async def test_installing_in_a_team_saves_the_channel_and_opens_personal_chats_with_registered_members(teams):
    helen, mark = teams.user(CHAIR, linked=False), teams.user(POLICE, linked=False)
    stranger = teams.user("visitor@elsewhere.example.org", name="A Visitor")
    await teams.post(teams.installed(helen, where="channel"))

    hello = teams.connector.sent()[0]
    assert hello.conversation_id.startswith(CHANNEL_ID)
    assert "Mention me with a command" in unescaped(hello.text)
    opened = {c.body["members"][0]["id"] for c in teams.connector.of_kind("create")}
    assert opened == {helen.user_id, mark.user_id}
    assert stranger.user_id not in opened

    await teams.gateway.send_to_channel(CHANNEL_ID, Reply(title="ARG papers are due Wednesday", text="3 of 5 in."))
    posted = teams.connector.sent(CHANNEL_ID)[-1]
    assert posted.kind == "send"  # a new post in the channel, not a reply in someone's thread
    assert "ARG papers are due Wednesday" in shown(posted.card)
    await teams.gateway.send_to_member(teams.member(POLICE), digest())
    assert "You have 1 action due" in shown(teams.cards_to(teams.personal_id(mark))[-1])


async def test_a_private_reply_is_never_posted_in_a_channel(teams):
    helen = teams.user(CHAIR)
    await teams.post(teams.installed(helen, where="channel"))
    with pytest.raises(ValueError):
        await teams.gateway.send_to_channel(CHANNEL_ID, digest())
    with pytest.raises(ChannelUnreachable):
        await teams.gateway.send_to_channel("19:never-added@thread.tacv2", Reply(text="hello"))
    assert [c.conversation_id for c in teams.connector.sent()] == [CHANNEL_ID]  # only the greeting


async def test_a_member_without_a_personal_chat_is_reported_unreachable_not_sent_elsewhere(teams):
    teams.user(HOUSING)
    with pytest.raises(Unreachable):
        await teams.gateway.send_to_member(teams.member(HOUSING), digest())
    assert teams.connector.sent() == []


async def test_a_403_marks_the_member_unreachable_tells_the_admins_and_is_not_retried(teams):
    priya = await on_teams(teams, ADMIN)
    mark = await on_teams(teams, POLICE)
    teams.connector.fail(403, conversation=teams.personal_id(mark), times=None, code="BotNotInConversationRoster")

    member = teams.member(POLICE)
    with pytest.raises(Unreachable):
        await teams.gateway.send_to_member(member, digest())
    attempts = [c for c in teams.connector.calls if c.conversation_id == teams.personal_id(mark) and c.status == 403]
    assert len(attempts) == 1 and teams.sleeps == []
    assert teams.member(POLICE).teams_unreachable
    told = teams.cards_to(teams.personal_id(priya))[-1]
    assert "DI Mark Evans (mark.evans@police.example.org) can no longer be reached on Teams" in shown(told)
    assert "removed AssureBot" in shown(told)
    with session_for(teams.engine) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "member.teams_unreachable")).one()

    # Delivery no longer tries Teams for him, and the admins are not told again.
    assert teams.app[DELIVERY].platform_for(teams.member(POLICE)) != "teams"
    await teams.gateway.mark_unreachable(member.id, reason="again")
    assert len(teams.cards_to(teams.personal_id(priya))) == 2  # the greeting and one report

    # Writing to the bot again makes him reachable.
    await teams.say(mark, "whoami")
    assert not teams.member(POLICE).teams_unreachable


async def test_removing_the_app_marks_the_member_unreachable_and_forgets_the_chat(teams):
    await on_teams(teams, ADMIN)
    mark = await on_teams(teams, POLICE)
    await teams.post(teams.installation_update(mark, "remove"))
    assert teams.member(POLICE).teams_unreachable
    with session_for(teams.engine) as session:
        assert session.exec(select(ConversationRef).where(
            ConversationRef.conversation_id == teams.personal_id(mark))).first() is None


async def test_a_429_is_retried_after_the_time_teams_asks_for_and_the_message_arrives_once(teams):
    mark = await on_teams(teams, POLICE)
    teams.connector.fail(429, conversation=teams.personal_id(mark), retry_after=2)
    already = len(teams.connector.calls)
    await teams.gateway.send_to_member(teams.member(POLICE), digest())
    assert teams.sleeps == [2.0]
    statuses = [c.status for c in teams.connector.calls[already:] if c.conversation_id == teams.personal_id(mark)
                and c.kind == "send"]
    assert statuses == [429, 201]
    assert len([c for c in teams.connector.sent(teams.personal_id(mark)) if "Your week" in shown(c.card)]) == 1


async def test_a_server_error_is_retried_with_backoff_and_given_up_after_a_bounded_number_of_tries(teams):
    mark = await on_teams(teams, POLICE)
    teams.connector.fail(500, conversation=teams.personal_id(mark), times=2)
    await teams.gateway.send_to_member(teams.member(POLICE), digest())
    assert len(teams.sleeps) == 2 and teams.sleeps[0] <= teams.sleeps[1] * 2

    teams.sleeps.clear()
    teams.connector.fail(503, conversation=teams.personal_id(mark), times=None)
    with pytest.raises(ConnectorGaveUp):
        await teams.gateway.send_to_member(teams.member(POLICE), digest())
    assert len(teams.sleeps) == teams.gateway.policy.attempts - 1
    assert not teams.member(POLICE).teams_unreachable  # trouble at Teams' end is not the member's doing
