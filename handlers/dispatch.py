"""One path for every platform: find the partnership and the person, check the verb's rule, run it
off the event loop, offer only the buttons each reader may press, deliver the notices.

Adapters build a Command and a Who and call `Dispatcher.run` (or `handle`, which also delivers
the notices); they keep their platform's timing (Slack's 3-second ack, Teams' turn) and only
translate. Handlers read and write the database synchronously, so they never run on the server's
event loop: in the console and in tests, in a pool of worker threads sized to the database; in the
server, in worker processes (`Apart`, see bot/apart.py), several at once for quick commands so a
machine's processors share them, and one of its own for heavy commands (reports), so a quick
command never waits behind one. The reports' process stops when nobody has asked for a report for
a while (HEAVY_IDLE_SECONDS), and the next report starts it again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import BrokenExecutor, Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session

# Importing the capability modules registers their verbs.
from handlers import (  # noqa: F401
    actions, admin, attendance, calendar_feed, escalation_show, escalations, help, home, meetings_admin, papers,
    quorum, reminder_platform, reports, returns, snooze,
)
from handlers.core import (REGISTRY, Command, Context, UserError, Verb, closest_verbs, parse_command,
                           unknown_option)
from handlers.limits import OnePerPerson, RateLimit
from handlers.permissions import names
from messages.reply import Button, Reply, Tone
from messages.templates import say
from models.audit import record
from models.calendar import calendar_for
from models.clock import Clock
from models.db import one_commit, session_for
from models.identifiers import GENERAL, mask_identifiers
from models.partnership import Member, Partnership, Platform
from models.people import admins, identify, member_by_email, person
from models.scope import Scope
from models.submits import claim_submit, release_submit
from models.tenancy import NoPartnership, partnership_for_email, partnership_for_slack, partnership_for_tenant

log = logging.getLogger(__name__)

HEAVY_IDLE_SECONDS = 600.0  # the reports' process stops after this long without a report
MAX_TYPED = 10_000  # characters in one command, its form's fields together; every field has its own limit too
Notify = Callable[[Member, Reply], Awaitable[bool | None]]
"""Send a notice privately to a member; False when no platform reaches them."""

HOME_UNKNOWN = ("I couldn't check with Slack just now which workspace this is, so nothing was done. Please try "
                "again in a minute.")
UNKNOWN_PLACE = ("This {place} isn't linked to a partnership in AssureBot, so I can't answer here. If you "
                 "expected to use AssureBot here, ask your partnership's business unit to link it.")


@dataclass(frozen=True)
class Who:
    """Who is asking, as the platform knows them. An email here is one the platform vouches for
    (Slack's users.info, Teams' member look-up) or, in the console, the one given with --as."""

    platform: str
    email: str | None = None
    slack_user_id: str | None = None
    slack_team_id: str | None = None
    slack_enterprise_id: str | None = None
    teams_aad_id: str | None = None
    teams_tenant_id: str | None = None
    partnership_key: str | None = None  # the console's --partnership
    display: str = ""
    # Set by the adapter, never by a request: it comes from the server's own Slack workspace or
    # Microsoft 365 tenant (models.tenancy), so a lone partnership without ids may take it. None:
    # Slack has not yet said which workspace is the server's own.
    home: bool | None = False

    def key(self) -> str:
        """One person on one platform, for counting what they ask."""
        place = self.slack_team_id or self.slack_enterprise_id or self.teams_tenant_id or self.partnership_key or ""
        return f"{self.platform}:{place}:{self.slack_user_id or self.teams_aad_id or self.email or self.display}"

    def describe(self) -> str:
        ident = self.slack_user_id or self.teams_aad_id or self.email or "unknown"
        return f"{self.platform}:{ident}" + (f" ({self.display})" if self.display else "")


@dataclass
class Outcome:
    """A command's reply, the private notices it asked to send to others, and who asked."""

    reply: Reply
    notices: list[tuple[Member, Reply]] = field(default_factory=list)
    member_id: int | None = None
    # Slack: the person's Slack id is not linked yet; look up their email and run the command again.
    needs_email: bool = False
    # The tap or form's key was claimed already: the command was not run again.
    repeated: bool = False


@dataclass(frozen=True)
class Apart:
    """Where commands run when not in a thread of this process: `start(n, background=...)` makes an
    executor of n workers (each holds a Dispatcher of its own on the same database; `background`
    ones give way to the others), `call` is the function they run, `(cmd, who, once) -> Outcome`,
    importable by name so that it can be sent to them."""

    start: Callable[..., Executor]
    call: Callable[[Command, Who, str | None], Outcome]


class Dispatcher:
    """Runs commands against the database for every adapter."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None, notify: Notify | None = None,
                 feed_links: object | None = None, workers: int | None = None, limit: RateLimit | None = None,
                 email_on: bool = False, apart: Apart | None = None, heavy_idle: float = HEAVY_IDLE_SECONDS,
                 processes: int = 0):
        self.engine = engine
        self.limit = limit  # None: as many commands as a person types (the console)
        self._heavy = OnePerPerson()
        self._heavy_pool: Executor | None = None
        self.apart = apart  # None: every command runs in a thread of this process (the console, tests)
        # Quick commands run in this many processes of `apart`'s (0: in this process's threads).
        self.processes = processes if apart is not None else 0
        self._quick_pool: Executor | None = None
        self.heavy_idle = heavy_idle
        self._idle_stop: asyncio.TimerHandle | None = None  # stops the reports' process when it fires
        self.clock = clock or Clock()
        self.notify = notify
        self.feed_links = feed_links
        self.email_on = email_on  # reminders may be chosen by email (SMTP is set up)
        # SQLite takes one writer at a time, and more threads would only compete with the event loop
        # for the interpreter; a server database gains from a few.
        self.workers = workers or (1 if engine.dialect.name == "sqlite" else 4)
        self._pool: ThreadPoolExecutor | None = None

    # --- on the event loop ------------------------------------------------------------------

    async def handle(self, cmd: Command, who: Who, *, once: str | None = None) -> Reply:
        """Run one command for one person, deliver its notices, and return the reply, saying whom
        a notice could not reach."""
        outcome = await self.run(cmd, who, once=once)
        missed = await self.deliver(outcome)
        if not missed:
            return outcome.reply
        return replace(outcome.reply, text=f"{outcome.reply.text}\n\n{not_told(missed)}".strip(), tone=Tone.WARNING)

    async def run(self, cmd: Command, who: Who, *, once: str | None = None, counted: bool = True) -> Outcome:
        """Run the command in a worker thread. `once`: the key of the tap or form that sent it, so a
        second copy records nothing (see models.submits). `counted=False`: the same command again
        (once the person is known), not counted twice against their limit."""
        if counted and self.limit is not None and not self.limit.allow(who.key()):
            return Outcome(Reply(text=say("slow_down"), tone=Tone.ERROR, private=True))
        typed = len(cmd.text) + sum(len(str(v)) for v in cmd.form.values())
        if typed > MAX_TYPED:  # refused before anything reads it
            return Outcome(Reply(text=say("too_long", typed=typed, most=MAX_TYPED), tone=Tone.ERROR, private=True))
        loop = asyncio.get_running_loop()
        verb = REGISTRY.get(cmd.verb)
        if verb is None or not verb.heavy:
            if not self.processes:
                return await loop.run_in_executor(self.pool(), self._execute, cmd, who, once)
            return await self._apart(self.quick_pool(), self._drop_quick_pool, self.apart.call, cmd, who, once)
        key = who.key()
        if not self._heavy.start(key):
            return Outcome(Reply(text=say("still_working"), tone=Tone.ERROR, private=True))
        if self._idle_stop is not None:
            self._idle_stop.cancel()
            self._idle_stop = None
        try:
            call = self.apart.call if self.apart is not None else self._execute
            return await self._apart(self.heavy_pool(), self._drop_heavy_pool, call, cmd, who, once)
        finally:
            self._heavy.finish(key)
            if self.apart is not None and not self._heavy.busy():
                if self._idle_stop is not None:
                    self._idle_stop.cancel()
                self._idle_stop = loop.call_later(self.heavy_idle, self._stop_idle_heavy_pool)

    async def _apart(self, pool: Executor, drop: Callable[[Executor], None], call: Callable[..., Outcome],
                     cmd: Command, who: Who, once: str | None) -> Outcome:
        """Run the command in a worker pool of processes (or the reports' thread); a failure of the
        pool itself is the person's error reply with an id, never an exception for the adapter."""
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, call, cmd, who, once)
        except BrokenExecutor as broken:  # its process died: a new one starts for the next command
            drop(pool)
            return Outcome(internal_error(f"running {cmd.verb!r} for {who.describe()}", broken))
        except Exception as failed:  # the answer could not come back from the worker
            return Outcome(internal_error(f"running {cmd.verb!r} for {who.describe()}", failed))

    def pool(self) -> ThreadPoolExecutor:
        """The worker threads commands run in (started on first use)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="assurebot")
        return self._pool

    def quick_pool(self) -> Executor:
        """The worker processes quick commands run in (started with the server, or on first use)."""
        if self._quick_pool is None:
            self._quick_pool = self.apart.start(self.processes)
        return self._quick_pool

    async def start_processes(self) -> None:
        """Start the quick commands' processes before the first command comes, so nobody's answer
        waits while they start. If they cannot start, commands run in this process's threads."""
        if not self.processes:
            return
        loop = asyncio.get_running_loop()
        pool = self.quick_pool()
        try:  # each job sent while none is free starts a process of its own
            await asyncio.gather(*(loop.run_in_executor(pool, os.getpid) for _ in range(self.processes)))
        except Exception:
            log.exception("the processes for commands could not start; commands run in the server's own threads")
            self._drop_quick_pool(pool)
            self.processes = 0
            return
        log.info("commands are worked out in %d processes beside the server (COMMAND_PROCESSES)", self.processes)

    def _drop_quick_pool(self, pool: Executor) -> None:
        if self._quick_pool is pool:
            self._quick_pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def heavy_pool(self) -> Executor:
        """The worker reports run in, so they never wait for, or hold up, anyone's quick command: a
        process of its own when the server gave one (`apart`), else a thread (started on first use)."""
        if self._heavy_pool is None:
            self._heavy_pool = (self.apart.start(1, background=True) if self.apart is not None else
                                ThreadPoolExecutor(max_workers=1, thread_name_prefix="assurebot-reports"))
        return self._heavy_pool

    def _stop_idle_heavy_pool(self) -> None:
        """On the event loop, once nobody has asked for a report for `heavy_idle` seconds: the
        reports' process (about 120 MB) is let go; the next report starts a new one."""
        self._idle_stop = None
        pool = self._heavy_pool
        if pool is None or self._heavy.busy():  # a report began meanwhile: its end sets a new stop
            return
        self._heavy_pool = None
        pool.shutdown(wait=False)
        log.info("the reports' process stopped after %.0f seconds without a report", self.heavy_idle)

    def _drop_heavy_pool(self, pool: Executor) -> None:
        if self._heavy_pool is pool:
            self._heavy_pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    async def deliver(self, outcome: Outcome) -> list[str]:
        """Send the notices a command asked for; the names of those who could not be reached."""
        missed: list[str] = []
        if self.notify is None:
            return missed
        for member, notice in outcome.notices:
            try:
                delivered = await self.notify(member, notice)
            except Exception:  # the change is saved; only the message failed
                log.exception("could not deliver a notice to member %s", member.id)
                delivered = False
            if delivered is False:
                missed.append(member.name)
        return missed

    def close(self) -> None:
        if self._idle_stop is not None:
            self._idle_stop.cancel()
            self._idle_stop = None
        for pool in (self._pool, self._quick_pool, self._heavy_pool):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._quick_pool = self._heavy_pool = None

    # --- in a worker thread -----------------------------------------------------------------

    def _execute(self, cmd: Command, who: Who, once: str | None = None) -> Outcome:
        return self.execute(cmd, who, once=once)

    def execute(self, cmd: Command, who: Who, *, once: str | None = None) -> Outcome:
        """Everything one command does, synchronously: never raises for anything a person can cause."""
        try:
            with session_for(self.engine) as session:
                place, why = self._partnership(who, session)
                if place is None and who.home is None:  # it may be the server's own: nobody is refused
                    return Outcome(Reply(text=HOME_UNKNOWN, tone=Tone.ERROR, private=True))
                if place is None:
                    return Outcome(self._refuse_place(who, why, session))
            scope = Scope(place.id)
            with scope.session(self.engine) as session:
                actor = identify(scope=scope, session=session, email=who.email, slack_user_id=who.slack_user_id,
                                 teams_aad_id=who.teams_aad_id, label=who.describe())
                if actor is None and who.slack_user_id and who.email is None:
                    return Outcome(Reply(text=""), needs_email=True)
                if actor is None:
                    return Outcome(self._unregistered(who, scope, session))
                claimed = f"{cmd.verb} {cmd.text}".strip()
                with one_commit(session):  # what is saved, once the reply and its notices are read
                    if once and not claim_submit(once, actor.id, claimed, session=session):
                        return Outcome(Reply(text=say("already_recorded"), private=True), member_id=actor.id,
                                       repeated=True)
                    reply = self.run_as(cmd, actor, place, scope, session)
                    if once and not reply.changed:  # nothing was recorded: it may be sent again
                        release_submit(once, actor.id, claimed, session=session)
                    notices = self._notices(reply, place, scope, session)
                return Outcome(reply, notices, member_id=actor.id)
        except Exception:
            return Outcome(internal_error(f"running {cmd.verb!r} for {who.describe()}"))

    def context(self, actor: Member, place: Partnership, scope: Scope, session: Session,
                platform: str = "console") -> Context:
        calendar = calendar_for(place.nation, place.timezone)
        today = calendar.local_date(self.clock.now())
        return Context(session=session, scope=scope, actor=actor,
                       person=person(actor, scope=scope, session=session, on=today), partnership=place,
                       calendar=calendar, clock=self.clock, platform=platform, feed_links=self.feed_links,
                       email_on=self.email_on)

    def today_for(self, who: Who) -> date:
        """The day it is where the person's partnership is (the console checks a form's answers by it,
        as the handler will): UTC's date would be yesterday's just after midnight in summer time."""
        with session_for(self.engine) as session:
            place, _why = self._partnership(who, session)
        if place is None:
            return self.clock.now().date()
        return calendar_for(place.nation, place.timezone).local_date(self.clock.now())

    def run_as(self, cmd: Command, actor: Member, place: Partnership, scope: Scope, session: Session) -> Reply:
        """Run a command as a known member of the partnership, within a session bound to it."""
        verb = REGISTRY.get(cmd.verb)
        if verb is None:
            return unknown_verb(cmd.verb, today=self.clock.now().date())
        ctx = self.context(actor, place, scope, session, cmd.platform)
        try:
            refusal = refusal_for(verb, cmd, ctx)
            if refusal:
                return Reply(text=refusal, tone=Tone.ERROR, private=True)
            reply = verb.handler(cmd, ctx)
            offer_only_what_may_be_pressed(reply, ctx)
            return with_problems_masked(reply, today=ctx.today())
        except UserError as problem:
            session.rollback()
            return problem_reply(problem, today=ctx.today())
        except Exception:
            session.rollback()
            return internal_error(f"running {cmd.verb!r} for member {actor.id}")

    def _notices(self, reply: Reply, place: Partnership, scope: Scope, session: Session) -> list:
        """Each notice for a member of the same partnership, with only the buttons they may press."""
        found = []
        for notice in reply.notices:
            recipient = scope.get(Member, notice.member_id, session=session)
            if recipient is None or not recipient.active:
                continue
            offer_only_what_may_be_pressed(notice.reply, self.context(recipient, place, scope, session))
            found.append((recipient, notice.reply))
        return found

    def _partnership(self, who: Who, session: Session) -> tuple[Partnership | None, str]:
        if who.platform == Platform.SLACK.value:
            return partnership_for_slack(who.slack_team_id, who.slack_enterprise_id, session=session,
                                         home=bool(who.home)), \
                UNKNOWN_PLACE.format(place="Slack workspace")
        if who.platform == Platform.TEAMS.value:
            return partnership_for_tenant(who.teams_tenant_id, session=session, home=bool(who.home)), \
                UNKNOWN_PLACE.format(place="Microsoft 365 organisation")
        try:
            return partnership_for_email(who.email or "", key=who.partnership_key, session=session), ""
        except NoPartnership as problem:
            return None, str(problem)

    def _refuse_place(self, who: Who, why: str, session: Session) -> Reply:
        record(session, actor_id=None, actor_label=who.describe()[:100], action="access.unknown_partnership",
               entity="partnership", entity_id=None,
               after={"platform": who.platform, "slack_team": who.slack_team_id,
                      "slack_enterprise": who.slack_enterprise_id, "teams_tenant": who.teams_tenant_id})
        session.commit()
        return Reply(text=why, tone=Tone.ERROR, private=True)

    def _unregistered(self, who: Who, scope: Scope, session: Session) -> Reply:
        # Admins can see who tried in the audit trail.
        record(session, actor_id=None, actor_label=who.describe()[:100], action="access.unregistered",
               entity="member", entity_id=None, after={"platform": who.platform, "email": who.email})
        session.commit()
        unit = names(admins(scope=scope, session=session)) + " (business unit)"
        known = member_by_email(who.email, scope=scope, session=session) if who.email else None
        removed = known is not None and not known.active
        return Reply(text=say("unregistered", business_unit=unit, removed=removed), tone=Tone.ERROR, private=True)


def not_told(names: list[str]) -> str:
    """What the person is told when a change is saved but a notice about it could not be sent."""
    return (f"Your change is saved, but I couldn't message {', '.join(names)} just now. "
            f"They will see it in AssureBot when they next look.")


def refusal_for(verb: Verb, cmd: Command, ctx: Context) -> str | None:
    """Why this person may not run this command, or None; finds its target (into ctx.target) on the way.

    UserError (an unknown id, a mistyped group) passes through to be answered as it says."""
    ctx.target = None
    if not verb.rule.allows(ctx.person):
        # Naming the thing asked about gives the better refusal ("Only the chair of ARG (Helen Carter)...").
        specific = None
        if verb.target is not None:
            try:
                found = verb.target.find(cmd, ctx)
                specific = verb.target.refuse(ctx, found) if found is not None else None
            except UserError:
                specific = None
        return specific or verb.rule.refusal(ctx)
    slip = unknown_option(verb, cmd)
    if slip:
        raise UserError(slip)
    if verb.target is not None:
        ctx.target = verb.target.find(cmd, ctx)
        if ctx.target is not None:
            return verb.target.refuse(ctx, ctx.target)
    return None


def may_press(ctx: Context, line: str) -> bool:
    """Whether the person in `ctx` could run this command now (a button's, or a form's)."""
    cmd = parse_command(line, platform=ctx.platform)
    verb = REGISTRY.get(cmd.verb)
    if verb is None:
        return False
    target = ctx.target
    try:
        return refusal_for(verb, cmd, ctx) is None
    except UserError:
        return False
    finally:
        ctx.target = target


def offer_only_what_may_be_pressed(reply: Reply, ctx: Context) -> None:
    """Drop the buttons (and a form) this reader would be refused, so nothing is offered that is then refused."""
    verdicts: dict[str, bool] = {}

    def allowed(button: Button) -> bool:
        if button.command not in verdicts:
            verdicts[button.command] = may_press(ctx, button.command)
        return verdicts[button.command]

    reply.buttons = [b for b in reply.buttons if allowed(b)]
    for item in reply.items:
        item.buttons = [b for b in item.buttons if allowed(b)]
    if reply.form is not None and not may_press(ctx, reply.form.command):
        reply.form = None


def internal_error(doing: str, error: BaseException | None = None) -> Reply:
    """For an error nobody could have caused by what they typed: logged with its traceback (the
    exception being handled, or `error`) under an id, and a reply that gives the id to quote."""
    error_id = uuid.uuid4().hex[:8]
    log.error("error %s %s", error_id, doing, exc_info=error or True)
    return Reply(text=say("internal_error", error_id=error_id), tone=Tone.ERROR, private=True)


def problem_reply(problem: UserError, *, today: date) -> Reply:
    """What was wrong and how to put it right. A problem often repeats what was typed (an id, a
    name, a date): a child's details in it are masked, so a reply never carries them into the chat."""
    return with_problems_masked(Reply(text=masked(problem.message, today), title=masked(problem.title, today),
                                      tone=Tone.ERROR, private=True, errors=problem.field_errors), today=today)


def with_problems_masked(reply: Reply, *, today: date) -> Reply:
    """The reply with a child's details masked in the problems under its form's fields, which can
    quote an answer ("'...' is not a date"), whichever check or handler found them."""
    if reply.errors:
        reply.errors = {name: masked(problem, today) for name, problem in reply.errors.items()}
    return reply


def masked(text: str | None, today: date) -> str | None:
    """Text that may quote what was typed, with a child's details in it masked."""
    return mask_identifiers(text, today=today, where=GENERAL) if text else text


def unknown_verb(verb: str, *, today: date) -> Reply:
    shown = masked(verb, today)
    return Reply(text=say("unknown_command", verb=shown, suggestions=closest_verbs(verb) if shown == verb else []),
                 tone=Tone.ERROR, private=True)


