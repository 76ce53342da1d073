"""Snoozes: a member asks not to be reminded about an item until a date."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.calendar import WorkingCalendar


class Snooze(SQLModel, table=True):
    """Keep an item out of a member's reminders until `until`, the day it comes back (left out on
    every day before it, shown again from it)."""

    __tablename__ = "snooze"
    __table_args__ = (UniqueConstraint("member_id", "item_kind", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    item_kind: str = Field(max_length=20)  # action, return, paper, meeting
    item_id: int
    until: date = Field(index=True)


from sqlmodel import Session, select  # noqa: E402

from models.audit import record  # noqa: E402


def snooze_days(calendar: WorkingCalendar, pressed: date, *, week: bool) -> tuple[date, date]:
    """(the first working day whose reminder leaves the item out, the day it comes back) for a
    snooze pressed on `pressed`.

    Reminders go once a working day, so a press answers a reminder already sent: a day leaves the
    item out of the next working day's reminder and brings it back on the working day after that
    (pressed on Monday: none on Tuesday, back on Wednesday; pressed on Friday: none on Monday, back
    on Tuesday). A week brings it back on the same weekday a week later, or on the first working
    day after that when it is a bank holiday."""
    skipped = calendar.add_working_days(pressed, 1)
    if week:
        return skipped, calendar.next_working_day(pressed + timedelta(days=7))
    return skipped, calendar.add_working_days(pressed, 2)


def snooze_item(member_id: int, item_kind: str, item_id: int, until: date, *, session: Session) -> Snooze:
    """Keep an item out of a member's reminders until `until`, the day it comes back (replacing an
    earlier snooze)."""
    row = session.exec(
        select(Snooze).where(Snooze.member_id == member_id, Snooze.item_kind == item_kind, Snooze.item_id == item_id)
    ).first()
    row = row or Snooze(member_id=member_id, item_kind=item_kind, item_id=item_id, until=until)
    row.until = until
    session.add(row)
    record(session, actor_id=member_id, action="reminder.snoozed", entity=item_kind, entity_id=item_id,
           after={"until": until.isoformat()})
    session.commit()
    return row
