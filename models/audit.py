"""The append-only audit trail: who changed what, when, from what to what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, event
from sqlmodel import Field, Session, SQLModel

from models.base import JSONType, UTCDateTime, bound_partnership_id, utcnow


class AuditEvent(SQLModel, table=True):
    """One recorded change. Rows are never updated or deleted (the database refuses too)."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    # Whose trail it is; None only for events about no partnership (someone unknown knocking).
    partnership_id: int | None = Field(default=None, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    # Who did it when there is no member: "loader", "scheduler", "slack:U123".
    actor_label: str = Field(default="", max_length=100)
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))


class AuditTrailIsAppendOnly(Exception):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str = "",
    partnership_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it commits with the change it describes.

    It goes in the trail of the partnership the session is bound to, unless one is named.
    """
    event_row = AuditEvent(
        partnership_id=partnership_id if partnership_id is not None else bound_partnership_id(session),
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    session.add(event_row)
    return event_row


def snapshot(obj: SQLModel, *fields: str) -> dict[str, Any]:
    """The named fields of a row as JSON-safe values, for an audit event's before/after."""
    return obj.model_dump(mode="json", include=set(fields) if fields else None)


def save_new(row: SQLModel, *, session: Session, actor_id: int | None, action: str) -> SQLModel:
    """Insert a row and its audit event in one commit."""
    session.add(row)
    session.flush()
    record(session, actor_id=actor_id, action=action, entity=row.__tablename__, entity_id=row.id,
           after=snapshot(row))
    session.commit()
    return row


def save_changes(row: SQLModel, values: dict[str, Any], *, session: Session, actor_id: int | None,
                 action: str) -> bool:
    """Change some fields of a row, with before and after in the audit trail. False if nothing differs."""
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed:
        return False
    before = snapshot(row, *changed)
    for key, value in changed.items():
        setattr(row, key, value)
    session.add(row)
    record(session, actor_id=actor_id, action=action, entity=row.__tablename__, entity_id=row.id,
           before=before, after=snapshot(row, *changed))
    session.commit()
    return True
