"""Saved Teams conversation references: how to reach a member (personal chat) or a channel later.

A reference is saved, serialized, whenever the bot is installed somewhere and on every message,
so reminders and notices can be sent proactively. Personal chats are saved per member; channels
and group chats per conversation, without the thread part of the id, so a proactive message to a
channel starts a new post instead of replying in an old thread.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference
from sqlalchemy import bindparam
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.base import utcnow
from models.delivery import ConversationRef
from models.partnership import Platform

PERSONAL = "personal"
CHANNEL = "channel"
GROUP_CHAT = "groupChat"
TEAMS = Platform.TEAMS.value


def conversation_type(activity: Activity) -> str:
    """personal, channel or groupChat (the Emulator sends none: a personal chat)."""
    kind = getattr(activity.conversation, "conversation_type", None) or PERSONAL
    if kind not in (PERSONAL, CHANNEL, GROUP_CHAT):
        return GROUP_CHAT if getattr(activity.conversation, "is_group", False) else PERSONAL
    return kind


def is_shared(activity: Activity) -> bool:
    """A channel or group chat: other people can see what the bot posts there."""
    return conversation_type(activity) != PERSONAL


def base_conversation_id(conversation_id: str) -> str:
    """A channel conversation id without `;messageid=...` (which names one thread in it)."""
    return conversation_id.split(";messageid=", 1)[0]


def channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    if data is None:
        return {}
    if isinstance(data, dict):
        return data
    return data.serialize() if hasattr(data, "serialize") else dict(vars(data))


def teams_channel_id(activity: Activity) -> str | None:
    channel = channel_data(activity).get("channel") or {}
    return channel.get("id") if isinstance(channel, dict) else None


def tenant_id(activity: Activity) -> str | None:
    tenant = channel_data(activity).get("tenant") or {}
    found = tenant.get("id") if isinstance(tenant, dict) else None
    return found or getattr(activity.conversation, "tenant_id", None)


def team_id(activity: Activity) -> str | None:
    team = channel_data(activity).get("team") or {}
    return team.get("id") if isinstance(team, dict) else None


def reference_of(activity: Activity) -> ConversationReference:
    """The reference to save for an activity's conversation: no activity id, no thread."""
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    reference.conversation.id = base_conversation_id(reference.conversation.id)
    return reference


def remember(activity: Activity, *, member_id: int | None, session: Session) -> ConversationRef:
    """Save (or refresh) the reference for the activity's conversation."""
    kind = conversation_type(activity)
    reference = reference_of(activity)
    return save_reference(reference, kind=kind, member_id=member_id if kind == PERSONAL else None,
                          channel_id=teams_channel_id(activity) if kind == CHANNEL else None, session=session)


def save_reference(reference: ConversationReference, *, kind: str, member_id: int | None,
                   channel_id: str | None, session: Session) -> ConversationRef:
    conversation_id = reference.conversation.id
    for _ in range(2):  # a concurrent first message may insert the same row: then update it
        row = _row(conversation_id, session=session) or ConversationRef(platform=TEAMS, conversation_id=conversation_id)
        row.conversation_type = kind
        if member_id is not None or kind != PERSONAL:
            row.member_id = member_id
        row.channel_id = channel_id or row.channel_id
        row.reference = reference.serialize()
        row.updated_at = utcnow()
        session.add(row)
        try:
            session.commit()
            return row
        except IntegrityError:
            session.rollback()
    raise RuntimeError(f"could not save the conversation reference for {conversation_id}")


def _row(conversation_id: str, *, session: Session) -> ConversationRef | None:
    return session.exec(select(ConversationRef).where(ConversationRef.platform == TEAMS,
                                                      ConversationRef.conversation_id == conversation_id)).first()


def forget(conversation_id: str, *, session: Session) -> None:
    """The bot was removed from a conversation: its reference is no use any more."""
    row = _row(base_conversation_id(conversation_id), session=session)
    if row is not None:
        session.delete(row)
        session.commit()


def personal_reference(member_id: int, *, session: Session) -> ConversationReference | None:
    """The member's personal chat with the bot, most recently used first."""
    saved = personal_chat(member_id, connection=session.connection())
    return ConversationReference().deserialize(saved) if saved else None


REFS = ConversationRef.__table__
_PERSONAL = (REFS.c.platform == TEAMS, REFS.c.conversation_type == PERSONAL)
_PERSONAL_CHAT = (select(REFS.c.reference).where(*_PERSONAL, REFS.c.member_id == bindparam("member_id"))
                  .order_by(REFS.c.updated_at.desc(), REFS.c.id.desc()).limit(1))
_PERSONAL_CHATS = (select(REFS.c.member_id, REFS.c.reference)
                   .where(*_PERSONAL, REFS.c.member_id.in_(bindparam("member_ids", expanding=True)))
                   .order_by(REFS.c.updated_at, REFS.c.id))


def personal_chat(member_id: int, *, connection: Connection) -> dict[str, Any] | None:
    """The member's personal chat as its saved reference's JSON, the most recently used if there are
    several: one prepared statement, read as it is (a reminder run reads thousands)."""
    return connection.execute(_PERSONAL_CHAT, {"member_id": member_id}).scalar()


def personal_chats(member_ids: list[int], *, connection: Connection) -> dict[int, dict[str, Any]]:
    """personal_chat for many members in one statement: {member id: reference JSON}, for those who have one."""
    found: dict[int, dict[str, Any]] = {}
    for member_id, reference in connection.execute(_PERSONAL_CHATS, {"member_ids": list(member_ids)}):
        found[member_id] = reference  # oldest first: the most recently used is kept
    return found


def channel_reference(channel: str, *, session: Session) -> ConversationReference | None:
    """A channel (or group chat) by its Teams channel id or its conversation id."""
    row = session.exec(select(ConversationRef).where(
        ConversationRef.platform == TEAMS, ConversationRef.channel_id == channel)).first()
    if row is None:
        row = _row(base_conversation_id(channel), session=session)
    if row is None or row.conversation_type == PERSONAL:
        return None
    return ConversationReference().deserialize(row.reference)


def shared_conversations(*, session: Session) -> list[ConversationRef]:
    """Every channel and group chat the bot is in, for admins choosing where reminders go."""
    return list(session.exec(select(ConversationRef).where(
        ConversationRef.platform == TEAMS, ConversationRef.conversation_type != PERSONAL)
        .order_by(ConversationRef.id)))
