"""A small partnership for reminder stories, and rows the core factories don't build."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlmodel import Session

from messages.plain import render_plain
from messages.reply import Reply
from models.escalations import Escalation
from models.groups import Group
from models.meetings import Meeting, Paper
from models.partnership import Agency, Member, Partnership
from models.snooze import Snooze
from models.work import Action, DataReturn
from schedules.digest import sweep
from tests import factories

LONDON = ZoneInfo("Europe/London")


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A London wall-clock time as a UTC moment."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(timezone.utc)


@dataclass
class Town:
    """A partnership with the three named partners, a business manager and an ARG."""

    partnership: Partnership
    la: Agency
    police: Agency
    icb: Agency
    bu: Agency
    admin: Member
    chair: Member  # ARG chair, local authority
    officer: Member  # police ARG member
    nurse: Member  # ICB ARG member
    arg: Group


def town(session: Session, *, nation: str = "england-and-wales", settings: dict | None = None,
         notice: int = 5, clear_days: bool = False, key: str | None = None) -> Town:
    p = factories.partnership(session, nation=nation, settings=settings or {}, **({"key": key} if key else {}))
    la = factories.agency(session, p, f"la{p.id}", named_partner=True)
    police = factories.agency(session, p, f"police{p.id}", named_partner=True)
    icb = factories.agency(session, p, f"icb{p.id}", named_partner=True)
    bu = factories.agency(session, p, f"bu{p.id}")
    admin = factories.member(session, bu, "Priya Admin", is_admin=True)
    chair = factories.member(session, la, "Helen Chair")
    officer = factories.member(session, police, "Mark Officer")
    nurse = factories.member(session, icb, "Rachel Nurse")
    arg = factories.group(session, p, f"arg{p.id}", {"all_of": [la.key, police.key, icb.key]}, name="ARG",
                          handles_escalations=True, papers_notice_working_days=notice, clear_days=clear_days)
    factories.seat(session, arg, chair, "chair")
    factories.seat(session, arg, officer)
    factories.seat(session, arg, nurse)
    return Town(p, la, police, icb, bu, admin, chair, officer, nurse, arg)


def add(session: Session, row):
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def a_return(session: Session, owner: Member, due: date, title: str = "Quarterly dataset", **values) -> DataReturn:
    return add(session, DataReturn(agency_id=owner.agency_id, owner_id=owner.id, title=title, due_date=due,
                                   kind=values.pop("kind", "dataset"), **values))


def an_action(session: Session, owner: Member, due: date, title: str = "Revise the neglect toolkit",
              **values) -> Action:
    return add(session, Action(agency_id=owner.agency_id, owner_id=owner.id, title=title, due_date=due, **values))


def a_meeting(session: Session, group: Group, day: date, hour: int = 10, **values) -> Meeting:
    return add(session, Meeting(group_id=group.id, starts_at=at(day, hour), **values))


def a_paper(session: Session, meeting: Meeting, owner: Member, title: str = "Audit highlights", **values) -> Paper:
    return add(session, Paper(meeting_id=meeting.id, owner_id=owner.id, title=title, **values))


def an_escalation(session: Session, raiser: Member, raised: datetime, **values) -> Escalation:
    return add(session, Escalation(raised_by_id=raiser.id, agency_id=raiser.agency_id, raised_at=raised,
                                   stage_entered_at=values.pop("stage_entered_at", raised),
                                   category=values.pop("category", "practice"),
                                   summary=values.pop("summary", "Disagreement about closing a case"), **values))


def a_snooze(session: Session, member: Member, kind: str, item_id: int, until: date) -> Snooze:
    return add(session, Snooze(member_id=member.id, item_kind=kind, item_id=item_id, until=until))


def digests(session: Session, day: date) -> dict[str, Reply]:
    """Who gets a digest on a day, by name, as the sweep builds them."""
    return {d.member.name: d.reply for d in sweep(session, on=day).digests}


def text_of(reply: Reply | None) -> str:
    """A digest as the console shows it ('' for no digest)."""
    return render_plain(reply) if reply is not None else ""


def lines(reply: Reply | None) -> list[str]:
    """The item lines of a digest, in order."""
    return [item.text for item in reply.items] if reply is not None else []
