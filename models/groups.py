"""Groups (ARG, audit group, subgroups) and who sits on them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, UniqueConstraint, and_, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, SQLModel

from models.base import JSONType


class Role(StrEnum):
    CHAIR = "chair"
    DEPUTY_CHAIR = "deputy_chair"
    MEMBER = "member"


class Group(SQLModel, table=True):
    """A group that meets, with its own notice period and quorum rule."""

    __tablename__ = "group"
    __table_args__ = (UniqueConstraint("partnership_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    key: str = Field(max_length=40)
    name: str = Field(max_length=200)
    papers_notice_working_days: int = 5
    # "N clear working days": neither the day of circulation nor the meeting day counts.
    clear_days: bool = False
    deputies_count: bool = True
    # One of {all_of: [...]}, {at_least: k, of: [...]}, {min_agencies: n}, {min_members: n},
    # optionally with chair_required: true. See handlers.quorum_rules.
    quorum: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    # The group whose chairs handle escalations (normally the ARG).
    handles_escalations: bool = False
    minutes_within_days: int = 14
    slack_channel_id: str | None = Field(default=None, max_length=40)


class Membership(SQLModel, table=True):
    """A member's seat on a group, with their role and the days it runs from and to.

    `since` is the first day the seat is held and `until` the last, both in the partnership's
    own dates; either is None when it is not known (a seat recorded before seats had dates) or
    not set (a seat still held). A seat counts towards a meeting only when it is held that day.
    """

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("group_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="group.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    role: str = Field(default=Role.MEMBER.value, max_length=20)
    since: date | None = None
    until: date | None = None


def seat_held(since: date | None, until: date | None, day: date) -> bool:
    """Whether a seat running from `since` to `until` (either open when None) is held on `day`."""
    return (since is None or since <= day) and (until is None or day <= until)


def held_on(day: date, seat: Any = Membership) -> ColumnElement[bool]:
    """The seats held on `day`, as a condition on Membership or an alias of it (`seat_held` in SQL)."""
    return and_(or_(seat.since.is_(None), seat.since <= day), or_(seat.until.is_(None), seat.until >= day))

