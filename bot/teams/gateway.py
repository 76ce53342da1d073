"""Sending to Teams: replies as cards, proactive messages to a member or a channel, personal chats.

`send_to_member` and `send_to_channel` are what reminders call (the member sender is also
registered with Delivery). Both post into a saved conversation as the bot (connector.py), at
the pace Teams allows (pace.py). A 403 (the person removed the app, or the bot is no longer in
the conversation) is final: the member is marked unreachable on Teams, the admins are told,
and Delivery falls back to another platform next time. 429 and 5xx are retried (see retry.py).

A reminder from the outbox is sent once, and its card (kept so that a button pressed later can
update it in place) is handed back in a Sent, to be written in the same commit that records the
message as sent, rather than in a commit of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from botbuilder.schema.teams import TeamsChannelAccount
from sqlalchemy.engine import Engine

from bot.delivery import Delivery, Unreachable
from bot.teams import conversations  # the module, not the package
from bot.teams.connector import Chat, ConnectorPoster
from bot.teams.files import FileOffers, consent_activity
from bot.teams.identity import HomeTenant, match_member
from bot.teams.pace import TeamsPace
from bot.teams.retry import ConnectorRefused, RetryPolicy, outbox_error, with_retries
from bot.teams.trust import TrustedServiceUrls
from messages.reply import Reply, Tone
from messages.teams_cards import CONTENT_TYPE, has_actions, render_card, summary_line
from messages.teams_text import escape_markdown
from messages.templates import say
from models.audit import record
from models.db import session_for
from models.partnership import Member
from models.people import admins
from models.scope import Scope
from models.teams_cards import keep_card, save_card
from schedules.delivery import Sent

log = logging.getLogger(__name__)

ROSTER_PAGE = 500


class ChannelUnreachable(Exception):
    """No saved channel by that id, or the bot is no longer in it."""


def card_activity(card: dict, reply: Reply) -> Activity:
    """A message carrying one Adaptive Card, with a plain summary for notifications."""
    return Activity(type=ActivityTypes.message, summary=summary_line(reply),
                    attachments=[Attachment(content_type=CONTENT_TYPE, content=card)])


def card_activity_json(card: dict, reply: Reply) -> dict[str, Any]:
    """card_activity as the connector reads it, its JSON made at once rather than through the SDK's
    model (a reminder run sends thousands): a test holds the two the same."""
    return {"type": ActivityTypes.message.value, "summary": summary_line(reply),
            "attachments": [{"contentType": CONTENT_TYPE, "content": card}]}


def text_activity(text: str) -> Activity:
    """A short message of our own words, escaped all the same (it may contain names)."""
    return Activity(type=ActivityTypes.message, text=escape_markdown(text), text_format="markdown")


class TeamsGateway:
    """Everything that sends to Teams outside the reply to an incoming message."""

    def __init__(self, adapter: CloudAdapter, engine: Engine, *, app_id: str | None, trusted: TrustedServiceUrls,
                 home: HomeTenant, delivery: Delivery | None = None, policy: RetryPolicy | None = None,
                 concurrency: int = 16):
        self.adapter = adapter
        self.home = home
        self.trusted = trusted
        self.engine = engine
        self.app_id = app_id
        self.delivery = delivery
        self.policy = policy or RetryPolicy()
        self._slots = asyncio.Semaphore(concurrency)
        self.pace = TeamsPace()  # Teams' own limits, per tenant and per conversation
        self.connector = ConnectorPoster(adapter, app_id)
        self._background: set[asyncio.Task] = set()
        self.files = FileOffers(engine)
        self._chats_ahead: dict[int, dict] = {}  # read_ahead's personal chats, each used once

    # Proactive messages ----------------------------------------------------------------------------

    async def send_to_member(self, member: Member, reply: Reply, *, key: str | None = None) -> str | Sent | None:
        """Send a reply to a member's personal chat; returns the Teams message id.

        Raises Unreachable when there is no personal chat with them, or Teams refuses (403). A reminder
        from the outbox (`key` given) is sent once, its failure told apart for the outbox (see
        retry.outbox_error), so that a message that may have arrived is never sent again here; it
        returns a Sent, whose card the outbox keeps as it records the message sent.
        """
        saved = self._chats_ahead.pop(member.id, None)
        if saved is None:
            with self.engine.connect() as connection:
                saved = conversations.personal_chat(member.id, connection=connection)
        if saved is None:
            raise Unreachable(f"member {member.id} has no personal chat with the bot on Teams yet")
        try:
            return await self.send_card(Chat(saved), reply, what=f"message to member {member.id}", member_id=member.id,
                                        partnership_id=member.partnership_id, once=key is not None)
        except ConnectorRefused as refusal:
            await self.mark_unreachable(member.id, reason=_reason(refusal))
            member.teams_unreachable = True
            raise Unreachable(f"member {member.id} is unreachable on Teams ({refusal.code or refusal.status})") \
                from refusal

    def read_ahead(self, members: list[Member]) -> None:
        """The personal chats of the members a batch of reminders is about to go to, read in one
        statement; each is used by the next send_to_member to that member (and only that one), the
        rest are let go at the next batch. Members without one are read again as each is sent to."""
        with self.engine.connect() as connection:
            self._chats_ahead = conversations.personal_chats([member.id for member in members],
                                                             connection=connection)

    async def send_to_channel(self, channel: str, reply: Reply) -> str | None:
        """Post a reply in a channel or group chat by its Teams channel id or conversation id.

        Private replies are refused: their content never goes into a shared conversation.
        """
        if reply.private:
            raise ValueError("a private reply cannot be posted in a channel")
        with session_for(self.engine) as session:
            reference = conversations.channel_reference(channel, session=session)
        if reference is None or reference.service_url not in self.trusted:
            raise ChannelUnreachable(f"AssureBot has not been added to Teams channel {channel}")
        try:
            return await self.send_card(reference, reply, what=f"message to channel {channel}")
        except ConnectorRefused as refusal:
            with session_for(self.engine) as session:
                conversations.forget(reference.conversation.id, session=session)
            log.warning("Teams channel %s refused a message (%s); forgetting it", channel, refusal.code)
            raise ChannelUnreachable(f"AssureBot is no longer in Teams channel {channel}") from refusal

    async def send_card(self, where: ConversationReference | Chat, reply: Reply, *, what: str,
                        member_id: int | None = None, partnership_id: int | None = None,
                        once: bool = False) -> str | Sent | None:
        """Send a reply as a card into a saved conversation, keeping the card if it has buttons.

        `once`: a message from the outbox, sent without retrying here, whose card is handed back
        in a Sent for the outbox to keep. Its files are offered with consent cards, which Teams
        allows only in a personal chat.
        """
        chat = where if isinstance(where, Chat) else Chat.of(where)
        card = render_card(reply)
        activity_id = await self.post(chat, card_activity_json(card, reply), what=what, once=once)
        sent: str | Sent | None = activity_id
        if activity_id and has_actions(card):
            if once:
                sent = Sent(activity_id, keep=lambda connection: keep_card(
                    chat.conversation_id, activity_id, card, partnership_id=partnership_id, connection=connection))
            else:
                with session_for(self.engine) as session:
                    save_card(chat.conversation_id, activity_id, card, partnership_id=partnership_id, session=session)
        if reply.files:
            if chat.conversation_type in (None, conversations.PERSONAL):
                for file in reply.files:
                    await self.post(chat, consent_activity(file, self.files.offer(file, member_id)),
                                    what=f"offering {file.filename}")
            else:
                log.warning("%d files not sent to %s: Teams takes files only in personal chats", len(reply.files),
                            chat.conversation_id)
        return sent

    async def post(self, where: ConversationReference | Chat, activity: Activity | dict[str, Any], *, what: str,
                   once: bool = False) -> str | None:
        """Post one activity (or its JSON) as a new message in a saved conversation, as the bot.
        `once`: no retry here; the failure is told apart for the outbox instead."""
        chat = where if isinstance(where, Chat) else Chat.of(where)
        self._check_trusted(chat.service_url)

        async def call() -> str | None:
            await self.pace.wait(chat.tenant_id, chat.conversation_id)
            return await self._limited(lambda: self.connector.send(chat, activity))

        if not once:
            return await with_retries(call, policy=self.policy, what=what)
        try:
            return await call()
        except Exception as error:
            told = outbox_error(error)
            if told is error:
                raise
            raise told from error

    def _check_trusted(self, service_url: str | None) -> None:
        """Nothing goes to a service URL outside TEAMS_SERVICE_URLS, even one saved earlier."""
        if service_url not in self.trusted:
            raise Unreachable("the saved Teams conversation points at a service URL that is not trusted")

    async def _limited(self, call):
        """One request to the connector at a time per slot; a retry's wait holds no slot."""
        async with self._slots:
            return await call()

    # Personal chats --------------------------------------------------------------------------------

    async def open_personal_chat(self, *, service_url: str, channel_id: str, bot: ChannelAccount,
                                 account: ChannelAccount, tenant: str | None,
                                 member_id: int | None) -> ConversationReference:
        """Create (or find, Teams returns the same one) the 1:1 chat with an account, and save it."""
        self._check_trusted(service_url)
        parameters = ConversationParameters(
            is_group=False, bot=bot, members=[ChannelAccount(id=account.id)], tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None)
        created: dict[str, str] = {}

        async def keep(turn_context: TurnContext) -> None:
            created["id"] = turn_context.activity.conversation.id

        await with_retries(lambda: self._limited(lambda: self.adapter.create_conversation(
            self.app_id, keep, parameters, channel_id=channel_id, service_url=service_url)),
            policy=self.policy, what="opening a personal chat")
        reference = ConversationReference(
            channel_id=channel_id, service_url=service_url, bot=bot,
            user=ChannelAccount(id=account.id, name=getattr(account, "name", None),
                                aad_object_id=getattr(account, "aad_object_id", None)),
            conversation=ConversationAccount(id=created["id"], conversation_type=conversations.PERSONAL,
                                             tenant_id=tenant))
        with session_for(self.engine) as session:
            conversations.save_reference(reference, kind=conversations.PERSONAL, member_id=member_id,
                                         channel_id=None, session=session)
        return reference

    async def reach_members(self, reference: ConversationReference, *, tenant: str | None,
                            accounts: list | None = None) -> int:
        """After an install in a team or group chat (or people joining it: `accounts`, else everyone
        in it, read from Teams): open a personal chat with each registered member not yet reached.

        Returns how many members became reachable.
        """
        accounts = await self.roster(reference) if accounts is None else accounts
        reached = 0

        async def reach(account: TeamsChannelAccount) -> None:
            nonlocal reached
            email = getattr(account, "email", None) or getattr(account, "user_principal_name", None)
            with session_for(self.engine) as session:
                member = match_member(getattr(account, "aad_object_id", None), email, tenant=tenant,
                                      session=session, name=account.name or "", home=self.home.holds(tenant))
                if member is None or conversations.personal_reference(member.id, session=session):
                    return
                member_id = member.id
            try:
                await self.open_personal_chat(service_url=reference.service_url, channel_id=reference.channel_id,
                                              bot=reference.bot, account=account, tenant=tenant,
                                              member_id=member_id)
                reached += 1
            except Exception as error:
                log.warning("could not open a personal chat with member %s: %s", member_id, error)

        await asyncio.gather(*(reach(a) for a in accounts))
        return reached

    async def roster(self, reference: ConversationReference) -> list[TeamsChannelAccount]:
        """Everyone in a team or group chat, page by page."""
        outcome: dict[str, Any] = {"accounts": []}

        async def fetch(turn_context: TurnContext) -> None:
            connector = turn_context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY]
            token = None
            try:
                while True:
                    page = await with_retries(
                        lambda: connector.conversations.get_teams_conversation_paged_members(
                            reference.conversation.id, ROSTER_PAGE, token),
                        policy=self.policy, what="reading the members of a team")
                    outcome["accounts"].extend(page.members or [])
                    token = page.continuation_token
                    if not token:
                        break
            except Exception as error:
                outcome["error"] = error

        await self.adapter.continue_conversation(reference, fetch, self.app_id)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["accounts"]

    # Unreachable members ---------------------------------------------------------------------------

    async def mark_unreachable(self, member_id: int, *, reason: str) -> None:
        """Mark a member unreachable on Teams and tell the admins, once (not on every failed send)."""
        with session_for(self.engine) as session:
            member = session.get(Member, member_id)
            if member is None or member.teams_unreachable:
                return
            scope = Scope(member.partnership_id)  # the business unit of their own partnership
            member.teams_unreachable = True
            session.add(member)
            record(session, partnership_id=scope.partnership_id, actor_id=None, actor_label="teams",
                   action="member.teams_unreachable", entity="member", entity_id=member.id,
                   before={"teams_unreachable": False}, after={"teams_unreachable": True, "reason": reason})
            session.commit()
            to_tell = [a for a in admins(scope=scope, session=session) if a.id != member.id]
        log.warning("member %s can no longer be reached on Teams: %s", member_id, reason)
        if self.delivery is None:
            return
        notice = Reply(title="A member can't be reached on Teams", text=say("teams_unreachable", member=member,
                                                                              reason=reason),
                       tone=Tone.WARNING, private=True)
        for admin in to_tell:
            try:
                await self.delivery.notify(admin, notice)
            except Exception:  # one admin we cannot reach must not stop the others hearing
                log.exception("could not tell admin %s that member %s is unreachable", admin.id, member_id)

    def mark_reachable(self, member_id: int) -> None:
        """They wrote to us in a personal chat, so Teams can reach them again."""
        with session_for(self.engine) as session:
            member = session.get(Member, member_id)
            if member is not None and member.teams_unreachable:
                member.teams_unreachable = False
                session.add(member)
                record(session, partnership_id=member.partnership_id, actor_id=member.id,
                       action="member.teams_reachable", entity="member",
                       entity_id=member.id, before={"teams_unreachable": True}, after={"teams_unreachable": False})
                session.commit()

    # Background work -------------------------------------------------------------------------------

    def spawn(self, work: Awaitable[Any], *, what: str) -> None:
        """Run something after the turn (Teams wants an answer to each request within seconds)."""

        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("background Teams work failed: %s", what)

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def settle(self) -> None:
        """Wait for background work to finish (on shutdown, and in tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*list(self._background), return_exceptions=True)
        await self.connector.close()


def _reason(refusal: ConnectorRefused) -> str:
    if refusal.code == "BotNotInConversationRoster":
        return "they have removed AssureBot in Teams"
    if refusal.code == "ConversationBlockedByUser":
        return "they have blocked AssureBot in Teams"
    return f"Teams refused the message ({refusal.code or refusal.status})"
