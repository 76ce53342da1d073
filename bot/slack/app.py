"""The Slack adapter: one bolt app whose listeners (bot/slack/listeners.py) turn Slack payloads into
Commands for the dispatcher, and Replies into Block Kit; and the Slack calls they need.

Every request is verified by bolt (the signing secret) and belongs to the partnership that owns
its workspace (see models.tenancy); the dispatcher refuses a workspace no partnership owns.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.client import REQUEST_TIMEOUT, SlackUnavailable, call, respond, web_client
from bot.slack.gate import SlackGate
from bot.slack.listeners import Listeners
from bot.slack.views import SlackUser
from bot.slack.workspaces import Workspaces
from handlers.core import Command, parse_command
from handlers.dispatch import Dispatcher, Outcome, Who, internal_error, not_told
from messages.reply import Reply, Tone
from messages.slack_blocks import FORM_ACTION, FORM_CALLBACK, RUN_ACTION, SHARE_ACTION, home_view, message
from messages.templates import say
from models.partnership import Member, Platform
from schedules.delivery import OutcomeUnknown, RetryLater, Unreachable

log = logging.getLogger(__name__)

PROFILE_TTL = 3600.0  # seconds to remember a Slack profile's email
OUTBOX_EVENT = "assurebot_outbox"  # the metadata event type that carries a reminder's outbox key

RAISE_SHORTCUT = "raise_escalation"
MESSAGE_SHORTCUT = "escalate_message"

PROFILE_UNAVAILABLE = ("I couldn't check who you are with Slack just now, so nothing was done. "
                       "Please try again in a minute.")


def who(user: SlackUser, *, home: bool | None) -> Who:
    return Who(platform=Platform.SLACK.value, slack_user_id=user.id, slack_team_id=user.team_id,
               slack_enterprise_id=user.enterprise_id, email=user.email, display=user.name, home=home)


class SlackAdapter(Listeners):
    """Slack's side of AssureBot."""

    def __init__(self, dispatcher: Dispatcher, *, workspaces: Workspaces, signing_secret: str | None,
                 api_url: str, app_token: str | None = None):
        self.dispatcher = dispatcher
        self.workspaces = workspaces
        self.app_token = app_token
        self.api_url = api_url
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
        self.gate = SlackGate(signing_secret or "")
        self._profiles: dict[tuple[str | None, str], tuple[float, SlackUser]] = {}
        self._dm_channels: dict[tuple[str | None, str], str] = {}
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

        async def assure(ack, body, context):
            await tracked(self.on_assure(ack, body, context))

        async def escalate(ack, body, context):
            await tracked(self.on_escalate(ack, body, context))

        async def raise_shortcut(ack, body, context):
            await tracked(self.on_raise_shortcut(ack, body, context))

        async def message_shortcut(ack, body, context):
            await tracked(self.on_message_shortcut(ack, body, context))

        async def button(ack, body, context):
            await tracked(self.on_button(ack, body, context))

        async def share(ack, body, context):
            await tracked(self.on_share(ack, body, context))

        async def submit(ack, body, view, context):
            await tracked(self.on_submit(ack, body, view, context))

        async def home_opened(event, context):
            await tracked(self.on_home_opened(event, context))

        async def uninstalled(context):
            await tracked(self.workspaces.uninstalled(context.team_id, context.enterprise_id))

        bolt.command("/assure")(assure)
        bolt.command("/escalate")(escalate)
        bolt.shortcut(RAISE_SHORTCUT)(raise_shortcut)
        bolt.shortcut(MESSAGE_SHORTCUT)(message_shortcut)
        bolt.action(re.compile(rf"^({re.escape(RUN_ACTION)}|{re.escape(FORM_ACTION)}):"))(button)
        bolt.action(SHARE_ACTION)(share)
        bolt.view(FORM_CALLBACK)(submit)
        bolt.event("app_home_opened")(home_opened)
        bolt.event("app_uninstalled")(uninstalled)
        bolt.event("tokens_revoked")(uninstalled)

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
            """The workspace's bot token from memory; no Slack call, so answers never wait on Slack's API."""
            token, bot_user_id, bot_id = await self.workspaces.bot_of(team_id, enterprise_id)
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token,
                                   bot_user_id=bot_user_id, bot_id=bot_id)

        return authorize

    async def handle_http(self, request: web.Request) -> web.Response:
        """POST /slack/events: commands, interactivity, shortcuts and events. The gate checks the
        signature and answers a repeated request from memory; bolt runs the rest."""
        async def run(bolt_request: AsyncBoltRequest) -> web.Response:
            return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))

        return await self.gate.handle(request, run)

    async def startup(self) -> None:
        """One HTTP session for every call to Slack while the server runs, so connections are reused."""
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
        self.workspaces.session = self.http
        self.spawn(self.workspaces.ask_home())

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
        if self.http is not None:
            self.workspaces.session = None
            await self.http.close()

    async def client_for(self, user: SlackUser, *, counted: bool = False) -> AsyncWebClient:
        """The Web API client with the bot token of the person's workspace."""
        return await self.workspaces.client(user.team_id, user.enterprise_id, counted=counted)

    # --- running commands ----------------------------------------------------------------

    def start_command(self, cmd: Command, user: SlackUser, *, once: str | None = None) -> asyncio.Future[Outcome]:
        """Start running a command, counted at once so requests arriving together see each other."""
        self._in_flight += 1
        work = asyncio.ensure_future(self.outcome(cmd, user, once=once))

        def finished(_: asyncio.Future) -> None:
            self._in_flight -= 1

        work.add_done_callback(finished)
        return work

    async def outcome(self, cmd: Command, user: SlackUser, *, once: str | None = None) -> Outcome:
        """Run a command as a Slack user, matching them by Slack id or else by their profile email.
        `once`: the form's key, so the same form submitted twice saves once."""
        try:
            home = await self.workspaces.is_home(user.team_id, user.enterprise_id)
            outcome = await self.dispatcher.run(cmd, who(user, home=home), once=once)
            if not outcome.needs_email:
                return outcome
            try:
                user = await self.profile(user)
            except SlackUnavailable:
                return Outcome(Reply(text=PROFILE_UNAVAILABLE, tone=Tone.ERROR, private=True))
            return await self.dispatcher.run(cmd, who(user, home=home), once=once, counted=False)
        except Exception:  # looking the person up failed in a way Slack did not report
            return Outcome(internal_error(f"running {cmd.verb!r} for Slack user {user.id}"))

    async def profile(self, user: SlackUser) -> SlackUser:
        """The user's name and email from Slack (users.info), remembered for an hour."""
        key = (user.team_id, user.id)
        known = self._profiles.get(key)
        if known and time.monotonic() - known[0] < PROFILE_TTL:
            return known[1]
        data = await call(await self.client_for(user), "users.info", user=user.id)
        person = data.get("user") or {}
        profile = person.get("profile") or {}
        email = "" if person.get("is_bot") or person.get("deleted") else (profile.get("email") or "").lower()
        found = SlackUser(user.id, team_id=user.team_id, enterprise_id=user.enterprise_id, email=email,
                          name=profile.get("real_name") or person.get("real_name") or "")
        self._profiles[key] = (time.monotonic(), found)
        return found

    async def follow_up(self, outcome: Outcome, user: SlackUser, response_url: str | None = None) -> None:
        """After the answer: the notices the command asked for, and its files (a report's CSV and Excel)."""
        missed = await self.dispatcher.deliver(outcome)
        if missed and response_url:
            await self.tell(response_url, Reply(text=not_told(missed), tone=Tone.WARNING, private=True))
        if outcome.reply.files:
            await self.send_files(user, outcome.reply, response_url)

    # --- answering -----------------------------------------------------------------------

    async def tell(self, response_url: str, reply: Reply) -> None:
        """A new message only this person sees, in the conversation they are in."""
        await self.tell_payload(response_url, {"response_type": "ephemeral", "replace_original": False,
                                               **message(reply)})

    async def tell_payload(self, response_url: str, payload: dict[str, Any]) -> None:
        try:
            await respond(response_url, payload, session=self.http)
        except SlackUnavailable:
            pass  # logged; there is no other way to reach them

    async def publish_home(self, user: SlackUser, *, notice: Reply | None = None) -> None:
        """Publish the member's Home tab from the `home` command, with what a button did on top."""
        reply = (await self.outcome(parse_command("home", platform="slack"), user)).reply
        await call(await self.client_for(user), "views.publish", user_id=user.id,
                   view=home_view(reply, notice=notice))

    async def send_files(self, user: SlackUser, reply: Reply, response_url: str | None = None) -> bool:
        """Upload a reply's files into the person's direct messages with AssureBot (files cannot go in
        an ephemeral answer, and reports are for the person who asked). If Slack does not take them,
        the person is told where they can be told; False then."""
        comment = say("slack_files", outcome="sent", title=reply.title or "your report")
        uploads = [{"content": f.data, "filename": f.filename, "title": f.filename} for f in reply.files]
        try:
            channel = await self.dm_channel(user)
            await call(await self.client_for(user), "files_upload_v2", channel=channel, file_uploads=uploads,
                       initial_comment=comment)
        except SlackUnavailable:
            failed = Reply(text=say("slack_files", outcome="failed", count=len(reply.files)), tone=Tone.WARNING,
                           private=True)
            if response_url:
                await self.tell(response_url, failed)
            return False
        return True

    async def direct_message(self, user: SlackUser, reply: Reply) -> str | None:
        """Post a reply in the bot's DM with a Slack user; None if Slack failed (already logged)."""
        try:
            return await self._post_privately(user, reply)
        except SlackUnavailable:
            return None

    async def send(self, member: Member, reply: Reply, *, key: str | None = None) -> str | None:
        """The delivery sender for Slack: a private message to the member in their partnership's
        workspace. Returns the message id as "channel:ts".

        A reminder from the outbox (`key` given) carries its key in the message's metadata and is
        sent once, without retries, its failure told apart: RetryLater (429), OutcomeUnknown (no
        answer after the request left: `find` looks for it before it is sent again).
        """
        if not member.slack_user_id:
            raise Unreachable(f"member {member.id} has no Slack id")
        user = await self._user_of(member)
        if key is None:
            return await self._post_privately(user, reply)
        channel = await self.dm_channel(user)
        client = await self.client_for(user, counted=True)
        try:
            # The shared HTTP session's own timeout is longer; a reminder gives up sooner.
            posted = await asyncio.wait_for(call(client, "chat.postMessage", channel=channel, **message(reply),
                                                 metadata={"event_type": OUTBOX_EVENT, "event_payload": {"key": key}}),
                                            self.workspaces.send_timeout)
        except asyncio.TimeoutError as failure:
            raise OutcomeUnknown("Slack did not answer in time") from failure
        except SlackUnavailable as failure:
            if failure.may_have_arrived:
                raise OutcomeUnknown(str(failure)) from failure
            if failure.retry_after is not None:
                raise RetryLater(str(failure), failure.retry_after) from failure
            raise
        return f"{channel}:{posted.get('ts')}"

    async def find(self, member: Member, key: str) -> str | None:
        """The id of a message sent to the member with this outbox key, if it reached Slack."""
        user = await self._user_of(member)
        channel = await self.dm_channel(user)
        history = await call(await self.client_for(user), "conversations.history", channel=channel, limit=100,
                             include_all_metadata=True)
        for found in history.get("messages") or []:
            metadata = found.get("metadata") or {}
            if metadata.get("event_type") == OUTBOX_EVENT and (metadata.get("event_payload") or {}).get("key") == key:
                return f"{channel}:{found.get('ts')}"
        return None

    async def _user_of(self, member: Member) -> SlackUser:
        team_id, enterprise_id = await self.workspaces.workspace_of(member.partnership_id)
        return SlackUser(member.slack_user_id, team_id=team_id, enterprise_id=enterprise_id)

    async def dm_channel(self, user: SlackUser) -> str:
        """The bot's direct message channel with a Slack user (opened once, then remembered)."""
        key = (user.team_id, user.id)
        channel = self._dm_channels.get(key)
        if channel is None:
            opened = await call(await self.client_for(user), "conversations.open", users=user.id)
            channel = self._dm_channels[key] = opened["channel"]["id"]
        return channel

    async def _post_privately(self, user: SlackUser, reply: Reply) -> str:
        channel = await self.dm_channel(user)
        posted = await call(await self.client_for(user), "chat.postMessage", channel=channel, **message(reply))
        if reply.files:
            await self.send_files(user, reply)
        return f"{channel}:{posted.get('ts')}"
