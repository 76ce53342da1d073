"""The audit trail is append-only: the application and the database both refuse changes."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from models.audit import AuditEvent, AuditTrailIsAppendOnly, record
from tests.conftest import CHAIR


def _one_event(engine) -> int:
    with Session(engine) as session:
        event = record(session, actor_id=None, actor_label="test", action="thing.done", entity="thing", entity_id=1,
                       after={"x": 1})
        session.commit()
        return event.id


def test_an_audit_event_cannot_be_changed_through_the_application(engine):
    event_id = _one_event(engine)
    with Session(engine) as session:
        event = session.get(AuditEvent, event_id)
        event.action = "rewritten"
        with pytest.raises(AuditTrailIsAppendOnly):
            session.commit()


def test_an_audit_event_cannot_be_deleted_through_the_application(engine):
    event_id = _one_event(engine)
    with Session(engine) as session:
        session.delete(session.get(AuditEvent, event_id))
        with pytest.raises(AuditTrailIsAppendOnly):
            session.commit()


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"])
def test_the_database_refuses_changes_even_in_raw_sql(engine, statement):
    _one_event(engine)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    with Session(engine) as session:
        assert session.exec(select(AuditEvent.action)).all() == ["thing.done"]


async def test_every_change_made_in_chat_is_recorded_with_who_and_when(chat, demo, clock):
    await chat(CHAIR, "action done 2")
    await chat(CHAIR, "attend arg no")
    with Session(demo) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.actor_id.is_not(None))
                              .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["action.done", "attendance.answered"]
    assert events[0].before == {"status": "open", "completed_at": None}
    assert events[0].after["status"] == "done"
    assert events[1].before == {"answer": "attending", "deputy_id": None}
    assert all(e.at.tzinfo is not None for e in events)
