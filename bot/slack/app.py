"""The Slack adapter: bolt listeners that turn Slack payloads into Commands, and Replies into Block Kit.

Every listener follows Slack's rules: acknowledge within 3 seconds (with the answer when it is
ready in time, otherwise at once, then answer through the response_url); use a trigger id at
once; keep replies ephemeral, and escalation content out of channels; when a button changes
something, update the message it was on so a second tap does nothing twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult

import aiohttp
from aiohttp import web

from bot.slack.client import REQUEST_TIMEOUT, SlackUnavailable, call, respond, web_client
from bot.slack.runner import CommandRunner, NeedsProfile, Outcome, SlackUser
from bot.slack.text import plain_from_slack
from handlers.core import Command, parse_command
from handlers.dispatch import Dispatcher
from messages.reply import Button, Form, Reply, Tone
from messages.slack_blocks import (
    FORM_ACTION,
    FORM_CALLBACK,
    RUN_ACTION,
    SHARE_ACTION,
    field_errors,
    form_values,
    home_view,
    message,
    metadata,
    modal,
    result_in_place,
    result_modal,
)
from messages.templates import say
from models.partnership import Member

log = logging.getLogger(__name__)

ACK_WAIT = 1.0  # seconds an ack waits for the answer itself, when no other command is queued
SUBMIT_WAIT = 2.5  # a modal submission must be answered within Slack's 3 seconds
TRIGGER_WAIT = 2.0  # a trigger id expires 3 seconds after the click or command
PERMALINK_WAIT = 1.5
PROFILE_TTL = 3600.0  # seconds to remember a Slack profile's email
REMEMBERED_VIEWS = 1000  # submissions and origins kept to recognise a modal submitted twice

# Answers that a chair may choose to post for the whole channel to see.
SHAREABLE_VERBS = frozenset({"quorum", "attendance", "papers"})

RAISE_SHORTCUT = "raise_escalation"
MESSAGE_SHORTCUT = "escalate_message"

PROFILE_UNAVAILABLE = ("I couldn't check who you are with Slack just now, so nothing was done. "
                       "Please try again in a minute.")
FORM_UNAVAILABLE = ("I couldn't open the form: Slack didn't answer in time. Nothing was saved. "
                    "Press the button to try again.")


@dataclass
class Place:
    """Where a button or modal came from, so its result can be shown in the right place."""

    user_id: str
    home: bool = False
    channel: str | None = None
    ts: str | None = None
    ephemeral: bool = False
    response_url: str | None = None
    block_id: str | None = None

    @property
    def personal(self) -> bool:
        """Only this person sees it (an ephemeral reply or their DM with the bot), so it may change."""
        return self.ephemeral or (self.channel or "").startswith("D")

    def to_metadata(self) -> dict[str, Any]:
        if self.home:
            return {"h": 1}
        return {k: v for k, v in {"ch": self.channel, "ts": self.ts, "e": int(self.ephemeral),
                                  "u": self.response_url, "b": self.block_id}.items() if v}

    @classmethod
    def from_metadata(cls, user_id: str, meta: dict[str, Any]) -> Place:
        return cls(user_id=user_id, home=bool(meta.get("h")), channel=meta.get("ch"), ts=meta.get("ts"),
                   ephemeral=bool(meta.get("e")), response_url=meta.get("u"), block_id=meta.get("b"))

    @classmethod
    def of_action(cls, body: dict[str, Any]) -> Place:
        container = body.get("container") or {}
        view = body.get("view") or {}
        action = (body.get("actions") or [{}])[0]
        return cls(
            user_id=body["user"]["id"],
            home=container.get("type") == "view" and view.get("type") == "home",
            channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            ts=container.get("message_ts"),
            ephemeral=bool(container.get("is_ephemeral")),
            response_url=body.get("response_url"),
            block_id=action.get("block_id"),
        )


class SlackAdapter:
    """Slack's side of AssureBot: one bolt app whose listeners call the core's dispatcher."""

    def __init__(self, dispatcher: Dispatcher, *, token: str, signing_secret: str | None, api_url: str,
                 app_token: str | None = None):
        self.dispatcher = dispatcher
        self.token = token
        self.app_token = app_token
        self.client = web_client(api_url, token)
        self.runner = CommandRunner(dispatcher)
        self.bot_user_id: str | None = None
        self.bot_id: str | None = None
        # bolt gets a client without the token and our own authorize: answering a request never
        # waits on a Slack API call, so commands still get an answer while Slack's API is down.
        self.bolt = AsyncApp(
            name="assurebot",
            client=web_client(api_url, None),
            signing_secret=signing_secret or "",
            authorize=self._authorizer(),
            request_verification_enabled=bool(signing_secret),
            logger=logging.getLogger("bot.slack.bolt"),
        )
        self._profiles: dict[str, tuple[float, SlackUser]] = {}
        self._dm_channels: dict[str, str] = {}
        self._submissions: OrderedDict[str, asyncio.Future[Reply | None]] = OrderedDict()
        self._origins: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._permalinks: OrderedDict[str, str] = OrderedDict()
        self._tasks: set[asyncio.Task] = set()
        self.http: aiohttp.ClientSession | None = None
        self._in_flight = 0
        self._register()

    # --- wiring --------------------------------------------------------------------------

    def _register(self) -> None:
        # bolt passes arguments by parameter name, so it is given plain functions, not bound methods.
        bolt = self.bolt
        tracked = self._tracked

        async def assure(ack, body):
            await tracked(self.on_assure(ack, body))

        async def escalate(ack, body):
            await tracked(self.on_escalate(ack, body))

        async def raise_shortcut(ack, body):
            await tracked(self.on_raise_shortcut(ack, body))

        async def message_shortcut(ack, body):
            await tracked(self.on_message_shortcut(ack, body))

        async def button(ack, body):
            await tracked(self.on_button(ack, body))

        async def share(ack, body):
            await tracked(self.on_share(ack, body))

        async def submit(ack, body, view):
            await tracked(self.on_submit(ack, body, view))

        async def home_opened(event):
            await tracked(self.on_home_opened(event))

        bolt.command("/assure")(assure)
        bolt.command("/escalate")(escalate)
        bolt.shortcut(RAISE_SHORTCUT)(raise_shortcut)
        bolt.shortcut(MESSAGE_SHORTCUT)(message_shortcut)
        bolt.action(re.compile(rf"^({re.escape(RUN_ACTION)}|{re.escape(FORM_ACTION)}):"))(button)
        bolt.action(SHARE_ACTION)(share)
        bolt.view(FORM_CALLBACK)(submit)
        bolt.event("app_home_opened")(home_opened)

    async def _tracked(self, work) -> None:
        """Run a listener, known to `settle` until it has finished what it does after its ack."""
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await work
        finally:
            self._tasks.discard(task)

    def _authorizer(self):
        async def authorize(enterprise_id, team_id):
            """Our one workspace's bot token; no Slack call, so answers never wait on Slack's API."""
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=self.token,
                                   bot_user_id=self.bot_user_id, bot_id=self.bot_id)

        return authorize

    async def handle_http(self, request: web.Request) -> web.Response:
        """POST /slack/events: commands, interactivity, shortcuts and events, verified by bolt."""
        with self.runner.acknowledging():
            bolt_response = await self.bolt.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(bolt_response)

    async def startup(self) -> None:
        """One HTTP session for every call to Slack while the server runs, so connections are reused."""
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
        self.client.session = self.http
        self.spawn(self.check_token())

    async def check_token(self) -> None:
        """Say in the log whether the bot token works; the server runs either way."""
        try:
            identity = await call(self.client, "auth.test")
        except SlackUnavailable as problem:
            log.warning("Slack: the bot token could not be checked (%s). Commands are still answered; "
                        "check SLACK_BOT_TOKEN if this persists.", problem.code)
            return
        self.bot_user_id, self.bot_id = identity.get("user_id"), identity.get("bot_id")
        log.info("Slack: connected as @%s in workspace %s.", identity.get("user"), identity.get("team"))

    def spawn(self, coro) -> None:
        """Run follow-up work after an ack, keeping a reference and logging what goes wrong."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def finished(done: asyncio.Task) -> None:
            self._tasks.discard(done)
            if not done.cancelled() and done.exception() is not None:
                log.error("Slack follow-up failed", exc_info=done.exception())

        task.add_done_callback(finished)

    async def settle(self) -> None:
        """Wait for listeners and follow-up work to finish (tests, and shutting down cleanly)."""
        while others := [t for t in self._tasks if t is not asyncio.current_task()]:
            await asyncio.gather(*others, return_exceptions=True)

    async def close(self) -> None:
        await self.settle()
        self.runner.close()
        if self.http is not None:
            self.client.session = None
            await self.http.close()

    # --- running commands ----------------------------------------------------------------

    def start_command(self, cmd: Command, user_id: str, *, after_acks: bool = False) -> asyncio.Future[Outcome]:
        """Start running a command, counted at once so requests arriving together see each other."""
        self._in_flight += 1
        work = asyncio.ensure_future(self.outcome(cmd, user_id, after_acks=after_acks))

        def finished(_: asyncio.Future) -> None:
            self._in_flight -= 1

        work.add_done_callback(finished)
        return work

    async def outcome(self, cmd: Command, user_id: str, *, after_acks: bool = False) -> Outcome:
        """Run a command as a Slack user, matching them by Slack id or else by their profile email.
        `after_acks`: its answer is sent after the ack, so acks still waiting may go first."""
        try:
            try:
                return await self.runner.run(cmd, SlackUser(user_id), after_acks=after_acks)
            except NeedsProfile:
                try:
                    user = await self.profile(user_id)
                except SlackUnavailable:
                    return Outcome(Reply(text=PROFILE_UNAVAILABLE, tone=Tone.ERROR, private=True))
                return await self.runner.run(cmd, user)
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("error %s running %r for Slack user %s", error_id, cmd.verb, user_id)
            return Outcome(Reply(text=say("internal_error", error_id=error_id), tone=Tone.ERROR, private=True))

    async def profile(self, user_id: str) -> SlackUser:
        """The user's name and email from Slack (users.info), remembered for an hour."""
        known = self._profiles.get(user_id)
        if known and time.monotonic() - known[0] < PROFILE_TTL:
            return known[1]
        data = await call(self.client, "users.info", user=user_id)
        person = data.get("user") or {}
        profile = person.get("profile") or {}
        email = "" if person.get("is_bot") or person.get("deleted") else (profile.get("email") or "").lower()
        user = SlackUser(user_id, email=email, name=profile.get("real_name") or person.get("real_name") or "")
        self._profiles[user_id] = (time.monotonic(), user)
        return user

    async def follow_up(self, outcome: Outcome, user_id: str, response_url: str | None = None) -> None:
        """After the answer: the notices the command asked for, and its files (a report's CSV and Excel)."""
        await self.deliver(outcome, response_url)
        if outcome.reply.files:
            await self.send_files(user_id, outcome.reply, response_url)

    async def send_files(self, user_id: str, reply: Reply, response_url: str | None = None) -> bool:
        """Upload a reply's files into the person's direct messages with AssureBot (files cannot go in
        an ephemeral answer, and reports are for the person who asked). If Slack does not take them,
        the person is told where they can be told; False then."""
        comment = say("slack_files", outcome="sent", title=reply.title or "your report")
        uploads = [{"content": f.data, "filename": f.filename, "title": f.filename} for f in reply.files]
        try:
            channel = await self.dm_channel(user_id)
            await call(self.client, "files_upload_v2", channel=channel, file_uploads=uploads,
                       initial_comment=comment)
        except SlackUnavailable:
            failed = Reply(text=say("slack_files", outcome="failed", count=len(reply.files)), tone=Tone.WARNING,
                           private=True)
            if response_url:
                await self.tell(response_url, failed)
            return False
        return True

    async def deliver(self, outcome: Outcome, response_url: str | None = None) -> None:
        """Send the notices a command asked for; if some could not be sent, tell the person who asked."""
        notify = self.dispatcher.notify
        if notify is None or not outcome.notices:
            return
        missed: list[str] = []
        for member, notice in outcome.notices:
            try:
                await notify(member, notice)
            except Exception as problem:  # the change is saved; only the message failed
                log.warning("could not notify member %s: %s", member.id, problem)
                missed.append(member.name)
        if missed and response_url:
            text = (f"Your change is saved, but I couldn't message {', '.join(missed)} just now. "
                    f"They will see it in AssureBot when they next look.")
            await self.tell(response_url, Reply(text=text, tone=Tone.WARNING, private=True))

    # --- slash commands ------------------------------------------------------------------

    async def on_assure(self, ack, body: dict[str, Any]) -> None:
        text = (body.get("text") or "").strip()
        await self.slash(ack, body, text or "help")

    async def on_escalate(self, ack, body: dict[str, Any]) -> None:
        text = (body.get("text") or "").strip()
        await self.slash(ack, body, f"escalate {text}".strip())

    async def slash(self, ack, body: dict[str, Any], line: str) -> None:
        """Run a typed command: the answer goes in the ack if it is ready in time, else via response_url."""
        cmd = parse_command(line, platform="slack")
        idle = self._in_flight == 0
        work = self.start_command(cmd, body["user_id"], after_acks=not idle)
        acked = False
        if idle:  # nothing queued ahead: the answer can go in the ack if it is quick
            await asyncio.wait({work}, timeout=ACK_WAIT)
        if not work.done():
            await ack()
            acked = True
        outcome = await work
        reply = outcome.reply
        if reply.form is not None and body.get("trigger_id"):
            if await self.open_form(body["trigger_id"], reply.form, {}) is not None:
                if not acked:
                    await ack()
                self.spawn(self.follow_up(outcome, body["user_id"], body.get("response_url")))
                return
            reply = form_unavailable(reply, line)
        channel = body.get("channel_id") or ""
        share = line if self.shareable(cmd, reply, channel) else None
        payload = {"response_type": "ephemeral", **message(reply, share=share)}
        if not acked:
            await ack(**payload)
        elif body.get("response_url"):
            self.spawn(self.tell_payload(body["response_url"], payload))
        self.spawn(self.follow_up(outcome, body["user_id"], body.get("response_url")))

    @staticmethod
    def shareable(cmd: Command, reply: Reply, channel: str) -> bool:
        return (cmd.verb in SHAREABLE_VERBS and not reply.private and not reply.is_error
                and bool(channel) and not channel.startswith("D"))

    # --- shortcuts -----------------------------------------------------------------------

    async def on_raise_shortcut(self, ack, body: dict[str, Any]) -> None:
        """The global shortcut "Raise an escalation": the escalation form, from anywhere (and on a phone)."""
        await ack()
        outcome = await self.outcome(parse_command("escalate", platform="slack"), body["user"]["id"])
        reply = outcome.reply
        if reply.form is not None:
            await self.open_form(body["trigger_id"], reply.form, {})
        else:
            await self.open_view(body["trigger_id"], result_modal(reply))

    async def on_message_shortcut(self, ack, body: dict[str, Any]) -> None:
        """"Escalate this message": the form with the message as its summary, keeping a link to it."""
        await ack()
        user_id = body["user"]["id"]
        outcome = await self.outcome(parse_command("escalate", platform="slack"), user_id)
        reply = outcome.reply
        if reply.form is None:
            await self.open_view(body["trigger_id"], result_modal(reply))
            return
        channel = (body.get("channel") or {}).get("id")
        ts = (body.get("message") or {}).get("ts")
        summary = plain_from_slack((body.get("message") or {}).get("text") or "")
        form = prefilled(reply.form, summary=summary)
        opening = asyncio.ensure_future(self.open_form(body["trigger_id"], form, {"src": [channel, ts]}))
        linking = asyncio.ensure_future(self.permalink_of(channel, ts))
        view_id, link = await opening, await linking
        if view_id is None:
            if body.get("response_url"):
                await self.tell(body["response_url"], form_unavailable(reply, "escalate"))
        elif link:
            remember(self._permalinks, view_id, link)

    async def permalink_of(self, channel: str | None, ts: str | None) -> str:
        if not channel or not ts:
            return ""
        try:
            data = await asyncio.wait_for(call(self.client, "chat.getPermalink", channel=channel, message_ts=ts),
                                          PERMALINK_WAIT)
        except (SlackUnavailable, asyncio.TimeoutError):
            return ""
        return data.get("permalink") or ""

    # --- buttons -------------------------------------------------------------------------

    async def on_button(self, ack, body: dict[str, Any]) -> None:
        """A button runs the console command it carries, or opens that command's form."""
        await ack()
        action = body["actions"][0]
        place = Place.of_action(body)
        line = action.get("value") or ""
        outcome = await self.outcome(parse_command(line, platform="slack"), place.user_id)
        reply = outcome.reply
        if reply.form is not None and body.get("trigger_id"):
            view_id = await self.open_form(body["trigger_id"], reply.form, place.to_metadata())
            if view_id is None:
                await self.show(place, form_unavailable(reply, line), changed=False)
            elif (body.get("message") or {}).get("blocks"):
                remember(self._origins, view_id, body["message"]["blocks"])
            return
        await self.show(place, reply, changed=reply.changed, blocks=(body.get("message") or {}).get("blocks"))
        self.spawn(self.follow_up(outcome, place.user_id, place.response_url))

    async def show(self, place: Place, reply: Reply, *, changed: bool,
                   blocks: list[dict[str, Any]] | None = None) -> None:
        """Show what a button or form did: in place when it changed something only this person sees,
        otherwise as a reply only they can see, leaving a shared message as it was."""
        try:
            if place.home:
                await self.publish_home(place.user_id, notice=reply)
            elif changed and place.personal and place.block_id and blocks and place.channel and place.ts:
                updated = result_in_place(blocks, place.block_id, reply)
                await call(self.client, "chat.update", channel=place.channel, ts=place.ts,
                           text=message(reply)["text"], blocks=updated)
            elif changed and place.personal and place.response_url:
                await respond(place.response_url, {"replace_original": True, **message(reply)}, session=self.http)
            elif place.response_url:
                await self.tell(place.response_url, reply)
        except SlackUnavailable:
            pass  # already logged with the method and code; the change itself is saved

    async def tell(self, response_url: str, reply: Reply) -> None:
        """A new message only this person sees, in the conversation they are in."""
        await self.tell_payload(response_url, {"response_type": "ephemeral", "replace_original": False,
                                               **message(reply)})

    async def tell_payload(self, response_url: str, payload: dict[str, Any]) -> None:
        try:
            await respond(response_url, payload, session=self.http)
        except SlackUnavailable:
            pass  # logged; there is no other way to reach them

    async def on_share(self, ack, body: dict[str, Any]) -> None:
        """"Post in channel": the answer again, fresh and as this person, for the whole channel."""
        await ack()
        place = Place.of_action(body)
        line = body["actions"][0].get("value") or ""
        cmd = parse_command(line, platform="slack")
        reply = (await self.outcome(cmd, place.user_id)).reply
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

    async def open_form(self, trigger_id: str, form: Form, origin: dict[str, Any]) -> str | None:
        """Open the form as a modal at once (trigger ids expire); the view id, or None if it failed."""
        meta = metadata({"c": form.command, **origin})
        return await self.open_view(trigger_id, modal(form, private_metadata=meta))

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> str | None:
        try:
            data = await asyncio.wait_for(call(self.client, "views.open", trigger_id=trigger_id, view=view),
                                          TRIGGER_WAIT)
        except (SlackUnavailable, asyncio.TimeoutError):
            return None
        return (data.get("view") or {}).get("id")

    async def on_submit(self, ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A submitted form: errors inline by field, a form that needs more, or what was saved."""
        user_id = body["user"]["id"]
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
            await self._submit(ack, body, view, user_id, title, decided)
        finally:
            if not decided.done():
                decided.set_result(None)
            if decided.result() is None:
                self._submissions.pop(view_id, None)

    async def _submit(self, ack, body: dict[str, Any], view: dict[str, Any], user_id: str, title: str,
                      decided: asyncio.Future[Reply | None]) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        values = form_values((view.get("state") or {}).get("values") or {})
        if meta.get("src"):
            values["source_link"] = self._permalinks.pop(view["id"], "") or await self.permalink_of(*meta["src"])
        cmd = parse_command(meta.get("c", ""), form=values, platform="slack")
        work = self.start_command(cmd, user_id)
        try:
            outcome = await asyncio.wait_for(asyncio.shield(work), SUBMIT_WAIT)
        except asyncio.TimeoutError:
            await ack(response_action="update", view=result_modal(Reply(
                text="Still saving. I'll send you a message when it's done.", private=True), title=title))
            outcome = await work
            decided.set_result(outcome.reply if not outcome.reply.is_error else None)
            await self.direct_message(user_id, outcome.reply)
            self.spawn(self.follow_up(outcome, user_id))
            return
        reply = outcome.reply
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
        place = Place.from_metadata(user_id, meta)
        self.spawn(self.show(place, reply, changed=reply.changed, blocks=self._origins.pop(view["id"], None)))
        self.spawn(self.follow_up(outcome, user_id))

    # --- the Home tab and direct messages ------------------------------------------------

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        try:
            await self.publish_home(event["user"])
        except SlackUnavailable:
            pass

    async def publish_home(self, user_id: str, *, notice: Reply | None = None) -> None:
        """Publish the member's Home tab from the `home` command, with what a button did on top."""
        reply = (await self.outcome(parse_command("home", platform="slack"), user_id)).reply
        await call(self.client, "views.publish", user_id=user_id, view=home_view(reply, notice=notice))

    async def direct_message(self, user_id: str, reply: Reply) -> str | None:
        """Post a reply in the bot's DM with a Slack user; None if Slack failed (already logged)."""
        try:
            return await self._post_privately(user_id, reply)
        except SlackUnavailable:
            return None

    async def send(self, member: Member, reply: Reply) -> str | None:
        """The delivery sender for Slack: a private message to the member; raises if Slack fails.

        Returns the message id as "channel:ts", which `update_message` takes.
        """
        if not member.slack_user_id:
            return None
        return await self._post_privately(member.slack_user_id, reply)

    async def dm_channel(self, user_id: str) -> str:
        """The bot's direct message channel with a Slack user (opened once, then remembered)."""
        channel = self._dm_channels.get(user_id)
        if channel is None:
            opened = await call(self.client, "conversations.open", users=user_id)
            channel = self._dm_channels[user_id] = opened["channel"]["id"]
        return channel

    async def _post_privately(self, user_id: str, reply: Reply) -> str:
        channel = await self.dm_channel(user_id)
        posted = await call(self.client, "chat.postMessage", channel=channel, **message(reply))
        if reply.files:
            await self.send_files(user_id, reply)
        return f"{channel}:{posted.get('ts')}"

    async def update_message(self, message_id: str, reply: Reply) -> None:
        """Replace a message sent by `send` (its id is "channel:ts") with a new reply."""
        channel, ts = message_id.split(":", 1)
        await call(self.client, "chat.update", channel=channel, ts=ts, **message(reply))


def prefilled(form: Form, **values: str) -> Form:
    """The form with some fields filled in (within each field's length)."""
    fields = tuple(
        replace(f, initial=values[f.name][: f.max_length or None]) if values.get(f.name) else f for f in form.fields
    )
    return replace(form, fields=fields)


def form_unavailable(reply: Reply, line: str) -> Reply:
    """A form that could not be opened, as a message with a button to try again."""
    return Reply(title=reply.title, text=f"{reply.text}\n\n{FORM_UNAVAILABLE}".strip(), tone=Tone.WARNING,
                 private=True, buttons=[Button("Open the form", line, style="primary", form=reply.form)])


def remember(store: OrderedDict, key: str, value: Any) -> None:
    """Keep a bounded number of recent entries."""
    store[key] = value
    store.move_to_end(key)
    while len(store) > REMEMBERED_VIEWS:
        store.popitem(last=False)
