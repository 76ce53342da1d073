"""Factories that build rows for tests that need something other than the demo partnership."""

from __future__ import annotations

from datetime import datetime
from itertools import count

from sqlmodel import Session

from models.groups import Group, Membership
from models.meetings import AttendanceAnswer, Meeting
from models.partnership import Agency, Member, Partnership

_seq = count(1)


def partnership(session: Session, *, nation: str = "england-and-wales", **values) -> Partnership:
    row = Partnership(key=values.pop("key", f"p{next(_seq)}"), name=values.pop("name", "Test Partnership"),
                      nation=nation, **values)
    session.add(row)
    session.commit()
    return row


def agency(session: Session, p: Partnership, key: str, *, named_partner: bool = False) -> Agency:
    row = Agency(partnership_id=p.id, key=key, name=key.upper(), named_partner=named_partner)
    session.add(row)
    session.commit()
    return row


def member(session: Session, a: Agency, name: str, **values) -> Member:
    email = values.pop("email", f"{name.lower().replace(' ', '.')}.{next(_seq)}@example.org")
    row = Member(partnership_id=a.partnership_id, email=email, name=name, agency_id=a.id, **values)
    session.add(row)
    session.commit()
    return row


def group(session: Session, p: Partnership, key: str, quorum: dict, **values) -> Group:
    row = Group(partnership_id=p.id, key=key, name=values.pop("name", key.upper()), quorum=quorum, **values)
    session.add(row)
    session.commit()
    return row


def seat(session: Session, g: Group, m: Member, role: str = "member") -> Membership:
    row = Membership(group_id=g.id, member_id=m.id, role=role)
    session.add(row)
    session.commit()
    return row


def meeting(session: Session, g: Group, starts_at: datetime, **values) -> Meeting:
    row = Meeting(group_id=g.id, starts_at=starts_at, **values)
    session.add(row)
    session.commit()
    return row


def answer(session: Session, mt: Meeting, m: Member, answer: str, deputy: Member | None = None) -> AttendanceAnswer:
    row = AttendanceAnswer(meeting_id=mt.id, member_id=m.id, answer=answer, deputy_id=deputy.id if deputy else None)
    session.add(row)
    session.commit()
    return row
