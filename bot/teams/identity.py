"""Who is writing: a Teams account matched to a member by AAD object id, or else by email.

Teams puts the person's AAD object id on every activity. The first time we see someone, their
member row has no Teams id yet, so we ask Teams for their email (TeamsInfo.get_member), match
the member by email, and link the AAD id so the next message needs no lookup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from sqlmodel import Session

from bot.teams.retry import RetryPolicy, with_retries
from handlers.dispatch import Who, find_actor
from models.partnership import Member, Platform
from models.people import link_platform_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    """A Teams account as far as we know it, and the member it is (if any)."""

    user_id: str  # the Teams id of the account in this bot's conversations (29:...)
    aad_id: str | None
    email: str | None
    name: str
    member_id: int | None

    def who(self) -> Who:
        return Who(platform=Platform.TEAMS.value, teams_aad_id=self.aad_id, email=self.email, display=self.name)


def match_member(aad_id: str | None, email: str | None, *, session: Session, name: str = "") -> Member | None:
    """The active member for a Teams account; links the AAD id to a member found by email."""
    who = Who(platform=Platform.TEAMS.value, teams_aad_id=aad_id, email=email, display=name)
    member = find_actor(who, session=session)
    if member is None or not aad_id or member.teams_aad_id == aad_id:
        return member
    if member.teams_aad_id:
        # Another Teams account with the same email (a guest account, say): answer it, don't relink.
        log.warning("member %s is linked to another Teams account; not relinking", member.id)
        return member
    if member.preferred_platform == Platform.CONSOLE.value:
        # Nobody chose a platform for them; Teams is where they are, so reminders should go there.
        member.preferred_platform = Platform.TEAMS.value
    link_platform_id(member, platform=Platform.TEAMS.value, user_id=aad_id, session=session)
    log.info("linked member %s to their Teams account", member.id)
    return member


async def identify(turn_context: TurnContext, *, session: Session, policy: RetryPolicy) -> Person:
    """Who sent this activity, asking Teams for their email only when the AAD id is not yet known.

    A display name is never taken as an identity: anybody can set their own.
    """
    sender = turn_context.activity.from_property
    aad_id = getattr(sender, "aad_object_id", None)
    name = getattr(sender, "name", None) or ""
    member = match_member(aad_id, None, session=session, name=name) if aad_id else None
    email = None
    if member is None:
        account = await _teams_account(turn_context, sender.id, policy=policy)
        if account is not None:
            email = account.email or account.user_principal_name
            aad_id = aad_id or account.aad_object_id
            name = name or account.name or ""
        if email or aad_id:
            member = match_member(aad_id, email, session=session, name=name)
    else:
        email = member.email
    return Person(user_id=sender.id, aad_id=aad_id, email=email, name=name,
                  member_id=member.id if member else None)


async def _teams_account(turn_context: TurnContext, user_id: str, *, policy: RetryPolicy):
    try:
        return await with_retries(lambda: TeamsInfo.get_member(turn_context, user_id), policy=policy,
                                  what="looking up a Teams member")
    except Exception as error:  # not fatal: the person is treated as not registered
        log.warning("could not look up Teams account %s: %s", user_id, error)
        return None
