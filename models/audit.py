"""The append-only audit trail: who changed what, when, from what to what.

Rows are never updated or deleted: the session refuses, and so does the database (triggers;
on PostgreSQL TRUNCATE too). Each partnership's events also form a hash chain: an event carries
its place in the chain (`seq`), the previous event's hash and a SHA-256 hash over its own content
and that previous hash, and the chain's head (its last `seq` and hash) is kept in audit_chain.
An event rewritten, removed, or put back in another order no longer fits the chain, which
`assurebot audit verify` walks (models/audit_verify.py). Anyone able to rewrite the whole chain
and its head could hide it, so the head hash that `verify` prints is worth noting elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, UniqueConstraint, event, insert, update
from sqlmodel import Field, Session, SQLModel

from models.base import JSONType, UTCDateTime, bound_partnership_id, insert_ignoring_duplicates, utcnow

GENESIS = "0" * 64  # the "previous hash" of a chain's first event
NO_PARTNERSHIP = 0  # the chain of events about no partnership (someone unknown knocking)


class AuditEvent(SQLModel, table=True):
    """One recorded change. Rows are never updated or deleted (the database refuses too)."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("chain_id", "seq", name="uq_audit_event_chain_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    # Whose trail it is; None only for events about no partnership (someone unknown knocking).
    partnership_id: int | None = Field(default=None, index=True)
    chain_id: int = Field(default=NO_PARTNERSHIP)  # the partnership's id, or 0
    seq: int = 0  # the place in the chain, from 1
    prev_hash: str = Field(default=GENESIS, max_length=64)
    hash: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    # Who did it when there is no member: "loader", "scheduler", "slack:U123".
    actor_label: str = Field(default="", max_length=100)
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))


class AuditChain(SQLModel, table=True):
    """The head of a partnership's chain: its last event's place and hash."""

    __tablename__ = "audit_chain"

    chain_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = 0
    last_hash: str = Field(default=GENESIS, max_length=64)


class AuditTrailIsAppendOnly(Exception):
    """Raised when code tries to change or delete an audit event."""


HASHED = ("chain_id", "seq", "at", "actor_id", "actor_label", "action", "entity", "entity_id", "before", "after",
          "prev_hash")


def event_hash(values: dict[str, Any]) -> str:
    """SHA-256 over an event's content and the previous event's hash, in a fixed canonical form."""
    content = dict((key, values.get(key)) for key in HASHED)
    at = content["at"]
    if isinstance(at, datetime):
        content["at"] = (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(timezone.utc) \
            .isoformat(timespec="microseconds")
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _advance(session: Session, chain_id: int, count: int) -> tuple[int, str]:
    """Take `count` places at the end of a chain: (the first place's seq, the hash before it).

    The UPDATE locks the chain's head until the transaction ends (a row lock on PostgreSQL, the
    write lock on SQLite), so two writers never take the same places.
    """
    table = AuditChain.__table__
    conn = session.connection()
    for _ in range(2):
        row = conn.execute(update(table).where(table.c.chain_id == chain_id)
                           .values(seq=table.c.seq + count).returning(table.c.seq, table.c.last_hash)).first()
        if row is not None:
            return row.seq - count + 1, row.last_hash
        conn.execute(insert_ignoring_duplicates(table, conn.dialect.name),
                     {"chain_id": chain_id, "seq": 0, "last_hash": GENESIS})
    raise RuntimeError(f"the audit chain {chain_id} could not be advanced")


def _close(session: Session, chain_id: int, last_hash: str) -> None:
    table = AuditChain.__table__
    session.connection().execute(update(table).where(table.c.chain_id == chain_id).values(last_hash=last_hash))


def chain_rows(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Place rows of audit events inserted in bulk (Core) on their chains; returns the rows."""
    by_chain: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        row["chain_id"] = row.get("partnership_id") or NO_PARTNERSHIP
        row.setdefault("at", utcnow())
        for key in ("actor_id", "actor_label", "entity_id", "before", "after"):
            row.setdefault(key, None if key != "actor_label" else "")
        by_chain.setdefault(row["chain_id"], []).append(row)
    for chain_id, chained in sorted(by_chain.items()):
        seq, previous = _advance(session, chain_id, len(chained))
        for offset, row in enumerate(chained):
            row["seq"], row["prev_hash"] = seq + offset, previous
            row["hash"] = previous = event_hash(row)
        _close(session, chain_id, previous)
    return rows


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert many audit events at once, each placed on its chain."""
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), chain_rows(session, rows))


@event.listens_for(Session, "before_flush")
def _chain_new_events(session: Session, flush_context: Any, instances: Any) -> None:
    """Place the events about to be written on their chains, in the order they were recorded."""
    pending = session.info.pop("audit_pending", [])
    new = [obj for obj in pending if obj in session.new]
    new += [obj for obj in session.new if isinstance(obj, AuditEvent) and obj not in pending]
    by_chain: dict[int, list[AuditEvent]] = {}
    for obj in new:
        obj.chain_id = obj.partnership_id or NO_PARTNERSHIP
        by_chain.setdefault(obj.chain_id, []).append(obj)
    for chain_id, events in sorted(by_chain.items()):
        seq, previous = _advance(session, chain_id, len(events))
        for offset, obj in enumerate(events):
            obj.seq, obj.prev_hash = seq + offset, previous
            obj.hash = previous = event_hash(obj.model_dump())
        _close(session, chain_id, previous)


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
    session.info.setdefault("audit_pending", []).append(event_row)
    return event_row


def snapshot(obj: SQLModel, *fields: str) -> dict[str, Any]:
    """The named fields of a row as JSON-safe values, for an audit event's before/after."""
    return obj.model_dump(mode="json", include=set(fields) if fields else None)


def save_new(row: SQLModel, *, session: Session, actor_id: int | None, action: str,
             commit: bool = True) -> SQLModel:
    """Insert a row and its audit event in one commit (`commit=False`: as save_changes)."""
    session.add(row)
    session.flush()
    record(session, actor_id=actor_id, action=action, entity=row.__tablename__, entity_id=row.id,
           after=snapshot(row))
    if commit:
        session.commit()
    return row


def save_changes(row: SQLModel, values: dict[str, Any], *, session: Session, actor_id: int | None,
                 action: str, commit: bool = True) -> bool:
    """Change some fields of a row, with before and after in the audit trail. False if nothing differs.
    `commit=False`: one of several changes that are saved together, or not at all, by the caller."""
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed:
        return False
    before = snapshot(row, *changed)
    for key, value in changed.items():
        setattr(row, key, value)
    session.add(row)
    record(session, actor_id=actor_id, action=action, entity=row.__tablename__, entity_id=row.id,
           before=before, after=snapshot(row, *changed))
    if commit:
        session.commit()
    return True
