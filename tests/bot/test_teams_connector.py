"""Proactive messages go to the Bot Connector in one plain request: exactly what the SDK would have
sent, signed with the SDK's own credentials, and every failure told apart as the SDK's were."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, ConversationReference
from botframework.connector.auth import MicrosoftAppCredentials
from msrest.exceptions import ClientRequestError

from bot.settings import Settings
from bot.teams.adapter import bot_config, make_adapter
from bot.teams.connector import SIGNATURE_KEPT, Chat, ConnectorAnswer, ConnectorPoster, activity_json
from bot.teams.files import consent_activity
from bot.teams.gateway import card_activity, card_activity_json, text_activity
from bot.teams.retry import ConnectorRefused, error_code, outbox_error, retry_after, status_of
from messages.reply import Attachment as ReplyFile
from messages.reply import Button, Reply
from messages.teams_cards import render_card
from schedules.delivery import OutcomeUnknown, RetryLater
from tests.fakes.bot_connector import FakeBotConnector


def reference(service_url: str = "https://smba.trafficmanager.net/emea/") -> ConversationReference:
    return ConversationReference(
        channel_id="msteams", service_url=service_url, locale="en-GB",
        bot=ChannelAccount(id="28:bot", name="AssureBot"),
        user=ChannelAccount(id="29:mark", name="Mark Evans", aad_object_id="aad-mark"),
        conversation=ConversationAccount(id="a:personal-mark", conversation_type="personal", tenant_id="tenant-1"))


def as_the_sdk_sends_it(activity: Activity, where: ConversationReference) -> dict:
    TurnContext.apply_conversation_reference(activity, where)
    return activity.serialize()


DIGEST = Reply(title="Your week", text="1 action", buttons=[Button("Done", "done 1")])
CARD = render_card(DIGEST)


@pytest.mark.parametrize("make", [
    lambda: card_activity(CARD, DIGEST),
    lambda: text_activity("Sent to you *privately*"),
    lambda: consent_activity(ReplyFile(filename="report.csv", content_type="text/csv", data=b"a,b\n"), "token-1"),
    lambda: Activity(type=ActivityTypes.message, text="at a time",  # a date: written by msrest itself
                     timestamp=datetime(2026, 11, 23, 9, tzinfo=timezone.utc)),
], ids=["card", "text", "file consent", "with a date"])
def test_the_request_body_is_what_the_sdk_would_have_sent(make):
    where = reference()
    assert activity_json(make(), Chat(where.serialize())) == as_the_sdk_sends_it(make(), where)


@pytest.mark.parametrize("reply", [
    DIGEST, Reply(text="Just so you know."), Reply(title="", text="\n  Line <at>x</at>"),
], ids=["digest", "no title", "a line to summarise"])
def test_a_card_activity_made_as_json_is_what_the_sdk_would_have_sent(reply):
    where, card = reference(), render_card(reply)
    assert activity_json(card_activity_json(card, reply), Chat(where.serialize())) == as_the_sdk_sends_it(
        card_activity(card, reply), where)


def test_a_chat_reads_the_saved_reference_as_it_is():
    chat = Chat(reference().serialize())
    assert (chat.service_url, chat.conversation_id, chat.conversation_type, chat.tenant_id) == (
        "https://smba.trafficmanager.net/emea/", "a:personal-mark", "personal", "tenant-1")
    assert Chat({"conversation": {"id": "a:1", "tenantId": "tenant-2"}}).tenant_id == "tenant-2"  # Teams' spelling


@pytest.fixture
async def connector():
    fake = FakeBotConnector()
    await fake.start()
    yield fake
    await fake.stop()


def poster_for(settings: Settings) -> ConnectorPoster:
    config = bot_config(settings)
    return ConnectorPoster(make_adapter(config), config.APP_ID)


async def test_a_message_is_signed_with_the_bot_token_the_sdk_credentials_give(connector, monkeypatch):
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", lambda self, force_refresh=False: "token-1")
    poster = poster_for(Settings(_env_file=None, microsoft_app_id="app-1", microsoft_app_password="secret"))
    try:
        message_id = await poster.send(Chat(reference(connector.url).serialize()), text_activity("hello"))
    finally:
        await poster.close()
    (call,) = connector.sent()
    assert call.message_id == message_id and call.authorization == "Bearer token-1"
    assert call.body["from"]["id"] == "28:bot" and call.body["recipient"]["id"] == "29:mark"


async def test_a_signature_is_used_for_a_minute_and_a_401_has_the_next_request_signed_afresh(connector, monkeypatch):
    tokens = iter(f"token-{n}" for n in range(1, 10))
    asked = []

    def token(self, force_refresh=False):
        asked.append(1)
        return next(tokens)

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", token)
    now = [1000.0]
    monkeypatch.setattr("bot.teams.connector.time.monotonic", lambda: now[0])
    poster = poster_for(Settings(_env_file=None, microsoft_app_id="app-1", microsoft_app_password="secret"))
    chat = Chat(reference(connector.url).serialize())
    try:
        await poster.send(chat, text_activity("one"))
        now[0] += SIGNATURE_KEPT - 1
        await poster.send(chat, text_activity("two"))  # within the minute: signed as before
        now[0] += 2
        await poster.send(chat, text_activity("three"))  # the minute is over: asked again
        connector.fail(401)
        with pytest.raises(ConnectorAnswer):
            await poster.send(chat, text_activity("refused"))
        await poster.send(chat, text_activity("four"))  # after a 401: asked again at once
    finally:
        await poster.close()
    assert [call.authorization for call in connector.sent()] == [  # the refused one was signed with token-2
        "Bearer token-1", "Bearer token-1", "Bearer token-2", "Bearer token-3"]
    assert len(asked) == 3


async def test_in_the_local_mode_a_message_carries_no_token(connector):
    poster = poster_for(Settings(_env_file=None, teams_local_mode=True))
    try:
        await poster.send(Chat(reference(connector.url).serialize()), text_activity("hello"))
    finally:
        await poster.close()
    assert connector.sent()[0].authorization is None


async def test_refusals_are_raised_as_the_sdk_raised_them(connector):
    poster = poster_for(Settings(_env_file=None, teams_local_mode=True))
    chat = Chat(reference(connector.url).serialize())
    try:
        connector.fail(403, code="ConversationBlockedByUser")
        with pytest.raises(ConnectorAnswer) as refused:
            await poster.send(chat, text_activity("hello"))
        assert (status_of(refused.value), error_code(refused.value)) == (403, "ConversationBlockedByUser")
        assert isinstance(outbox_error(refused.value), ConnectorRefused)

        connector.fail(429, retry_after=2)
        with pytest.raises(ConnectorAnswer) as throttled:
            await poster.send(chat, text_activity("hello"))
        assert retry_after(throttled.value) == 2.0
        assert isinstance(outbox_error(throttled.value), RetryLater)

        connector.fail(502)
        with pytest.raises(ConnectorAnswer) as troubled:
            await poster.send(chat, text_activity("hello"))
        assert isinstance(outbox_error(troubled.value), OutcomeUnknown)
    finally:
        await poster.close()


async def test_no_connection_is_an_ordinary_failure_but_no_answer_may_have_arrived():
    poster = poster_for(Settings(_env_file=None, teams_local_mode=True))

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)  # the request left; no answer ever comes back
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(ClientRequestError) as dropped:
            await poster.send(Chat(reference(f"http://127.0.0.1:{port}/").serialize()), text_activity("hello"))
        assert isinstance(outbox_error(dropped.value), OutcomeUnknown)
        server.close()
        await server.wait_closed()
        with pytest.raises(ClientRequestError) as refused:  # nobody listens there now: nothing left
            await poster.send(Chat(reference(f"http://127.0.0.1:{port}/").serialize()), text_activity("hello"))
        assert outbox_error(refused.value) is refused.value
    finally:
        server.close()
        await poster.close()
