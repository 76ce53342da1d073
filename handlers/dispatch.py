"""One path for every platform: find who is asking, run the handler, deliver notices.

Adapters build a Command and a Who, call `Dispatcher.handle`, and render the Reply.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

# Importing the capability modules registers their verbs.
from handlers import actions, admin, attendance, calendar_feed, escalations, help, home, papers, quorum, reports, returns, snooze  # noqa: F401
from handlers.core import REGISTRY, Command, Context, UserError, closest_verbs
from models.clock import Clock
from handlers.permissions import business_unit
from messages.reply import Reply, Tone
from messages.templates import say
from models.audit import record
from models.db import session_for
from models.partnership import Member
from models.people import member_by_email, member_by_slack_id, member_by_teams_id, partnership_of
from models.calendar import calendar_for

log = logging.getLogger(__name__)

Notify = Callable[[Member, Reply], Awaitable[None]]


@dataclass(frozen=True)
class Who:
    """Who is asking, as the platform knows them."""

    platform: str
    email: str | None = None
    slack_user_id: str | None = None
    teams_aad_id: str | None = None
    display: str = ""

    def describe(self) -> str:
        ident = self.slack_user_id or self.teams_aad_id or self.email or "unknown"
        return f"{self.platform}:{ident}" + (f" ({self.display})" if self.display else "")


def find_actor(who: Who, *, session: Session) -> Member | None:
    """The member behind a platform identity: by platform id first, then by email."""
    member = None
    if who.slack_user_id:
        member = member_by_slack_id(who.slack_user_id, session=session)
    if member is None and who.teams_aad_id:
        member = member_by_teams_id(who.teams_aad_id, session=session)
    if member is None and who.email:
        member = member_by_email(who.email, session=session)
    return member if member and member.active else None


class Dispatcher:
    """Runs commands against the database for any adapter."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None, notify: Notify | None = None,
                 feed_links: object | None = None):
        self.engine = engine
        self.clock = clock or Clock()
        self.notify = notify
        self.feed_links = feed_links

    def session(self) -> Session:
        return session_for(self.engine)

    async def handle(self, cmd: Command, who: Who) -> Reply:
        """Run one command for one person and return the reply; never raises for user mistakes."""
        with self.session() as session:
            actor = find_actor(who, session=session)
            if actor is None:
                return self._unregistered(who, session)
            reply = await self.run(cmd, actor, session)
            notices = [(session.get(Member, n.member_id), n.reply) for n in reply.notices]
        if self.notify:
            for member, notice in notices:
                if member is None:
                    continue
                try:
                    await self.notify(member, notice)
                except Exception:  # a failed notice must not lose the saved change or the reply
                    log.exception("could not deliver a notice to member %s", member.id)
        return reply

    async def run(self, cmd: Command, actor: Member, session: Session) -> Reply:
        """Run a command as a known member inside an open session."""
        verb = REGISTRY.get(cmd.verb)
        if verb is None:
            return unknown_verb(cmd.verb)
        partnership = partnership_of(actor, session=session)
        ctx = Context(
            session=session,
            actor=actor,
            partnership=partnership,
            calendar=calendar_for(partnership.nation, partnership.timezone),
            clock=self.clock,
            platform=cmd.platform,
            feed_links=self.feed_links,
        )
        try:
            return await verb.handler(cmd, ctx)
        except UserError as problem:
            session.rollback()
            return Reply(text=problem.message, title=problem.title, tone=Tone.ERROR, errors=problem.field_errors,
                         private=True)
        except Exception:
            session.rollback()
            error_id = uuid.uuid4().hex[:8]
            log.exception("error %s running %r for member %s", error_id, cmd.verb, actor.id)
            return Reply(text=say("internal_error", error_id=error_id), tone=Tone.ERROR, private=True)

    def _unregistered(self, who: Who, session: Session) -> Reply:
        # Admins can see who tried in the audit trail.
        record(session, actor_id=None, actor_label=who.describe()[:100], action="access.unregistered",
               entity="member", entity_id=None, after={"platform": who.platform, "email": who.email})
        session.commit()
        return Reply(text=say("unregistered", business_unit=business_unit(session)), tone=Tone.ERROR, private=True)


def unknown_verb(verb: str) -> Reply:
    return Reply(text=say("unknown_command", verb=verb, suggestions=closest_verbs(verb)), tone=Tone.ERROR,
                 private=True)
