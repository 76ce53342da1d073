"""Running a command for a Slack user without holding up Slack's acknowledgements.

The handlers read and write the database synchronously. Run on the event loop, one slow query
would delay every other request's ack past Slack's 3 seconds; so the database work runs in a
worker thread with its own event loop, and the server's loop only parses, verifies and answers.
Notices to other people are collected there and delivered back on the server's loop, where the
platform clients live.

Worker threads share the interpreter with the server's loop. A command whose answer goes out after
its ack (by response_url) has up to 30 minutes, while every request Slack is waiting on has 3 seconds;
so such a command first gives way, for at most ACKS_FIRST seconds from when it was queued, until no
request is waiting for its ack. Under a burst the acks go out first and the answers follow; once a
command has waited its share it runs regardless, so a steady stream of requests never starves it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from handlers.core import Command
from handlers.dispatch import Dispatcher, Who
from messages.reply import Reply
from models.audit import record
from models.partnership import Member, Platform
from models.people import link_platform_id, member_by_email, member_by_slack_id

ACKS_FIRST = 0.5  # seconds a command answered after its ack gives way to requests waiting for theirs


@dataclass(frozen=True)
class SlackUser:
    """Who pressed or typed something, as Slack knows them. The email comes from users.info."""

    id: str
    email: str | None = None
    name: str = ""

    def who(self) -> Who:
        return Who(platform=Platform.SLACK.value, slack_user_id=self.id, email=self.email, display=self.name)


@dataclass
class Outcome:
    """A command's reply and the private notices it asked to send to others."""

    reply: Reply
    notices: list[tuple[Member, Reply]] = field(default_factory=list)


class NeedsProfile(Exception):
    """The Slack id is not linked to a member yet: look up the user's email and try again."""


class CommandRunner:
    """Runs commands through the core's dispatcher in worker threads."""

    def __init__(self, dispatcher: Dispatcher, *, workers: int | None = None):
        self.dispatcher = dispatcher
        # SQLite takes one writer at a time, and more threads would only compete with the event
        # loop for the interpreter; a server database gains from a few.
        if workers is None:
            workers = 1 if dispatcher.engine.dialect.name == "sqlite" else 4
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="assurebot-slack")
        self._local = threading.local()
        self._waiting = 0
        self._unacknowledged = 0  # requests from Slack not yet answered; changed on the server's loop only
        self._all_acknowledged = threading.Event()
        self._all_acknowledged.set()

    @property
    def busy(self) -> bool:
        """True when commands are already running or queued."""
        return self._waiting > 0

    @contextmanager
    def acknowledging(self) -> Iterator[None]:
        """Around each request from Slack, until its HTTP answer (the ack) is ready."""
        self._unacknowledged += 1
        self._all_acknowledged.clear()
        try:
            yield
        finally:
            self._unacknowledged -= 1
            if self._unacknowledged == 0:
                self._all_acknowledged.set()

    async def run(self, cmd: Command, user: SlackUser, *, after_acks: bool = False) -> Outcome:
        """Run the command as this Slack user. Raises NeedsProfile when the email is needed to match them.

        `after_acks`: the answer goes out after the ack, so let waiting acks go first (see ACKS_FIRST)."""
        self._waiting += 1
        give_way_until = time.monotonic() + ACKS_FIRST if after_acks else None
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, self._run, cmd, user,
                                                                    give_way_until)
        finally:
            self._waiting -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    # --- in the worker thread ------------------------------------------------------------

    def _loop(self) -> asyncio.AbstractEventLoop:
        loop = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = asyncio.new_event_loop()
        return loop

    def _run(self, cmd: Command, user: SlackUser, give_way_until: float | None = None) -> Outcome:
        if give_way_until is not None:
            self._all_acknowledged.wait(max(0.0, give_way_until - time.monotonic()))
        self._match(user)
        notices: list[tuple[Member, Reply]] = []

        async def collect(member: Member, reply: Reply) -> None:
            notices.append((member, reply))

        core = self.dispatcher
        dispatcher = Dispatcher(core.engine, clock=core.clock, notify=collect)
        reply = self._loop().run_until_complete(dispatcher.handle(cmd, user.who()))
        return Outcome(reply, notices)

    def _match(self, user: SlackUser) -> None:
        """Link a Slack id to the member with the same email the first time they use the bot."""
        with self.dispatcher.session() as session:
            if member_by_slack_id(user.id, session=session) is not None:
                return
            if user.email is None:
                raise NeedsProfile(user.id)
            member = member_by_email(user.email, session=session)
            if member is not None and member.active and member.slack_user_id is None:
                # The audit event is added first so that it commits together with the link.
                record(session, actor_id=member.id, actor_label=user.who().describe()[:100],
                       action="member.slack_linked", entity="member", entity_id=member.id,
                       before={"slack_user_id": None}, after={"slack_user_id": user.id, "matched_by": "email"})
                link_platform_id(member, platform=Platform.SLACK.value, user_id=user.id, session=session)
