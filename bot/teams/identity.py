"""Who is writing: a Teams account, in a Microsoft 365 tenant, matched to a member of the partnership
that owns the tenant, by AAD object id or else by the email Teams reports for the account.

Teams puts the person's AAD object id on every activity. The first time we see someone, their
member row has no Teams id yet, so we ask Teams for their email (TeamsInfo.get_member, through the
authenticated connector), match the member by email within the partnership, and link the AAD id
so the next message needs no look-up. A display name is never taken as an identity.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema.teams import TeamsChannelAccount
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.teams.conversations import channel_data, tenant_id
from bot.teams.retry import RetryPolicy, with_retries
from handlers.dispatch import Who
from models.db import session_for
from models.partnership import Member, Platform
from models.people import identify as identify_member
from models.scope import Scope
from models.tenancy import partnership_for_tenant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HomeTenant:
    """Which Microsoft 365 tenant is this server's own: a Single Tenant bot's, or any in the local
    mode (the Emulator on this machine). A lone partnership without a `teams_tenant_id` takes only
    its home's people (models.tenancy); a Multi Tenant bot has no home, so each partnership names
    its tenant."""

    tenant_id: str | None = None
    anywhere: bool = False

    def holds(self, tenant: str | None) -> bool:
        return self.anywhere or (tenant is not None and tenant == self.tenant_id)


@dataclass(frozen=True)
class Person:
    """A Teams account as far as we know it, and the member it is (if any)."""

    user_id: str  # the Teams id of the account in this bot's conversations (29:...)
    aad_id: str | None
    email: str | None
    name: str
    tenant_id: str | None
    member_id: int | None
    partnership_id: int | None = None
    home: bool = False  # from the server's own tenant (HomeTenant)

    def who(self) -> Who:
        return Who(platform=Platform.TEAMS.value, teams_aad_id=self.aad_id, teams_tenant_id=self.tenant_id,
                   email=self.email, display=self.name, home=self.home)


def match_member(aad_id: str | None, email: str | None, *, tenant: str | None, session: Session,
                 name: str = "", home: bool = False) -> Member | None:
    """The active member for a Teams account in the partnership that owns the tenant; links the AAD id
    to a member found by email. `home`: the tenant is the server's own (HomeTenant)."""
    place = partnership_for_tenant(tenant, session=session, home=home)
    if place is None:
        return None
    return identify_member(scope=Scope(place.id), session=session, email=email, teams_aad_id=aad_id,
                           label=f"teams:{aad_id or email} ({name})")


def _match(engine: Engine, aad_id: str | None, email: str | None, tenant: str | None,
           name: str, home: bool) -> tuple[int | None, int | None]:
    with session_for(engine) as session:
        member = match_member(aad_id, email, tenant=tenant, session=session, name=name, home=home)
        return (member.id, member.partnership_id) if member is not None else (None, None)


async def identify(turn_context: TurnContext, *, engine: Engine, policy: RetryPolicy, home: HomeTenant) -> Person:
    """Who sent this activity, asking Teams for their email only when the AAD id is not yet known."""
    activity = turn_context.activity
    sender = activity.from_property
    aad_id = getattr(sender, "aad_object_id", None)
    name = getattr(sender, "name", None) or ""
    tenant = tenant_id(activity)
    at_home = home.holds(tenant)
    member_id, partnership_id = (await asyncio.to_thread(_match, engine, aad_id, None, tenant, name, at_home)
                                 if aad_id
                                 else (None, None))
    email = None
    if member_id is None:
        account = await _teams_account(turn_context, sender.id, policy=policy)
        if account is not None:
            email = account.email or account.user_principal_name
            aad_id = aad_id or account.aad_object_id
            name = name or account.name or ""
        if email or aad_id:
            member_id, partnership_id = await asyncio.to_thread(_match, engine, aad_id, email, tenant, name,
                                                                at_home)
    return Person(user_id=sender.id, aad_id=aad_id, email=email, name=name, tenant_id=tenant, member_id=member_id,
                  partnership_id=partnership_id, home=at_home)


async def _teams_account(turn_context: TurnContext, user_id: str, *, policy: RetryPolicy):
    """The account as the channel knows it: Teams' member look-up, or off Teams (Web Chat, Direct
    Line, the Emulator: no Teams channel data) the Bot Connector's own conversation member."""
    try:
        if channel_data(turn_context.activity):
            return await with_retries(lambda: TeamsInfo.get_member(turn_context, user_id), policy=policy,
                                      what="looking up a Teams member")
        return await with_retries(lambda: _conversation_member(turn_context, user_id), policy=policy,
                                  what="looking up a conversation member")
    except Exception as error:  # not fatal: the person is treated as not registered
        log.warning("could not look up Teams account %s: %s", user_id, error)
        return None


async def _conversation_member(turn_context: TurnContext, user_id: str) -> TeamsChannelAccount | None:
    connector = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    if connector is None or not turn_context.activity.conversation or not user_id:
        return None
    member = await connector.conversations.get_conversation_member(turn_context.activity.conversation.id, user_id)
    return TeamsChannelAccount().deserialize(dict(member.serialize(), **(member.additional_properties or {})))
