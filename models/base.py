"""Shared column types, time helpers and statements for the tables."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, DateTime, Table
from sqlalchemy.types import TypeDecorator


def same_words(text: str) -> str:
    """Typed text as it is compared for "the same one again": its words, in any case or spacing."""
    return " ".join(text.split()).casefold()


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite keeps no zone, so without this a value written aware would come back naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; attach a timezone first")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


JSONType = JSON().with_variant(JSON(), "sqlite")

# Where a session keeps the partnership it is bound to (see models.scope).
SCOPE_KEY = "assurebot.scope"


def bound_partnership_id(session: Any) -> int | None:
    """The id of the partnership a session is bound to, if it is."""
    scope = session.info.get(SCOPE_KEY)
    return scope.partnership_id if scope is not None else None


@lru_cache(maxsize=None)
def insert_ignoring_duplicates(table: Table, dialect: str):
    """INSERT ... ON CONFLICT DO NOTHING into `table` for the dialect named (PostgreSQL or SQLite):
    a row another writer put there first is left as it is. Made once per table and dialect."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table).on_conflict_do_nothing()
