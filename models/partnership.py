"""The partnership, its agencies and its people."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
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
    EMAIL = "email"  # for members outside the partnership's Slack or Teams


# The audit action of a member choosing where their reminders come; a reload of the partnership
# file keeps that choice unless the file names a platform for them.
REMINDERS_WHERE = "member.reminders_where"


class Partnership(SQLModel, table=True):
    """A safeguarding children partnership. A database may host several, each with its own people.

    A Slack request belongs to the partnership whose workspace (team id) it comes from, a Teams
    activity to the one whose Microsoft 365 tenant it comes from. With one partnership and no ids
    set, every signed request and authenticated activity is that partnership's.
    """

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
    slack_team_id: str | None = Field(default=None, max_length=40, unique=True, index=True)
    slack_enterprise_id: str | None = Field(default=None, max_length=40)
    teams_tenant_id: str | None = Field(default=None, max_length=64, unique=True, index=True)
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
    """A person known to the bot: a group member, chair, business unit officer or practitioner.

    People belong to one partnership; someone who sits in two (a police lead covering two areas)
    is two members, one in each, so nothing of one partnership is reachable from the other.
    """

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("partnership_id", "email", name="uq_member_partnership_email"),
        UniqueConstraint("partnership_id", "slack_user_id", name="uq_member_partnership_slack"),
        UniqueConstraint("partnership_id", "teams_aad_id", name="uq_member_partnership_teams"),
        # An agency's people by name (the colleagues offered as deputies), without sorting them all.
        Index("ix_member_agency_name", "agency_id", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    email: str = Field(index=True, max_length=254)
    name: str = Field(max_length=200)
    # What to call them ("Hello Sam."); without it, the first word of the name that is not a title.
    preferred_name: str | None = Field(default=None, max_length=60)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    slack_user_id: str | None = Field(default=None, index=True, max_length=40)
    teams_aad_id: str | None = Field(default=None, index=True, max_length=64)
    preferred_platform: str = Field(default=Platform.CONSOLE.value, max_length=10)
    # Indexed: the business unit (a handful among thousands) is looked up for every reminder sweep.
    is_admin: bool = Field(default=False, index=True)
    active: bool = True
    # Set when Teams says the bot can no longer reach this person (app removed).
    teams_unreachable: bool = False
    # Set when the member turned reminder emails off (the unsubscribe link); a reload of the file keeps it.
    email_off: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# Words that come before a name but are not what a person is called: "Hello DI." is wrong.
TITLES = frozenset({"dr", "di", "dci", "dsi", "ds", "dc", "pc", "ps", "sgt", "insp", "supt", "cllr", "councillor",
                    "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "rev", "revd", "sir", "dame", "lord",
                    "lady", "det", "sister", "nurse"})


def first_name(member: Member) -> str:
    """What to call someone: their preferred name, else the first word of their name that is not a
    title (Dr Amara Okafor is Amara; DI Mark Evans is Mark)."""
    if member.preferred_name and member.preferred_name.strip():
        return member.preferred_name.strip()
    return first_name_in(member.name)


def first_name_in(name: str) -> str:
    """The first word of a full name that is not a title ("" for an empty name)."""
    words = name.split()
    for word in words:
        if word.strip(".,").casefold() not in TITLES:
            return word.strip(",")
    return words[0] if words else ""
