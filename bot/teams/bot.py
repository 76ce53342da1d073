"""The Teams bot: an incoming activity becomes a Command, and the Reply goes back as a card.

- A message: the @mention of the bot is stripped and the rest parsed like a console line.
- A card submit (`activity.value`): the Action.Submit data carries the command and the form
  values. The tapped card is updated in place to show what was recorded, and each tap is
  claimed once, so a second tap (or a replayed request) cannot record it twice.
- In a channel or group chat, a private reply goes to the person's personal chat (opened if
  needed); the channel only hears that an answer was sent privately.
- Installs (conversationUpdate with the bot among membersAdded, installationUpdate) save the
  conversation reference so reminders can reach people later.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ChannelAccount
from sqlalchemy.engine import Engine

from bot.teams import conversations  # the module, not the package
from bot.teams.conversations import base_conversation_id, is_shared
from bot.teams.files import FILE_CONSENT_INVOKE, consent_activity, file_card_activity, upload
from bot.teams.gateway import TeamsGateway, card_activity, text_activity
from bot.teams.identity import Person, identify
from bot.teams.retry import RetryPolicy, with_retries
from handlers.core import parse_command
from handlers.dispatch import Dispatcher
from messages.reply import Reply, for_everyone
from messages.teams_cards import META, card_after_submit, has_actions, render_card, submitted_values
from messages.templates import say
from models.db import session_for
from models.partnership import first_name_in
from models.teams_cards import card_row, save_card

log = logging.getLogger(__name__)

_AT_TAG = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
INSTALL_ACTIONS = {"add", "add-upgrade"}


def command_text(activity: Activity) -> str:
    """The typed command: the bot's @mention removed, other mentions reduced to the name."""
    text = activity.text or ""
    bot_id = getattr(activity.recipient, "id", None)
    for entity in activity.entities or []:
        if (entity.type or "").lower() != "mention":
            continue
        props = entity.additional_properties or {}
        mentioned = props.get("mentioned") or {}
        if mentioned.get("id") == bot_id and props.get("text"):
            text = text.replace(props["text"], " ")
    text = _AT_TAG.sub(r"\1", text)
    return html.unescape(text).replace("\xa0", " ").strip()


class AssureBotTeams(ActivityHandler):
    """Runs the core's commands for Teams users."""

    def __init__(self, *, engine: Engine, dispatcher: Dispatcher, gateway: TeamsGateway, policy: RetryPolicy):
        self.engine = engine
        self.dispatcher = dispatcher
        self.gateway = gateway
        self.policy = policy

    # Incoming --------------------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        person = await self._meet(turn_context)
        value = turn_context.activity.value
        if isinstance(value, dict) and isinstance(value.get(META), dict):
            await self._on_submit(turn_context, person, value)
        else:
            await self._on_text(turn_context, person)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        bot_id = getattr(activity.recipient, "id", None)
        added = activity.members_added or []
        if any(m.id == bot_id for m in added):
            await self._installed(turn_context, welcome=True)
        elif any(m.id == bot_id for m in activity.members_removed or []):
            with session_for(self.engine) as session:
                conversations.forget(activity.conversation.id, session=session)
        elif added and is_shared(activity):
            # New people joined a team the bot is in: make them reachable in a personal chat too.
            self.gateway.spawn(self.gateway.reach_members(
                conversations.reference_of(activity), tenant=conversations.tenant_id(activity),
                accounts=[m for m in added if m.id != bot_id]), what="opening personal chats with new team members")

    async def on_invoke_activity(self, turn_context: TurnContext):
        if turn_context.activity.name == FILE_CONSENT_INVOKE:
            await self._on_file_consent(turn_context)
            return InvokeResponse(status=200)
        return await super().on_invoke_activity(turn_context)

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        action = (activity.action or "").lower()
        if action in INSTALL_ACTIONS:
            await self._installed(turn_context, welcome=False)
        elif action == "remove":
            with session_for(self.engine) as session:
                conversations.forget(activity.conversation.id, session=session)
            if not is_shared(activity):
                person = await identify(turn_context, engine=self.engine, policy=self.policy, home=self.gateway.home)
                if person.member_id:
                    await self.gateway.mark_unreachable(person.member_id,
                                                        reason="they have removed AssureBot in Teams")

    # Messages --------------------------------------------------------------------------------------

    def _remember(self, activity: Activity, member_id: int | None) -> None:
        with session_for(self.engine) as session:
            conversations.remember(activity, member_id=member_id, session=session)

    async def _meet(self, turn_context: TurnContext) -> Person:
        """Identify the sender and save where they wrote from."""
        activity = turn_context.activity
        person = await identify(turn_context, engine=self.engine, policy=self.policy, home=self.gateway.home)
        await asyncio.to_thread(self._remember, activity, person.member_id)
        if person.member_id and not is_shared(activity):
            self.gateway.mark_reachable(person.member_id)
        return person

    async def _on_text(self, turn_context: TurnContext, person: Person) -> None:
        activity = turn_context.activity
        cmd = parse_command(command_text(activity), platform="teams")
        note = None
        if is_shared(activity) and cmd.verb == "escalate" and cmd.text.strip():
            # The concern was typed where others can read it: don't take it from there.
            cmd, note = parse_command("escalate", platform="teams"), say("teams_escalate_privately")
        reply = await self.dispatcher.handle(cmd, person.who())
        if note:
            reply.text = f"{note}\n\n{reply.text}"
        await self._answer(turn_context, person, reply)

    async def _on_submit(self, turn_context: TurnContext, person: Person, value: dict) -> None:
        activity = turn_context.activity
        meta, values = submitted_values(value)
        command = str(meta.get("command") or "").strip()
        if not command:
            return
        nonce = str(meta.get("nonce") or "") or None
        cmd = parse_command(command, platform="teams", form=values if meta.get("form") else None)
        reply = await self.dispatcher.handle(cmd, person.who(), once=nonce)
        refused_form = bool(meta.get("form")) and reply.form is not None and bool(reply.errors)
        if (reply.changed or refused_form) and not goes_privately(activity, reply) and activity.reply_to_id:
            # A card in a shared conversation (from before shared answers lost their buttons) gets none back.
            shown = for_everyone(reply) if is_shared(activity) else reply
            if await self._update_card(turn_context, person, shown, meta, values):
                return
        await self._answer(turn_context, person, reply)

    async def _update_card(self, turn_context: TurnContext, person: Person, reply: Reply, meta: dict,
                           values: dict) -> bool:
        """Show the result on the tapped card itself; False if Teams would not update it."""
        activity = turn_context.activity
        conversation_id = base_conversation_id(activity.conversation.id)
        with session_for(self.engine) as session:
            row = card_row(conversation_id, activity.reply_to_id, partnership_id=person.partnership_id,
                           session=session)
        card = card_after_submit(row.card if row else None, reply, item_key=meta.get("item"),
                                 fields_prefix=meta.get("fields"), values=values)
        update = card_activity(card, reply)
        update.id = activity.reply_to_id
        try:
            await with_retries(lambda: turn_context.update_activity(update), policy=self.policy,
                               what="updating a card")
        except Exception as error:
            log.warning("could not update card %s in place (%s); sending the result instead",
                        activity.reply_to_id, error)
            return False
        with session_for(self.engine) as session:
            save_card(conversation_id, activity.reply_to_id, card, partnership_id=person.partnership_id,
                      session=session)
        return True

    async def _on_file_consent(self, turn_context: TurnContext) -> None:
        """Allow or Decline pressed on a file consent card: upload the file to their OneDrive, or not."""
        value = turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        token = str((value.get("context") or {}).get("assurebot_file") or "")
        person = await identify(turn_context, engine=self.engine, policy=self.policy, home=self.gateway.home)
        file = self.gateway.files.take(token, person.member_id) if token else None
        info = value.get("uploadInfo") or {}
        if value.get("action") != "accept":
            outcome = "declined"
        elif file is None or not info.get("uploadUrl"):
            outcome = "gone"
        else:
            try:
                await upload(info["uploadUrl"], file.data)
                await self._send(turn_context, file_card_activity(info))
                return
            except Exception as error:
                log.warning("could not upload %s for member %s: %s", file.filename, person.member_id, error)
                outcome = "failed"
        name = file.filename if file else str(info.get("name") or "the file")
        await self._send(turn_context, text_activity(say("teams_file", outcome=outcome, filename=name)))

    # Answering -------------------------------------------------------------------------------------

    async def _answer(self, turn_context: TurnContext, person: Person, reply: Reply) -> None:
        """Reply where the person wrote, unless it is private (or a form) and they wrote in a shared
        conversation. What is posted in a shared conversation has no buttons: everyone there sees a
        card, and its buttons were chosen for the person who asked (as Slack posts a shared answer)."""
        if goes_privately(turn_context.activity, reply):
            reached = await self._send_privately(turn_context, person, reply)
            template = "teams_sent_privately" if reached else "teams_private_failed"
            await self._send(turn_context, text_activity(say(template, name=first_name_in(person.name or "")
                                                             or "Hello")))
            return
        await self._send_card(turn_context, for_everyone(reply) if is_shared(turn_context.activity) else reply, person)

    async def _send_card(self, turn_context: TurnContext, reply: Reply, person: Person) -> None:
        card = render_card(reply)
        response = await self._send(turn_context, card_activity(card, reply))
        if response is not None and response.id and has_actions(card):
            with session_for(self.engine) as session:
                save_card(base_conversation_id(turn_context.activity.conversation.id), response.id, card,
                          partnership_id=person.partnership_id, session=session)
        if reply.files and is_shared(turn_context.activity):
            await self._send(turn_context, text_activity(say("teams_file", outcome="channel", count=len(reply.files))))
        elif reply.files:
            for file in reply.files:
                token = self.gateway.files.offer(file, person.member_id)
                await self._send(turn_context, consent_activity(file, token))

    async def _send(self, turn_context: TurnContext, activity: Activity):
        return await with_retries(lambda: turn_context.send_activity(activity), policy=self.policy,
                                  what="replying")

    async def _send_privately(self, turn_context: TurnContext, person: Person, reply: Reply) -> bool:
        """Send to the person's personal chat, opening it if there is none yet."""
        activity = turn_context.activity
        reference = None
        if person.member_id:
            with session_for(self.engine) as session:
                reference = conversations.personal_reference(person.member_id, session=session)
        try:
            if reference is None:
                account = ChannelAccount(id=person.user_id, name=person.name, aad_object_id=person.aad_id)
                reference = await self.gateway.open_personal_chat(
                    service_url=activity.service_url, channel_id=activity.channel_id, bot=activity.recipient,
                    account=account, tenant=conversations.tenant_id(activity), member_id=person.member_id)
            await self.gateway.send_card(reference, reply, what="a private answer", member_id=person.member_id,
                                         partnership_id=person.partnership_id)
        except Exception as error:
            log.warning("could not answer %s privately: %s", person.member_id or person.user_id, error)
            return False
        return True

    # Installs --------------------------------------------------------------------------------------

    async def _installed(self, turn_context: TurnContext, *, welcome: bool) -> None:
        activity = turn_context.activity
        if not is_shared(activity):
            person = await self._meet(turn_context)
            if welcome:
                await self._send_card(turn_context, await self.dispatcher.handle(
                    parse_command("help", platform="teams"), person.who()), person)
            return
        with session_for(self.engine) as session:
            conversations.remember(activity, member_id=None, session=session)
        if welcome:
            await self._send(turn_context, text_activity(say("teams_channel_welcome")))
            self.gateway.spawn(self.gateway.reach_members(conversations.reference_of(activity),
                                                          tenant=conversations.tenant_id(activity)),
                               what="opening personal chats with the members of a team")


def goes_privately(activity: Activity, reply: Reply) -> bool:
    """A private answer, or a form, asked for in a channel or group chat: it goes to the person's own chat."""
    return is_shared(activity) and (reply.private or reply.form is not None)
