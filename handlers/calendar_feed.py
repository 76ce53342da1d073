"""calendar: iCalendar feeds of a group's meetings and, for one member, their own deadlines; and the
chat command that gives a member their own link.

Outlook, Google and Apple calendars subscribe to a link and fetch it again every hour or so.
Every event keeps the same UID from one fetch to the next, so a moved meeting moves in
people's calendars rather than appearing twice, and a cancelled one shows as cancelled.
Deadlines (papers, returns, actions) are all-day entries that do not block time, and drop
out of the feed once done.

A member's link carries a token: their id and an HMAC of it under CALENDAR_SECRET. Changing
the secret withdraws every link at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, func, select

from handlers.core import Command, Context, command
from handlers.permissions import business_unit
from messages.reply import Reply, Tone
from messages.templates import say
from models.audit import AuditEvent
from models.calendar import WorkingCalendar, calendar_for
from models.groups import Group
from models.meetings import Meeting, MeetingStatus, Paper, deputy_meetings
from models.partnership import Member, Partnership
from models.people import partnership, seats
from models.scope import Scope
from models.work import Action, ActionStatus, DataReturn

if TYPE_CHECKING:
    from icalendar import Event

log = logging.getLogger(__name__)

MEETING_LENGTH = timedelta(hours=2)  # meetings are booked by their start only
HISTORY = timedelta(days=365)  # past meetings kept in the feed, so last year's stay in people's calendars
REFRESH = timedelta(hours=1)


# --- the secret link ----------------------------------------------------------------------------------


def member_token(member_id: int, secret: str) -> str:
    """The token in a member's calendar link: their id and an HMAC of it, so it cannot be guessed."""
    digest = hmac.new(secret.encode(), f"assurebot-calendar:{member_id}".encode(), hashlib.sha256).hexdigest()
    return f"{member_id}-{digest[:32]}"


def member_for_token(token: str, *, session: Session, secret: str) -> Member | None:
    """The active member a token belongs to, or None for a wrong, old or tampered token.

    The token is the edge: it names the member, and so the partnership whose calendar it opens.
    """
    member_id, _, _digest = token.partition("-")
    if not (member_id.isascii() and member_id.isdigit()) or len(member_id) > 12:
        return None
    if not hmac.compare_digest(member_token(int(member_id), secret), token):
        return None
    member = session.get(Member, int(member_id))
    return member if member is not None and member.active else None


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/calendar/{token}.ics"


@dataclass(frozen=True)
class FeedLinks:
    """Where members' calendar links point and what signs them (PUBLIC_URL, CALENDAR_SECRET)."""

    public_url: str
    secret: str = field(repr=False)


# --- the feed -----------------------------------------------------------------------------------------


def _uid(kind: str, row_id: int, partnership: Partnership) -> str:
    return f"{kind}-{row_id}@{partnership.key}.assurebot"


def _revisions(scope: Scope, session: Session, entity: str, ids: list[int]) -> Counter:
    """How many times each row has changed, from the audit trail: the SEQUENCE calendars compare."""
    if not ids:
        return Counter()
    return Counter(dict(session.exec(
        select(AuditEvent.entity_id, func.count()).where(scope.where(AuditEvent), AuditEvent.entity == entity,
                                                         col(AuditEvent.entity_id).in_(ids))
        .group_by(AuditEvent.entity_id)).all()))


def build_calendar(*, scope: Scope, session: Session, partnership: Partnership, groups: list[Group],
                   member: Member | None, now: datetime, name: str, extra_meetings: dict[int, Group] | None = None
                   ) -> bytes:
    """The .ics text: the groups' meetings (scheduled and cancelled) and the member's open deadlines."""
    calendar = calendar_for(partnership.nation, partnership.timezone)
    from icalendar import Calendar  # only a feed needs it: commands start without it

    cal = Calendar()
    cal.add("prodid", "-//AssureBot//Safeguarding partnership calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-caldesc", f"Meetings and deadlines from AssureBot for {partnership.name}")
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")

    by_id = {g.id: g for g in groups}
    meetings = list(session.exec(
        select(Meeting).where(scope.where(Meeting), col(Meeting.group_id).in_(list(by_id) or [0]),
                              Meeting.starts_at >= now - HISTORY)
        .order_by(Meeting.starts_at, Meeting.id)))
    extra = extra_meetings or {}
    if extra:  # meetings of other groups the member attends (as somebody's deputy)
        meetings += [m for m in session.exec(select(Meeting).where(
            scope.where(Meeting), col(Meeting.id).in_(list(extra)), Meeting.starts_at >= now - HISTORY))
            if m.group_id not in by_id]
        by_id.update({g.id: g for g in extra.values()})
        meetings.sort(key=lambda m: (m.starts_at, m.id))
    changes = _revisions(scope, session, "meeting", [m.id for m in meetings])
    for meeting in meetings:
        cal.add_component(_meeting_event(meeting, by_id[meeting.group_id], partnership, calendar, changes, now))
    if member is not None:
        for event in _deadlines(scope, session, partnership, calendar, member, now):
            cal.add_component(event)
    return cal.to_ical()


def _meeting_event(meeting: Meeting, group: Group, partnership: Partnership, calendar: WorkingCalendar,
                   changes: Counter, now: datetime) -> Event:
    cancelled = meeting.status == MeetingStatus.CANCELLED.value
    from icalendar import Event

    event = Event()
    event.add("uid", _uid("meeting", meeting.id, partnership))
    event.add("dtstamp", now)
    event.add("sequence", changes[meeting.id])
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + MEETING_LENGTH)
    event.add("summary", ("Cancelled: " if cancelled else "") + group.name)
    if meeting.location:
        event.add("location", meeting.location)
    papers = calendar.papers_due(calendar.local_date(meeting.starts_at), group.papers_notice_working_days,
                                 group.clear_days)
    event.add("description", "This meeting is cancelled." if cancelled else
              f"Papers due {papers:%a} {papers.day} {papers:%b %Y}. Tell AssureBot whether you are coming: "
              f"attend {group.key} yes, no, or deputy NAME.")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _deadline(kind: str, row_id: int, partnership: Partnership, day: date, summary: str, description: str,
              sequence: int, now: datetime) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", _uid(kind, row_id, partnership))
    event.add("dtstamp", now)
    event.add("sequence", sequence)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")  # a deadline is not a meeting: it does not make anyone busy
    return event


def _deadlines(scope: Scope, session: Session, partnership: Partnership, calendar: WorkingCalendar,
               member: Member, now: datetime) -> list[Event]:
    """The member's own open deadlines: papers they owe, returns they are named for, their actions."""
    events = []
    papers = session.exec(
        select(Paper, Meeting, Group).join(Meeting, Meeting.id == Paper.meeting_id)
        .join(Group, Group.id == Meeting.group_id)
        .where(scope.where(Paper), Paper.owner_id == member.id, Paper.submitted_at.is_(None),
               Meeting.status == MeetingStatus.SCHEDULED.value, Meeting.starts_at >= now)).all()
    paper_changes = _revisions(scope, session, "meeting", [m.id for _p, m, _g in papers])
    for paper, meeting, group in papers:
        day = calendar.local_date(meeting.starts_at)
        due = calendar.papers_due(day, group.papers_notice_working_days, group.clear_days)
        events.append(_deadline("paper", paper.id, partnership, due, f"Paper due: {paper.title}",
                                f"For {group.name} on {day:%a} {day.day} {day:%b %Y}. When it is in: "
                                f"paper done {paper.id}", paper_changes[meeting.id], now))
    returns = session.exec(select(DataReturn).where(scope.where(DataReturn), DataReturn.owner_id == member.id,
                                                   DataReturn.submitted_at.is_(None))).all()
    return_changes = _revisions(scope, session, "data_return", [r.id for r in returns])
    for item in returns:
        events.append(_deadline("return", item.id, partnership, item.due_date,
                                f"Return due: {item.title}" + (f" ({item.period})" if item.period else ""),
                                f"When it is sent: return done {item.id}", return_changes[item.id], now))
    actions = session.exec(select(Action).where(scope.where(Action), Action.owner_id == member.id,
                                                Action.status == ActionStatus.OPEN.value)).all()
    action_changes = _revisions(scope, session, "action", [a.id for a in actions])
    for action in actions:
        events.append(_deadline("action", action.id, partnership, action.due_date, f"Action due: {action.title}",
                                (f"From {action.source}. " if action.source else "")
                                + f"When it is done: action done {action.id}", action_changes[action.id], now))
    return events


def member_calendar(member: Member, *, scope: Scope, session: Session, now: datetime) -> bytes:
    """A member's own feed: the meetings of every group they sit on, those they are named to attend
    as somebody's deputy, and their deadlines."""
    place = partnership(scope=scope, session=session)
    today = calendar_for(place.nation, place.timezone).local_date(now)
    groups = [group for group, _role in seats(member, scope=scope, session=session, on=today)]
    standing_in = deputy_meetings(member.id, scope=scope, session=session)
    extra = {meeting_id: scope.get(Group, group_id, session=session) for meeting_id, group_id in standing_in.items()}
    return build_calendar(scope=scope, session=session, partnership=place,
                          groups=groups, member=member, now=now, name=f"AssureBot: {member.name}",
                          extra_meetings=extra)


# --- the chat command ---------------------------------------------------------------------------------


@command("calendar", summary="your own calendar link: meetings and your deadlines in Outlook", example="calendar")
def calendar(cmd: Command, ctx: Context) -> Reply:
    links = ctx.feed_links
    if links is None:
        return Reply(text=say("calendar_off", business_unit=business_unit(ctx)), tone=Tone.WARNING,
                     private=True)
    url = feed_url(links.public_url, member_token(ctx.actor.id, links.secret))
    webcal = "webcal://" + url.split("://", 1)[1] if "://" in url else url
    return Reply(title="Your calendar link", text=say("calendar_link", url=url, webcal=webcal), private=True)
