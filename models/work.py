"""Returns agencies owe, and actions from action plans with their progress notes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, same_words, utcnow


class ReturnKind(StrEnum):
    DATASET = "dataset"
    SECTION_11 = "s11"
    SECTION_175 = "s175"
    SELF_ASSESSMENT = "self_assessment"
    AUDIT = "audit"
    OTHER = "other"


RETURN_KIND_NAMES = {
    ReturnKind.DATASET.value: "Multi-agency dataset",
    ReturnKind.SECTION_11.value: "Section 11 self-assessment",
    ReturnKind.SECTION_175.value: "Section 175/157 audit",
    ReturnKind.SELF_ASSESSMENT.value: "Self-assessment",
    ReturnKind.AUDIT.value: "Multi-agency audit",
    ReturnKind.OTHER.value: "Return",
}


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class DataReturn(SQLModel, table=True):
    """Something an agency must send in by a date (dataset figures, S11, S175/157...)."""

    __tablename__ = "data_return"
    # Open returns in the order they are listed (due date, then id), so a page of them is the first
    # rows of the index; with the agency, the weekly count of long-overdue returns per agency is
    # read from the index alone. One agency's open returns (`returns`, the Home tab) are listed in
    # the same order, and counted, from their own.
    __table_args__ = (Index("ix_return_open_due_id_agency", "submitted_at", "due_date", "id", "agency_id"),
                      Index("ix_return_agency_open_due", "agency_id", "submitted_at", "due_date", "id"))

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    owner_id: int = Field(foreign_key="member.id", index=True)
    title: str = Field(max_length=300)
    kind: str = Field(default=ReturnKind.OTHER.value, max_length=30)
    period: str = Field(default="", max_length=60)
    due_date: date = Field(index=True)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_by_id: int | None = Field(default=None, foreign_key="member.id")


class Action(SQLModel, table=True):
    """A SMART action from an action plan: by whom, by when, with progress notes."""

    __tablename__ = "action"
    # Open actions in the order they are listed (due date, then id): a page of `actions all` is the
    # first rows of the index, however many actions share a due date. It carries the agency so that
    # the weekly count of long-overdue actions per agency is read from the index alone. The owner's
    # open actions by due date (`actions`, the Home tab) have their own, or SQLite would walk every
    # open action to find one person's; and one agency's (`actions agency`) likewise.
    __table_args__ = (Index("ix_action_open_due_id_agency", "status", "due_date", "id", "agency_id"),
                      Index("ix_action_agency_status_due", "agency_id", "status", "due_date", "id"),
                      Index("ix_action_owner_status_due", "owner_id", "status", "due_date"))

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=1000)
    owner_id: int = Field(foreign_key="member.id", index=True)
    agency_id: int = Field(foreign_key="agency.id")
    source: str = Field(default="", max_length=200)
    due_date: date
    status: str = Field(default=ActionStatus.OPEN.value, max_length=20)
    dropped_reason: str | None = Field(default=None, max_length=500)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ActionUpdate(SQLModel, table=True):
    """A progress note on an action."""

    __tablename__ = "action_update"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    author_id: int = Field(foreign_key="member.id")
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# --- queries and changes -----------------------------------------------------------------

from sqlalchemy import and_, case, func, or_  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from models.audit import record, save_changes, snapshot  # noqa: E402


def action(action_id: int | None, *, scope, session: Session) -> Action | None:
    """An action by id, or None when there is none in this partnership."""
    return scope.get(Action, action_id, session=session)


def data_return(return_id: int | None, *, scope, session: Session) -> DataReturn | None:
    return scope.get(DataReturn, return_id, session=session)


def open_actions(*, scope, session: Session, owner_id: int | None = None,
                 agency_id: int | None = None) -> list[Action]:
    """Open actions, earliest due first, for one owner, one agency, or everyone in the partnership."""
    query = select(Action).where(scope.where(Action), Action.status == ActionStatus.OPEN.value)
    if owner_id is not None:
        query = query.where(Action.owner_id == owner_id)
    if agency_id is not None:
        query = query.where(Action.agency_id == agency_id)
    return list(session.exec(query.order_by(Action.due_date, Action.id)))


def mark_action_done(action: Action, *, actor_id: int, session: Session, now: datetime) -> bool:
    """Close an action as done. Returns False if it was not open."""
    if action.status != ActionStatus.OPEN.value:
        return False
    before = snapshot(action, "status", "completed_at")
    action.status = ActionStatus.DONE.value
    action.completed_at = now
    session.add(action)
    record(session, actor_id=actor_id, action="action.done", entity="action", entity_id=action.id,
           before=before, after=snapshot(action, "status", "completed_at"))
    session.commit()
    return True


def drop_action(action: Action, reason: str, *, actor_id: int, session: Session, now: datetime) -> bool:
    """Close an open action as dropped, with the reason. Returns False if it was not open."""
    if action.status != ActionStatus.OPEN.value:
        return False
    return save_changes(action, {"status": ActionStatus.DROPPED.value, "completed_at": now, "dropped_reason": reason},
                        session=session, actor_id=actor_id, action="action.dropped")


def reopen_action(action: Action, *, actor_id: int, session: Session) -> bool:
    """Open a done or dropped action again (it was closed by mistake). Returns False if it was open."""
    if action.status == ActionStatus.OPEN.value:
        return False
    return save_changes(action, {"status": ActionStatus.OPEN.value, "completed_at": None, "dropped_reason": None},
                        session=session, actor_id=actor_id, action="action.reopened")


def add_action_update(action: Action, text: str, *, actor_id: int, session: Session, now: datetime) -> ActionUpdate:
    """Add a progress note to an action."""
    update = ActionUpdate(action_id=action.id, author_id=actor_id, text=text, created_at=now)
    session.add(update)
    session.flush()
    record(session, actor_id=actor_id, action="action.updated", entity="action", entity_id=action.id,
           after={"update_id": update.id, "text": text})
    session.commit()
    return update


def latest_updates(action_ids: list[int], *, scope, session: Session) -> dict[int, ActionUpdate]:
    """The newest progress note of each action, in one query."""
    if not action_ids:
        return {}
    newest = (select(func.max(ActionUpdate.id)).where(scope.where(ActionUpdate),
                                                      col(ActionUpdate.action_id).in_(action_ids))
              .group_by(ActionUpdate.action_id))
    rows = session.exec(select(ActionUpdate).where(col(ActionUpdate.id).in_(newest)))
    return {row.action_id: row for row in rows}


def return_key(agency_id: int, title: str, period: str) -> tuple[int, str, str]:
    """What makes a return the same one: its agency, title and period, in any case or spacing."""
    return agency_id, same_words(title), same_words(period)


def same_return(agency_id: int, title: str, period: str, *, session: Session) -> DataReturn | None:
    """The return an agency already has with this title and period (in any case or spacing), if any."""
    wanted = return_key(agency_id, title, period)
    for held in session.exec(select(DataReturn).where(DataReturn.agency_id == agency_id).order_by(DataReturn.id)):
        if return_key(held.agency_id, held.title, held.period) == wanted:
            return held
    return None


def outstanding_returns(*, scope, session: Session, agency_id: int | None = None,
                        limit: int | None = None) -> list[DataReturn]:
    """Returns not yet submitted, earliest due first; the first `limit` of them, read in the order
    of ix_return_open_due_id_agency."""
    query = select(DataReturn).where(scope.where(DataReturn), DataReturn.submitted_at.is_(None))
    if agency_id is not None:
        query = query.where(DataReturn.agency_id == agency_id)
    query = query.order_by(DataReturn.due_date, DataReturn.id)
    return list(session.exec(query.limit(limit) if limit is not None else query))


def count_outstanding_returns(*, scope, session: Session, agency_id: int, today: date) -> tuple[int, int]:
    """How many of an agency's returns are outstanding, and how many of those are late: one
    aggregate in the database, however many there are."""
    late = func.sum(case((DataReturn.due_date < today, 1), else_=0))
    total, late_count = session.exec(select(func.count(), late).where(
        scope.where(DataReturn), DataReturn.submitted_at.is_(None), DataReturn.agency_id == agency_id)).one()
    return total, late_count or 0


def mark_return_submitted(item: DataReturn, *, actor_id: int, session: Session, now: datetime) -> bool:
    """Mark a return submitted. Returns False if it already was."""
    if item.submitted_at is not None:
        return False
    item.submitted_at = now
    item.submitted_by_id = actor_id
    session.add(item)
    record(session, actor_id=actor_id, action="return.submitted", entity="data_return", entity_id=item.id,
           before={"submitted_at": None}, after=snapshot(item, "submitted_at", "submitted_by_id"))
    session.commit()
    return True


def reopen_return(item: DataReturn, *, actor_id: int, session: Session) -> bool:
    """Mark a return not submitted after all (marked by mistake), so it is chased again. False if it
    was not marked submitted."""
    if item.submitted_at is None:
        return False
    return save_changes(item, {"submitted_at": None, "submitted_by_id": None}, session=session, actor_id=actor_id,
                        action="return.reopened")


def open_actions_page(*, scope, session: Session, limit: int, owner_id: int | None = None,
                      agency_id: int | None = None, after: tuple[date, int] | None = None) -> list[Action]:
    """One page of open actions, earliest due first (so overdue first), after (due date, id) if
    given: a LIMIT query on the due-date index, whatever the size of the partnership."""
    query = select(Action).where(scope.where(Action), Action.status == ActionStatus.OPEN.value)
    if owner_id is not None:
        query = query.where(Action.owner_id == owner_id)
    if agency_id is not None:
        query = query.where(Action.agency_id == agency_id)
    if after is not None:
        due, action_id = after
        query = query.where(or_(Action.due_date > due, and_(Action.due_date == due, Action.id > action_id)))
    return list(session.exec(query.order_by(Action.due_date, Action.id).limit(limit)))


COUNTED_UP_TO = 1000  # a list counts its items this far; past it, "more than 1,000" says enough


def count_open_actions(*, scope, session: Session, today: date, owner_id: int | None = None,
                       agency_id: int | None = None) -> tuple[int, int]:
    """How many open actions there are, and how many of them are overdue, counted in the database
    up to COUNTED_UP_TO + 1 each (so a count costs the same in a partnership of any size)."""
    def counted(*extra) -> int:
        query = select(Action.id).where(scope.where(Action), Action.status == ActionStatus.OPEN.value, *extra)
        if owner_id is not None:
            query = query.where(Action.owner_id == owner_id)
        if agency_id is not None:
            query = query.where(Action.agency_id == agency_id)
        return session.exec(select(func.count()).select_from(query.limit(COUNTED_UP_TO + 1).subquery())).one()

    return counted(), counted(Action.due_date < today)
