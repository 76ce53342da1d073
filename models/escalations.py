"""Escalations raised by practitioners and agencies, and the stages they move through."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, same_words, utcnow


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


CATEGORIES: dict[str, str] = {
    "practice": "Agencies disagree about a case",
    "audit": "Finding from an agency's audit",
    "capacity": "Capacity or resourcing concern",
    "feedback": "Children's and families' feedback",
    "inspection": "Headline inspection finding",
    "complaint": "Complaint theme",
    "other": "Other",
}


class Escalation(SQLModel, table=True):
    """A concern escalated to the people who handle escalations. Never shown in a channel."""

    __tablename__ = "escalation"
    # The open queue in the order it is listed, urgent and routine each by when they were raised.
    __table_args__ = (Index("ix_escalation_open_queue", "closed_at", "urgency", "raised_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    raised_by_id: int = Field(foreign_key="member.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    raised_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    category: str = Field(max_length=30)
    urgency: str = Field(default=Urgency.ROUTINE.value, max_length=20)
    summary: str = Field(max_length=1000)
    case_reference: str | None = Field(default=None, max_length=60)
    source_link: str | None = Field(default=None, max_length=500)
    stage: int = 1
    stage_entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    assigned_to_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    acknowledged_by_id: int | None = Field(default=None, foreign_key="member.id")
    actions_agreed: str | None = Field(default=None, max_length=2000)
    outcome: str | None = Field(default=None, max_length=2000)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The raiser was told that immediate risk goes to 999 or the front door (every saved escalation's reply says so).
    immediate_risk_advised: bool = False


class EscalationStageChange(SQLModel, table=True):
    """One step in an escalation's history: it entered a stage at a time, moved by someone; or a
    note added at the stage it was at (the same stage and the time it entered it, see add_stage_note)."""

    __tablename__ = "escalation_stage"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    stage: int
    entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by_id: int | None = Field(default=None, foreign_key="member.id")
    note: str | None = Field(default=None, max_length=1000)


# --- queries and changes -----------------------------------------------------------------

from sqlalchemy import func  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from models.audit import record, save_changes, snapshot  # noqa: E402


def raise_escalation(
    *, raised_by_id: int, agency_id: int, category: str, urgency: str, summary: str,
    case_reference: str | None, source_link: str | None, session: Session, now: datetime,
) -> Escalation:
    """Save a new escalation at stage 1, with its first stage entry and an audit event. The reply
    that says it is saved always says where immediate risk goes (999, the front door), so the record
    notes it."""
    escalation = Escalation(
        raised_by_id=raised_by_id, agency_id=agency_id, raised_at=now, category=category, urgency=urgency,
        summary=summary, case_reference=case_reference, source_link=source_link, stage=1, stage_entered_at=now,
        immediate_risk_advised=True,
    )
    session.add(escalation)
    session.flush()
    session.add(EscalationStageChange(escalation_id=escalation.id, stage=1, entered_at=now, by_id=raised_by_id))
    # The audit trail keeps the fact and the classification, not the summary text itself.
    record(session, actor_id=raised_by_id, action="escalation.raised", entity="escalation", entity_id=escalation.id,
           after=snapshot(escalation, "category", "urgency", "case_reference", "stage"))
    session.commit()
    return escalation


def acknowledge(escalation: Escalation, *, actor_id: int, session: Session, now: datetime) -> bool:
    if escalation.acknowledged_at is not None:
        return False
    escalation.acknowledged_at = now
    escalation.acknowledged_by_id = actor_id
    session.add(escalation)
    record(session, actor_id=actor_id, action="escalation.acknowledged", entity="escalation",
           entity_id=escalation.id, before={"acknowledged_at": None},
           after=snapshot(escalation, "acknowledged_at", "acknowledged_by_id"))
    session.commit()
    return True


def assign(escalation: Escalation, assignee_id: int, *, actor_id: int, session: Session) -> bool:
    return save_changes(escalation, {"assigned_to_id": assignee_id}, session=session, actor_id=actor_id,
                        action="escalation.assigned")


def move_to_stage(escalation: Escalation, stage: int, *, actor_id: int, session: Session, now: datetime,
                  note: str | None = None) -> bool:
    if escalation.stage == stage:
        return False
    before = snapshot(escalation, "stage", "stage_entered_at")
    escalation.stage = stage
    escalation.stage_entered_at = now
    session.add(escalation)
    session.add(EscalationStageChange(escalation_id=escalation.id, stage=stage, entered_at=now, by_id=actor_id,
                                      note=note))
    record(session, actor_id=actor_id, action="escalation.stage", entity="escalation", entity_id=escalation.id,
           before=before, after=snapshot(escalation, "stage", "stage_entered_at"))
    session.commit()
    return True


def add_stage_note(escalation: Escalation, note: str, *, actor_id: int, session: Session, now: datetime) -> None:
    """A note at the stage the escalation is at, kept in its history beside the stage's entry (the
    same stage, entered when it was, so the history still says when each stage began), with an
    audit event of its own. The audit trail keeps that a note was added, not its text."""
    entry = EscalationStageChange(escalation_id=escalation.id, stage=escalation.stage,
                                  entered_at=escalation.stage_entered_at, by_id=actor_id, note=note)
    session.add(entry)
    session.flush()
    record(session, actor_id=actor_id, action="escalation.noted", entity="escalation", entity_id=escalation.id,
           after={"stage": escalation.stage, "note_id": entry.id, "noted_at": now.isoformat()})
    session.commit()


MAX_ACTIONS_AGREED = 2000  # the length of Escalation.actions_agreed, which holds every agreement with its day
# Each agreement on a line of its own, after the day it was agreed: "Mon 23 Nov 2026: Joint visit by Friday".
_AGREED_ON = re.compile(r"^(?P<day>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}): ", re.MULTILINE)


def agreed_entry(day: str, actions: str) -> str:
    return f"{day}: {actions}"


def agreements(escalation: Escalation) -> list[tuple[str | None, str]]:
    """What was agreed, earliest first, each as (the day it was agreed, the actions); the day is
    None for actions recorded before each agreement kept its day."""
    text = escalation.actions_agreed or ""
    starts = list(_AGREED_ON.finditer(text))
    found: list[tuple[str | None, str]] = []
    if not starts or starts[0].start() > 0:
        found.append((None, text[:starts[0].start() if starts else len(text)].strip()))
    for here, after in zip(starts, starts[1:] + [None]):
        found.append((here.group("day"), text[here.end():after.start() if after else len(text)].strip()))
    return [(day, actions) for day, actions in found if actions]


def agreed_before(escalation: Escalation, actions: str) -> tuple[str | None, str] | None:
    """The agreement already recorded with these actions (in any case or spacing), or None."""
    wanted = same_words(actions)
    return next((entry for entry in agreements(escalation) if same_words(entry[1]) == wanted), None)


def room_for_actions(escalation: Escalation, day: str) -> int:
    """How many characters the actions of one more agreement, made on `day`, may have: the column
    keeps every agreement before it, and this one's day and line."""
    used = len(escalation.actions_agreed or "")
    return max(0, MAX_ACTIONS_AGREED - used - len(agreed_entry(day, "")) - (1 if used else 0))


def agree_actions(escalation: Escalation, actions: str, *, day: str, actor_id: int, session: Session) -> bool:
    """Add the actions agreed on `day` to those agreed on the escalation before (each agreement kept
    on its own line with its day). The audit trail keeps how many agreements there are, not their
    text, as for a stage note. False if these actions are already recorded, or there is no room."""
    if agreed_before(escalation, actions) is not None or len(actions) > room_for_actions(escalation, day):
        return False
    count = len(agreements(escalation))
    entry = agreed_entry(day, actions)
    escalation.actions_agreed = f"{escalation.actions_agreed}\n{entry}" if escalation.actions_agreed else entry
    session.add(escalation)
    record(session, actor_id=actor_id, action="escalation.actions_agreed", entity="escalation",
           entity_id=escalation.id, before={"recorded": count > 0, "agreements": count},
           after={"recorded": True, "agreements": count + 1})
    session.commit()
    return True


def raise_to_urgent(escalation: Escalation, *, actor_id: int, session: Session) -> bool:
    """Make a routine escalation urgent (whoever raised it sent it again as urgent), with before and
    after in the audit trail. False if it is urgent already: an escalation is never made less urgent so."""
    if escalation.urgency == Urgency.URGENT.value:
        return False
    return save_changes(escalation, {"urgency": Urgency.URGENT.value}, session=session, actor_id=actor_id,
                        action="escalation.urgency")


def close(escalation: Escalation, outcome: str, *, actor_id: int, session: Session, now: datetime) -> bool:
    if escalation.closed_at is not None:
        return False
    escalation.closed_at = now
    escalation.outcome = outcome
    session.add(escalation)
    record(session, actor_id=actor_id, action="escalation.closed", entity="escalation", entity_id=escalation.id,
           before={"closed_at": None}, after={"closed_at": now.isoformat()})
    session.commit()
    return True


def escalation(escalation_id: int | None, *, scope, session: Session) -> Escalation | None:
    """An escalation by id, or None when there is none in this partnership."""
    return scope.get(Escalation, escalation_id, session=session)


def same_open_escalation(*, raised_by_id: int, category: str, summary: str, since: datetime, scope,
                         session: Session) -> Escalation | None:
    """An open escalation this person raised since `since` with this category and summary (in any
    case or spacing): the one a second copy of the same escalation would repeat."""
    wanted = same_words(summary)
    query = select(Escalation).where(scope.where(Escalation), Escalation.closed_at.is_(None),
                                     Escalation.raised_by_id == raised_by_id, Escalation.category == category,
                                     Escalation.raised_at >= since).order_by(Escalation.id.desc())
    return next((e for e in session.exec(query) if same_words(e.summary) == wanted), None)


def _open(scope, involving: int | None, raised_by_id: int | None):
    query = select(Escalation).where(scope.where(Escalation), Escalation.closed_at.is_(None))
    if involving is not None:
        query = query.where((Escalation.raised_by_id == involving) | (Escalation.assigned_to_id == involving))
    if raised_by_id is not None:
        query = query.where(Escalation.raised_by_id == raised_by_id)
    return query


def open_escalations(*, scope, session: Session, involving: int | None = None,
                     raised_by_id: int | None = None, limit: int | None = None) -> list[Escalation]:
    """Open escalations, urgent first then oldest first: all of the partnership's, those one person
    raised or is assigned (`involving`), or only those they raised (`raised_by_id`); the first
    `limit` of them, chosen in the database. Urgent and routine are read one after the other, each
    in the order of ix_escalation_open_queue, so the first page never sorts every open escalation."""
    found: list[Escalation] = []
    for urgency in (Urgency.URGENT.value, Urgency.ROUTINE.value):
        query = _open(scope, involving, raised_by_id).where(Escalation.urgency == urgency) \
            .order_by(Escalation.raised_at, Escalation.id)
        if limit is not None:
            query = query.limit(limit - len(found))
        found += session.exec(query)
        if limit is not None and len(found) >= limit:
            break
    return found


def count_open_escalations(*, scope, session: Session, involving: int | None = None,
                           raised_by_id: int | None = None) -> int:
    """How many open escalations there are (those `open_escalations` would list), counted in the database."""
    return session.exec(select(func.count()).select_from(_open(scope, involving, raised_by_id).subquery())).one()


def stage_history(escalation: Escalation, *, scope, session: Session) -> list[EscalationStageChange]:
    """Each stage the escalation entered, and each note made at one, in the order they were saved. A
    note added later at the stage it was at carries that stage's entry time (add_stage_note)."""
    return list(session.exec(select(EscalationStageChange)
                             .where(scope.where(EscalationStageChange),
                                    EscalationStageChange.escalation_id == escalation.id)
                             .order_by(EscalationStageChange.id)))
