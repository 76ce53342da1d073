"""How the bot reaches people later: saved Teams conversations and the reminder outbox."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import JSONType, UTCDateTime, utcnow


class ConversationRef(SQLModel, table=True):
    """A serialized Bot Framework conversation reference, per member or per channel."""

    __tablename__ = "conversation_ref"
    __table_args__ = (UniqueConstraint("platform", "conversation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(default="teams", max_length=10)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    # personal, channel or groupChat
    conversation_type: str = Field(default="personal", max_length=20)
    conversation_id: str = Field(max_length=400)
    channel_id: str | None = Field(default=None, max_length=400)
    reference: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(SQLModel, table=True):
    """A message queued for one recipient: queued once per (recipient, platform, day, kind)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("member_id", "platform", "for_date", "kind"),
        Index("ix_outbox_status_lease", "status", "lease_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    platform: str = Field(max_length=10)
    for_date: date
    kind: str = Field(max_length=30)  # digest, exception_report, ...
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING.value, max_length=10)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    # Sends that left for the platform (counted before the request goes): at most MAX_POSTS.
    posts: int = 0
    # The flush that holds the row while it is `sending`: only it may record the result.
    claimed_by: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=1000)
    platform_message_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the business unit was told this message could not be delivered (migration 0002_reminders).
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
