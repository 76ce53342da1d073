"""Teams cards the bot sent with buttons, and files offered.

A tapped card is updated in place to show what was recorded, which needs the card as sent.
(The taps already recorded are claimed in models.submits, as Slack's forms are.)

A report's files are offered with a consent card; the file waits here until the person presses
Allow or Decline, so a restart in between loses nothing, and it can be taken only once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, LargeBinary, UniqueConstraint, delete
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from models.base import JSONType, UTCDateTime, insert_ignoring_duplicates, utcnow


class TeamsCard(SQLModel, table=True):
    """An Adaptive Card as last sent or updated in a Teams conversation."""

    __tablename__ = "teams_card"
    __table_args__ = (UniqueConstraint("conversation_id", "activity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    # The partnership whose words the card carries: it is only ever read back within it.
    partnership_id: int | None = Field(default=None, index=True)
    conversation_id: str = Field(max_length=400)
    activity_id: str = Field(max_length=200)
    card: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class TeamsFileOffer(SQLModel, table=True):
    """A file offered to one person with a file consent card, until they accept or decline it."""

    __tablename__ = "teams_file_offer"

    token: str = Field(primary_key=True, max_length=40)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    offered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


def save_offer(token: str, member_id: int | None, filename: str, content_type: str, data: bytes, *,
               session: Session, offered_at: datetime, forget_before: datetime | None = None) -> None:
    """Keep a file until it is taken; offers older than `forget_before` are forgotten at the same time."""
    if forget_before is not None:
        session.exec(delete(TeamsFileOffer).where(TeamsFileOffer.offered_at < forget_before))
    session.add(TeamsFileOffer(token=token, member_id=member_id, filename=filename[:255],
                               content_type=content_type[:100], data=data, offered_at=offered_at))
    session.commit()


def take_offer(token: str, member_id: int | None, *, session: Session,
               offered_after: datetime) -> TeamsFileOffer | None:
    """The offered file, once, only for the person it was offered to, and only while it is fresh.
    Offers gone stale are forgotten at the same time."""
    session.exec(delete(TeamsFileOffer).where(TeamsFileOffer.offered_at < offered_after))
    session.commit()
    offer = session.get(TeamsFileOffer, token)
    if offer is None or offer.member_id != member_id or offer.offered_at < offered_after:
        return None
    # Whoever deletes the row has it: a second Allow (or a second server) gets nothing.
    taken = session.exec(delete(TeamsFileOffer).where(TeamsFileOffer.token == token)).rowcount
    session.commit()
    return offer if taken == 1 else None


def save_card(conversation_id: str, activity_id: str, card: dict[str, Any], *, partnership_id: int | None,
              session: Session) -> None:
    """Remember the card now showing in a conversation (insert or replace), as the partnership's."""
    row = card_row(conversation_id, activity_id, partnership_id=partnership_id, session=session)
    if row is None:
        row = TeamsCard(partnership_id=partnership_id, conversation_id=conversation_id, activity_id=activity_id,
                        card=card)
    else:
        row.card = card
        row.updated_at = utcnow()
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # saved at the same moment by another request: keep the newer card
        session.rollback()
        row = card_row(conversation_id, activity_id, partnership_id=partnership_id, session=session)
        row.card, row.updated_at = card, utcnow()
        session.add(row)
        session.commit()


def keep_card(conversation_id: str, activity_id: str, card: dict[str, Any], *, partnership_id: int | None,
              connection: Connection) -> None:
    """Remember a card just posted, as the partnership's, in the caller's transaction (the outbox
    writes it in the commit that records the message as sent). A new message's id is new, so the
    card is only inserted; a row already there for it is left alone."""
    connection.execute(insert_ignoring_duplicates(TeamsCard.__table__, connection.dialect.name), {
        "partnership_id": partnership_id, "conversation_id": conversation_id, "activity_id": activity_id,
        "card": card, "updated_at": utcnow()})


def card_row(conversation_id: str, activity_id: str, *, partnership_id: int | None,
             session: Session) -> TeamsCard | None:
    """The card as sent, only if it is the partnership's: another partnership's card reads as none."""
    return session.exec(select(TeamsCard).where(TeamsCard.conversation_id == conversation_id,
                                                TeamsCard.activity_id == activity_id,
                                                TeamsCard.partnership_id == partnership_id)).first()


def prune_cards(before: datetime, *, session: Session) -> int:
    """Forget cards older than `before`; old cards are no longer updated in place."""
    cards = session.exec(delete(TeamsCard).where(TeamsCard.updated_at < before)).rowcount
    session.commit()
    return cards or 0
