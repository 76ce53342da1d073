"""Taps and forms already recorded, so a double tap, a slow network or an old copy of a card or a
form does not record twice.

Every card render (Teams) and every form opened (Slack's modal) carries its own key. A tap or a
submission claims its key, for its person and command, before it runs; the claim is a row with a
unique constraint, so two requests at once (even in two processes) cannot both hold it. The
claim is written in the same transaction as what the command records: if that fails (a busy
database, a lost connection), the claim goes with it, so the same tap sent again is run again
rather than answered "already recorded". A tap that recorded nothing (refused, or a form that
needs more) gives its claim back, so it can be tried again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from models.base import UTCDateTime, utcnow

MAX_KEY = 40
MAX_COMMAND = 400


class FormSubmit(SQLModel, table=True):
    """A tap or form that was recorded: its key, who sent it, and the command it ran."""

    __tablename__ = "form_submit"
    __table_args__ = (UniqueConstraint("nonce", "member_id", "command"),)

    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(max_length=MAX_KEY)
    member_id: int = Field(foreign_key="member.id", index=True)
    command: str = Field(max_length=MAX_COMMAND)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


def claim_submit(nonce: str, member_id: int, command: str, *, session: Session) -> bool:
    """Claim a tap before running it, in the session's transaction (committed with what the command
    records, rolled back with it); False when the same tap was already claimed."""
    session.add(FormSubmit(nonce=nonce[:MAX_KEY], member_id=member_id, command=command[:MAX_COMMAND]))
    try:
        session.flush()  # a claim by another request waits here for it to commit or roll back
    except IntegrityError:
        session.rollback()
        return False
    return True


def release_submit(nonce: str, member_id: int, command: str, *, session: Session) -> None:
    """Give a claim back when the tap recorded nothing (refused, or nothing changed)."""
    session.exec(delete(FormSubmit).where(FormSubmit.nonce == nonce[:MAX_KEY], FormSubmit.member_id == member_id,
                                          FormSubmit.command == command[:MAX_COMMAND]))
    session.commit()


def prune_submits(before: datetime, *, session: Session) -> int:
    """Forget claims older than `before` (the cards and forms they came from are long gone)."""
    done = session.exec(delete(FormSubmit).where(FormSubmit.at < before)).rowcount
    session.commit()
    return done or 0
