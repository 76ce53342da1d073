"""Meetings, the papers due before them and members' attendance answers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class MeetingStage(StrEnum):
    """Where a meeting is in its life: to come, held (minutes not out yet), minuted, or cancelled."""

    FUTURE = "future"
    HELD = "held"
    MINUTED = "minuted"
    CANCELLED = "cancelled"


class Answer(StrEnum):
    ATTENDING = "attending"
    APOLOGIES = "apologies"
    DEPUTY = "deputy"


class Meeting(SQLModel, table=True):
    """One meeting of a group."""

    __tablename__ = "meeting"
    # A group's meetings by status and date (its next one); and the partnership's next meetings
    # (Home, `meetings`), the first rows of the status index in date order with no sort of every
    # scheduled meeting.
    __table_args__ = (Index("ix_meeting_group_status_starts", "group_id", "status", "starts_at"),
                      Index("ix_meeting_status_starts", "status", "starts_at", "id"))

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="group.id")
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    location: str = Field(default="", max_length=200)
    status: str = Field(default=MeetingStatus.SCHEDULED.value, max_length=20)
    minutes_circulated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Paper(SQLModel, table=True):
    """A paper somebody owes for a meeting's pack."""

    __tablename__ = "paper"
    # The papers someone still owes, read straight from the index.
    __table_args__ = (Index("ix_paper_owner_open", "owner_id", "submitted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    title: str = Field(max_length=300)
    owner_id: int = Field(foreign_key="member.id")
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class AttendanceAnswer(SQLModel, table=True):
    """A member's answer for one meeting: attending, apologies, or a named deputy."""

    __tablename__ = "attendance_answer"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    answer: str = Field(max_length=20)
    deputy_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    # The named deputy's own word: None until they answer, then "confirmed" or "declined".
    deputy_answer: str | None = Field(default=None, max_length=12)
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Recorded after the meeting by the chair or business unit; None until then.
    attended: bool | None = None


# --- queries and changes -----------------------------------------------------------------

from sqlalchemy import or_  # noqa: E402
from sqlmodel import Session, col, func, select  # noqa: E402

from models.audit import record, save_changes, snapshot  # noqa: E402
from models.groups import Membership, held_on  # noqa: E402
from models.partnership import Member  # noqa: E402


ATTENDED, DEPUTISED, APOLOGIES, ABSENT = "attended", "deputised", "apologies", "absent without word"
OUTCOMES = (ATTENDED, DEPUTISED, APOLOGIES, ABSENT)
# A named deputy's own word on whether they will go (None until they answer).
DEPUTY_CONFIRMED, DEPUTY_DECLINED = "confirmed", "declined"


def seat_outcome(answer: str | None, attended: bool | None, deputy_answer: str | None = None,
                 deputy_own: str | None = None) -> str:
    """What happened to a seat at a past meeting: attendance recorded afterwards wins over the answer.

    A deputy who came counts as deputised; a member who said they would come (or send a deputy)
    but nobody came counts as absent without word, as does a member who never answered. A named
    deputy who said they couldn't go (`deputy_answer` declined), with nothing recorded afterwards,
    left the seat empty: the member sent word they weren't coming, so that is apologies, not a deputy.
    So did one who sent apologies for their own seat there (`deputy_own`), as the quorum reads it.
    """
    if answer is None:
        return ABSENT
    if attended is True:
        return DEPUTISED if answer == Answer.DEPUTY.value else ATTENDED
    if attended is False:
        return APOLOGIES if answer == Answer.APOLOGIES.value else ABSENT
    if answer == Answer.DEPUTY.value and (deputy_answer == DEPUTY_DECLINED or deputy_own == Answer.APOLOGIES.value):
        return APOLOGIES
    return {Answer.ATTENDING.value: ATTENDED, Answer.DEPUTY.value: DEPUTISED,
            Answer.APOLOGIES.value: APOLOGIES}.get(answer, ABSENT)


def missed(outcome: str) -> bool:
    """A meeting missed without anyone from the seat there (apologies count as missed)."""
    return outcome in (APOLOGIES, ABSENT)


def missed_clause(answer, attended, deputy_answer=None, deputy_away=None):
    """`missed(seat_outcome(answer, attended, deputy_answer, deputy_own))` in SQL, for the columns given
    (the answer may be an outer join). Without `deputy_answer` a named deputy is taken to have come,
    as `seat_outcome` takes it without one: give the column so a deputy who declined counts as missed;
    `deputy_away` is a condition true when the deputy sent apologies for their own seat there (an
    EXISTS, looked at only for a seat that sent a deputy)."""
    from sqlalchemy import and_, false, or_

    declined = (and_(answer == Answer.DEPUTY.value, deputy_answer == DEPUTY_DECLINED)
                if deputy_answer is not None else false())
    if deputy_away is not None:  # a deputy who sent apologies for their own seat there did not come either
        declined = or_(declined, and_(answer == Answer.DEPUTY.value, deputy_away))
    return or_(answer.is_(None), attended.is_(False),
               and_(attended.is_(None), or_(answer.not_in([Answer.ATTENDING.value, Answer.DEPUTY.value]),
                                            declined)))


def stage_of(meeting: Meeting, now: datetime) -> MeetingStage:
    """A meeting is held once it has started; minuted once its minutes are out."""
    if meeting.status == MeetingStatus.CANCELLED.value:
        return MeetingStage.CANCELLED
    if meeting.starts_at > now:
        return MeetingStage.FUTURE
    return MeetingStage.MINUTED if meeting.minutes_circulated_at is not None else MeetingStage.HELD


def meeting(meeting_id: int | None, *, scope, session: Session) -> Meeting | None:
    """A meeting by id, or None when there is none in this partnership."""
    return scope.get(Meeting, meeting_id, session=session)


def paper(paper_id: int | None, *, scope, session: Session) -> Paper | None:
    return scope.get(Paper, paper_id, session=session)


def upcoming_meetings(group_ids: list[int], *, scope, session: Session, since: datetime,
                      limit: int = 20) -> list[Meeting]:
    """Scheduled meetings of these groups starting at or after `since`, soonest first."""
    if not group_ids:
        return []
    return list(
        session.exec(
            select(Meeting)
            .where(
                scope.where(Meeting),
                col(Meeting.group_id).in_(group_ids),
                Meeting.starts_at >= since,
                Meeting.status == MeetingStatus.SCHEDULED.value,
            )
            .order_by(Meeting.starts_at)
            .limit(limit)
        )
    )


def held_meetings(group_ids: list[int], *, scope, session: Session, since: datetime, now: datetime,
                  limit: int = 20) -> tuple[list[Meeting], int]:
    """Meetings of these groups held from `since` up to `now` (not cancelled), newest first: the
    first `limit` of them, and how many there are in all."""
    if not group_ids:
        return [], 0
    held = (scope.where(Meeting), col(Meeting.group_id).in_(group_ids), Meeting.starts_at >= since,
            Meeting.starts_at <= now, Meeting.status == MeetingStatus.SCHEDULED.value)
    found = list(session.exec(select(Meeting).where(*held).order_by(col(Meeting.starts_at).desc(),
                                                                     col(Meeting.id).desc()).limit(limit)))
    total = len(found) if len(found) < limit else session.exec(select(func.count(Meeting.id)).where(*held)).one()
    return found, total


def attendance_recorded(meeting_ids: list[int], *, scope, session: Session) -> set[int]:
    """Which of these meetings have had who attended recorded (for at least one seat)."""
    if not meeting_ids:
        return set()
    return set(session.exec(select(AttendanceAnswer.meeting_id).distinct().where(
        scope.where(AttendanceAnswer), col(AttendanceAnswer.meeting_id).in_(meeting_ids),
        col(AttendanceAnswer.attended).is_not(None))))


def next_meeting(group_id: int, *, scope, session: Session, since: datetime) -> Meeting | None:
    found = upcoming_meetings([group_id], scope=scope, session=session, since=since, limit=1)
    return found[0] if found else None


def papers_for(meeting: Meeting, *, scope, session: Session) -> list[Paper]:
    return list(session.exec(select(Paper).where(scope.where(Paper), Paper.meeting_id == meeting.id)
                             .order_by(Paper.id)))


def mark_paper_submitted(paper: Paper, *, actor_id: int, session: Session, now: datetime) -> bool:
    """Mark a paper in. Returns False (and changes nothing) if it was already in."""
    if paper.submitted_at is not None:
        return False
    paper.submitted_at = now
    session.add(paper)
    record(session, actor_id=actor_id, action="paper.submitted", entity="paper", entity_id=paper.id,
           before={"submitted_at": None}, after=snapshot(paper, "submitted_at"))
    session.commit()
    return True


def reopen_paper(paper: Paper, *, actor_id: int, session: Session) -> bool:
    """Mark a paper not in after all (marked by mistake), so it is chased again. False if it was not in."""
    if paper.submitted_at is None:
        return False
    return save_changes(paper, {"submitted_at": None}, session=session, actor_id=actor_id, action="paper.reopened")


def answer_for(meeting_id: int, member_id: int, *, scope, session: Session) -> AttendanceAnswer | None:
    return session.exec(
        select(AttendanceAnswer).where(
            scope.where(AttendanceAnswer), AttendanceAnswer.meeting_id == meeting_id,
            AttendanceAnswer.member_id == member_id
        )
    ).first()


def member_ids_to_tell(meeting: Meeting, *, scope, session: Session, seated_on: tuple[date, ...] = ()) -> list[int]:
    """Everyone who has answered for a meeting, every deputy named for it, everyone who owes it a
    paper not yet in, and everyone who holds a seat on its group on any of the days `seated_on` (to
    tell them when it moves or is cancelled): answered or not, it is their meeting. Only those still
    here."""
    rows = session.exec(select(AttendanceAnswer.member_id, AttendanceAnswer.deputy_id).where(
        scope.where(AttendanceAnswer), AttendanceAnswer.meeting_id == meeting.id)).all()
    owing = session.exec(select(Paper.owner_id).where(scope.where(Paper), Paper.meeting_id == meeting.id,
                                                      col(Paper.submitted_at).is_(None)).order_by(Paper.id)).all()
    seated = session.exec(select(Membership.member_id).distinct()
                          .where(scope.where(Membership), Membership.group_id == meeting.group_id,
                                 or_(*(held_on(day) for day in seated_on)))
                          .order_by(Membership.member_id)).all() if seated_on else []
    found: list[int] = []
    for member_id, deputy_id in rows:
        found += [i for i in (member_id, deputy_id) if i is not None and i not in found]
    found += [i for i in dict.fromkeys([*owing, *seated]) if i not in found]
    here = set(session.exec(select(Member.id).where(scope.where(Member), col(Member.id).in_(found), Member.active))
               ) if found else set()
    return [i for i in found if i in here]  # nobody who has left


def deputy_meetings(member_id: int, *, scope, session: Session) -> dict[int, int]:
    """The scheduled meetings someone is named to attend as a deputy: meeting id -> group id."""
    return dict(session.exec(deputy_meetings_query(member_id, scope=scope)).all())


def deputy_meetings_query(member_id: int, *, scope):
    """`deputy_meetings` as a statement: (meeting id, group id) rows."""
    return (select(AttendanceAnswer.meeting_id, Meeting.group_id)
            .join(Meeting, Meeting.id == AttendanceAnswer.meeting_id)
            .where(scope.where(AttendanceAnswer), AttendanceAnswer.deputy_id == member_id,
                   AttendanceAnswer.answer == Answer.DEPUTY.value, Meeting.status == MeetingStatus.SCHEDULED.value))


def deputising_for(meeting_id: int, deputy_id: int, *, scope, session: Session) -> AttendanceAnswer | None:
    """The answer that names this person as the deputy at this meeting, if any."""
    return session.exec(select(AttendanceAnswer).where(
        scope.where(AttendanceAnswer), AttendanceAnswer.meeting_id == meeting_id,
        AttendanceAnswer.deputy_id == deputy_id, AttendanceAnswer.answer == Answer.DEPUTY.value)).first()


def record_deputy_answer(row: AttendanceAnswer, coming: bool, *, actor_id: int, session: Session) -> bool:
    """A named deputy confirms or declines. Returns False (and changes nothing) if it is their answer already."""
    return save_changes(row, {"deputy_answer": DEPUTY_CONFIRMED if coming else DEPUTY_DECLINED}, session=session,
                        actor_id=actor_id, action="attendance.deputy_answered")


def record_answer(
    meeting: Meeting, member_id: int, answer: Answer, *, deputy_id: int | None, actor_id: int, session: Session,
    now: datetime,
) -> tuple[AttendanceAnswer, bool]:
    """Save a member's answer for a meeting, replacing any earlier one. Returns (row, changed)."""
    row = session.exec(select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == meeting.id,
                                                      AttendanceAnswer.member_id == member_id)).first()
    before = snapshot(row, "answer", "deputy_id") if row else None
    asked_again = row is not None and deputy_id is not None and row.deputy_answer == DEPUTY_DECLINED
    if row and row.answer == answer.value and row.deputy_id == deputy_id and not asked_again:
        return row, False
    if row is None:
        row = AttendanceAnswer(meeting_id=meeting.id, member_id=member_id, answer=answer.value)
    if row.deputy_id != deputy_id or asked_again:
        row.deputy_answer = None  # a newly named deputy (or one named again after saying no) has not answered yet
    row.answer = answer.value
    row.deputy_id = deputy_id
    row.answered_at = now
    session.add(row)
    session.flush()
    record(session, actor_id=actor_id, action="attendance.answered", entity="attendance_answer",
           entity_id=row.id, before=before, after=snapshot(row, "meeting_id", "member_id", "answer", "deputy_id"))
    session.commit()
    return row, True
