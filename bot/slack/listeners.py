"""What the Slack adapter does with each kind of payload: slash commands, shortcuts, buttons and forms.

Every listener follows Slack's rules: acknowledge within 3 seconds (with the answer when it is
ready in time, otherwise at once, then answer through the response_url); use a trigger id at
once; keep replies ephemeral, and escalation content out of channels; when a button changes
something, update the message it was on so a second tap does nothing twice. Each turns the
payload into a Command for the person (`user_of(context)`: their id and workspace) and leaves
running it to the dispatcher.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from bot.slack.client import SlackUnavailable, call, respond
from bot.slack.text import plain_from_slack
from bot.slack.views import Place, SlackUser, form_unavailable, prefilled, remember, safe_to_carry
from handlers.core import Command, parse_command
from messages.reply import Form, Reply, Tone
from messages.slack_blocks import field_errors, form_values, message, metadata, modal, result_in_place, result_modal

ACK_BUDGET = 2.0  # seconds an ack waits for the answer itself (Slack allows 3 for the ack)
SUBMIT_WAIT = 2.5  # a modal submission must be answered within Slack's 3 seconds
TRIGGER_WAIT = 2.0  # a trigger id expires 3 seconds after the click or command
PERMALINK_WAIT = 1.5

# Answers that a chair may choose to post for the whole channel to see.
SHAREABLE_VERBS = frozenset({"quorum", "attendance", "papers"})


def user_of(context) -> SlackUser:
    """The person and their workspace, as bolt read them from any kind of payload."""
    return SlackUser(context.user_id or "", team_id=context.team_id, enterprise_id=context.enterprise_id)


class Listeners:
    """The payload side of SlackAdapter (bot/slack/app.py), which supplies the state and the Slack calls."""

    # --- slash commands ------------------------------------------------------------------

    async def on_assure(self, ack, body: dict[str, Any], context) -> None:
        text = (body.get("text") or "").strip()
        await self.slash(ack, body, user_of(context), text or "help")

    async def on_escalate(self, ack, body: dict[str, Any], context) -> None:
        text = (body.get("text") or "").strip()
        await self.slash(ack, body, user_of(context), f"escalate {text}".strip())

    async def slash(self, ack, body: dict[str, Any], user: SlackUser, line: str) -> None:
        """Run a typed command: the answer goes in the ack if it is ready in time, else via response_url."""
        cmd = parse_command(line, platform="slack")
        work = self.start_command(cmd, user)
        acked = False
        await asyncio.wait({work}, timeout=ACK_BUDGET)  # most answers are ready long before
        if not work.done():
            await ack()
            acked = True
        outcome = await work
        reply = outcome.reply
        if reply.form is not None and body.get("trigger_id"):
            if await self.open_form(user, body["trigger_id"], reply.form, {}) is not None:
                if not acked:
                    await ack()
                self.spawn(self.follow_up(outcome, user, body.get("response_url")))
                return
            reply = form_unavailable(reply, line)
        channel = body.get("channel_id") or ""
        share = safe_to_carry(line) if self.shareable(cmd, reply, channel) else None
        payload = {"response_type": "ephemeral", **message(reply, share=share)}
        if not acked:
            await ack(**payload)
        elif body.get("response_url"):
            self.spawn(self.tell_payload(body["response_url"], payload))
        self.spawn(self.follow_up(outcome, user, body.get("response_url")))

    @staticmethod
    def shareable(cmd: Command, reply: Reply, channel: str) -> bool:
        return (cmd.verb in SHAREABLE_VERBS and not reply.private and not reply.is_error
                and bool(channel) and not channel.startswith("D"))

    # --- shortcuts -----------------------------------------------------------------------

    async def on_raise_shortcut(self, ack, body: dict[str, Any], context) -> None:
        """The global shortcut "Raise an escalation": the escalation form, from anywhere (and on a phone)."""
        await ack()
        user = user_of(context)
        outcome = await self.outcome(parse_command("escalate", platform="slack"), user)
        reply = outcome.reply
        if reply.form is not None:
            await self.open_form(user, body["trigger_id"], reply.form, {})
        else:
            await self.open_view(user, body["trigger_id"], result_modal(reply))

    async def on_message_shortcut(self, ack, body: dict[str, Any], context) -> None:
        """"Escalate this message": the form with the message as its summary, keeping a link to it."""
        await ack()
        user = user_of(context)
        outcome = await self.outcome(parse_command("escalate", platform="slack"), user)
        reply = outcome.reply
        if reply.form is None:
            await self.open_view(user, body["trigger_id"], result_modal(reply))
            return
        channel = (body.get("channel") or {}).get("id")
        ts = (body.get("message") or {}).get("ts")
        summary = plain_from_slack((body.get("message") or {}).get("text") or "")
        form = prefilled(reply.form, summary=summary)
        opening = asyncio.ensure_future(self.open_form(user, body["trigger_id"], form, {"src": [channel, ts]}))
        linking = asyncio.ensure_future(self.permalink_of(user, channel, ts))
        view_id, link = await opening, await linking
        if view_id is None:
            if body.get("response_url"):
                await self.tell(body["response_url"], form_unavailable(reply, "escalate"))
        elif link:
            remember(self._permalinks, view_id, link)

    async def permalink_of(self, user: SlackUser, channel: str | None, ts: str | None) -> str:
        if not channel or not ts:
            return ""
        try:
            client = await self.client_for(user)
            data = await asyncio.wait_for(call(client, "chat.getPermalink", channel=channel, message_ts=ts),
                                          PERMALINK_WAIT)
        except (SlackUnavailable, asyncio.TimeoutError):
            return ""
        return data.get("permalink") or ""

    # --- buttons -------------------------------------------------------------------------

    async def on_button(self, ack, body: dict[str, Any], context) -> None:
        """A button runs the console command it carries, or opens that command's form."""
        await ack()
        action = body["actions"][0]
        place = Place.of_action(user_of(context), body)
        line = action.get("value") or (action.get("selected_option") or {}).get("value") or ""  # a button, or a menu
        outcome = await self.outcome(parse_command(line, platform="slack"), place.user)
        reply = outcome.reply
        if reply.form is not None and body.get("trigger_id"):
            view_id = await self.open_form(place.user, body["trigger_id"], reply.form, place.to_metadata())
            if view_id is None:
                await self.show(place, form_unavailable(reply, line), changed=False)
            elif (body.get("message") or {}).get("blocks"):
                remember(self._origins, view_id, body["message"]["blocks"])
            return
        await self.show(place, reply, changed=reply.changed, blocks=(body.get("message") or {}).get("blocks"))
        self.spawn(self.follow_up(outcome, place.user, place.response_url))

    async def show(self, place: Place, reply: Reply, *, changed: bool,
                   blocks: list[dict[str, Any]] | None = None) -> None:
        """Show what a button or form did: in place when it changed something only this person sees,
        otherwise as a reply only they can see, leaving a shared message as it was."""
        try:
            if place.home:
                await self.publish_home(place.user, notice=reply)
            elif changed and place.personal and place.block_id and blocks and place.channel and place.ts:
                updated = result_in_place(blocks, place.block_id, reply)
                await call(await self.client_for(place.user), "chat.update", channel=place.channel, ts=place.ts,
                           text=message(reply)["text"], blocks=updated)
            elif changed and place.personal and place.response_url:
                await respond(place.response_url, {"replace_original": True, **message(reply)}, session=self.http)
            elif place.response_url:
                await self.tell(place.response_url, reply)
        except SlackUnavailable:
            pass  # already logged with the method and code; the change itself is saved

    async def on_share(self, ack, body: dict[str, Any], context) -> None:
        """"Post in channel": the answer again, fresh and as this person, for the whole channel."""
        await ack()
        place = Place.of_action(user_of(context), body)
        line = body["actions"][0].get("value") or ""
        cmd = parse_command(line, platform="slack")
        reply = (await self.outcome(cmd, place.user)).reply
        if not place.response_url:
            return
        if reply.private or reply.is_error or cmd.verb not in SHAREABLE_VERBS:
            refusal = reply if reply.is_error else Reply(
                text="That answer is only for you, so I won't post it in the channel.", tone=Tone.WARNING,
                private=True)
            await self.tell(place.response_url, refusal)
            return
        try:
            await respond(place.response_url, {"response_type": "in_channel", "replace_original": False,
                                               **message(reply, with_buttons=False)}, session=self.http)
            await respond(place.response_url, {"delete_original": True}, session=self.http)
        except SlackUnavailable:
            pass

    # --- forms ---------------------------------------------------------------------------

    async def open_form(self, user: SlackUser, trigger_id: str, form: Form, origin: dict[str, Any]) -> str | None:
        """Open the form as a modal at once (trigger ids expire); the view id, or None if it failed."""
        meta = metadata({"c": form.command, "k": uuid.uuid4().hex[:16], **origin})
        return await self.open_view(user, trigger_id, modal(form, private_metadata=meta))

    async def open_view(self, user: SlackUser, trigger_id: str, view: dict[str, Any]) -> str | None:
        try:
            client = await self.client_for(user)
            data = await asyncio.wait_for(call(client, "views.open", trigger_id=trigger_id, view=view),
                                          TRIGGER_WAIT)
        except (SlackUnavailable, asyncio.TimeoutError):
            return None
        return (data.get("view") or {}).get("id")

    async def on_submit(self, ack, body: dict[str, Any], view: dict[str, Any], context) -> None:
        """A submitted form: errors inline by field, a form that needs more, or what was saved."""
        user = user_of(context)
        view_id = view["id"]
        title = ((view.get("title") or {}).get("text")) or "AssureBot"
        earlier = self._submissions.get(view_id)
        if earlier is not None:
            try:
                saved = await asyncio.wait_for(asyncio.shield(earlier), SUBMIT_WAIT)
            except asyncio.TimeoutError:
                saved = None
            if saved is not None:  # the same modal again: show what the first one saved, save nothing
                await ack(response_action="update", view=result_modal(saved, title=title))
                return
        decided: asyncio.Future[Reply | None] = asyncio.get_running_loop().create_future()
        remember(self._submissions, view_id, decided)
        try:
            await self._submit(ack, body, view, user, title, decided)
        finally:
            if not decided.done():
                decided.set_result(None)
            if decided.result() is None:
                self._submissions.pop(view_id, None)

    async def _submit(self, ack, body: dict[str, Any], view: dict[str, Any], user: SlackUser, title: str,
                      decided: asyncio.Future[Reply | None]) -> None:
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        meta = meta if isinstance(meta, dict) else {}
        values = form_values((view.get("state") or {}).get("values") or {})
        if meta.get("src"):
            values["source_link"] = (self._permalinks.pop(view["id"], "")
                                     or await self.permalink_of(user, *list(meta["src"])[:2]))
        cmd = parse_command(str(meta.get("c", "")), form=values, platform="slack")
        work = self.start_command(cmd, user, once=str(meta.get("k") or "") or None)
        try:
            outcome = await asyncio.wait_for(asyncio.shield(work), SUBMIT_WAIT)
        except asyncio.TimeoutError:
            await ack(response_action="update", view=result_modal(Reply(
                text="Still saving. I'll send you a message when it's done.", private=True), title=title))
            outcome = await work
            decided.set_result(outcome.reply if not outcome.reply.is_error else None)
            await self.direct_message(user, outcome.reply)
            self.spawn(self.follow_up(outcome, user))
            return
        reply = outcome.reply
        if outcome.repeated:  # saved by an earlier copy of this form (another process, or before a restart)
            await ack(response_action="update", view=result_modal(reply, title=title))
            return
        inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
        if reply.errors or (reply.is_error and reply.form is None):
            await ack(response_action="errors", errors=field_errors(inputs, reply.errors, fallback=reply.text))
            return
        if reply.form is not None:  # more is needed: the same modal, asking again
            meta["c"] = reply.form.command
            await ack(response_action="update", view=modal(reply.form, private_metadata=metadata(meta)))
            return
        decided.set_result(reply)
        await ack(response_action="update", view=result_modal(reply, title=title))
        place = Place.from_metadata(user, meta)
        self.spawn(self.show(place, reply, changed=reply.changed, blocks=self._origins.pop(view["id"], None)))
        self.spawn(self.follow_up(outcome, user))

    # --- the Home tab --------------------------------------------------------------------

    async def on_home_opened(self, event: dict[str, Any], context) -> None:
        if event.get("tab", "home") != "home":
            return
        try:
            await self.publish_home(SlackUser(event.get("user") or context.user_id or "", team_id=context.team_id,
                                              enterprise_id=context.enterprise_id))
        except SlackUnavailable:
            pass
