"""The partnership, its agencies and its people."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import JSONType, UTCDateTime, utcnow


class Nation(StrEnum):
    """Whose bank holidays count: they differ across the UK."""

    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


class Platform(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    CONSOLE = "console"


class Partnership(SQLModel, table=True):
    """A safeguarding children partnership. A database normally holds one."""

    __tablename__ = "partnership"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=40)
    name: str = Field(max_length=200)
    timezone: str = Field(default="Europe/London", max_length=60)
    nation: str = Field(default=Nation.ENGLAND_AND_WALES.value, max_length=30)
    # Who people should contact for immediate risk, shown on every urgent escalation.
    front_door: str = Field(default="your local children's front door (MASH)", max_length=300)
    # Reminder and escalation rules that a partnership may change; see schedules.rules.
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Agency(SQLModel, table=True):
    """An organisation in the partnership: council, police, ICB, a school, a charity."""

    __tablename__ = "agency"
    __table_args__ = (UniqueConstraint("partnership_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    key: str = Field(max_length=40)
    name: str = Field(max_length=200)
    # The three statutory safeguarding partners: local authority, police, ICB.
    named_partner: bool = False


class Member(SQLModel, table=True):
    """A person known to the bot: a group member, chair, business unit officer or practitioner."""

    __tablename__ = "member"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=254)
    name: str = Field(max_length=200)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    slack_user_id: str | None = Field(default=None, index=True, unique=True, max_length=40)
    teams_aad_id: str | None = Field(default=None, index=True, unique=True, max_length=64)
    preferred_platform: str = Field(default=Platform.CONSOLE.value, max_length=10)
    # Indexed: the business unit (a handful among thousands) is looked up for every reminder sweep.
    is_admin: bool = Field(default=False, index=True)
    active: bool = True
    # Set when Teams says the bot can no longer reach this person (app removed).
    teams_unreachable: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
