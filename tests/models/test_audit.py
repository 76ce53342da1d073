"""The audit trail is append-only: the application and the database both refuse changes."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from datetime import datetime, timezone

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


# --- the chain: each attack on the trail is refused, or shown by `assurebot audit verify` ----------------

from sqlalchemy import insert  # noqa: E402

from bot.commands.audit import audit_verify_command  # noqa: E402
from models.audit import AuditChain, insert_events  # noqa: E402
from models.audit_verify import verify  # noqa: E402


def _events(engine, count: int = 3, partnership_id: int | None = None) -> list[int]:
    ids = []
    with Session(engine) as session:
        for n in range(count):
            ids.append(record(session, partnership_id=partnership_id, actor_id=None, actor_label="test",
                              action=f"thing.{n}", entity="thing", entity_id=n, after={"n": n}))
        session.commit()
        return [e.id for e in ids]


def _verdict(engine):
    with Session(engine) as session:
        return verify(session)


def _as_owner(engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def test_events_are_chained_in_the_order_they_were_recorded_and_verify_finds_the_trail_intact(engine):
    _events(engine, 3)
    with Session(engine) as session:
        insert_events(session, [{"action": "import.row", "entity": "action", "entity_id": 9, "actor_label": "file"}])
        session.commit()
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        head = session.get(AuditChain, 0)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert (head.seq, head.last_hash) == (4, events[-1].hash)
    assert _verdict(engine).intact


async def test_every_change_made_in_chat_lands_on_its_partnerships_chain(chat, demo):
    await chat(CHAIR, "action done 2")
    await chat(CHAIR, "attend arg no")
    verdict = _verdict(demo)
    assert verdict.intact
    assert any("Riverside" in c.name and c.events >= 2 for c in verdict.chains)


def test_sqlite_an_insert_or_replace_of_an_event_is_refused(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's REPLACE")
    first = _events(engine, 2)[0]
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("INSERT OR REPLACE INTO audit_event (id, chain_id, seq, prev_hash, hash, at, actor_label, "
                          "action, entity) VALUES (:id, 0, 1, '', '', '2026-01-01', 'x', 'rewritten', 'thing')"),
                     {"id": first})
    with pytest.raises(DBAPIError, match="append-only"), Session(engine) as session:
        session.execute(insert(AuditEvent).prefix_with("OR REPLACE").values(
            id=first, chain_id=0, seq=1, prev_hash="", hash="", at=datetime(2026, 1, 1, tzinfo=timezone.utc),
            actor_label="x", action="rewritten", entity="thing"))
        session.commit()
    assert _verdict(engine).intact


def test_sqlite_an_event_deleted_after_dropping_the_trigger_is_shown_by_verify(engine, capsys):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's triggers")
    ids = _events(engine, 3)
    _as_owner(engine, "DROP TRIGGER audit_event_no_delete", f"DELETE FROM audit_event WHERE id = {ids[1]}")
    verdict = _verdict(engine)
    assert verdict.guards == ["the trigger audit_event_no_delete has been removed"]
    assert "events are missing before it" in verdict.chains[0].problems[0]
    url = engine.url.render_as_string(hide_password=False)
    assert audit_verify_command(url) == 1
    assert "BROKEN" in capsys.readouterr().out


@pytest.mark.parametrize("attack, finding", [
    (["UPDATE audit_event SET actor_label = 'someone else' WHERE seq = 2"], "it was changed"),
    (["UPDATE audit_event SET seq = 99 WHERE seq = 2", "UPDATE audit_event SET seq = 2 WHERE seq = 3",
      "UPDATE audit_event SET seq = 3 WHERE seq = 99"], "reordered"),
    (["DELETE FROM audit_event WHERE seq = 4"], "removed from its end"),
], ids=["changed", "reordered", "cut off"])
def test_a_changed_reordered_or_cut_off_trail_is_named_by_verify(engine, attack, finding):
    _events(engine, 4)
    if engine.dialect.name == "sqlite":
        _as_owner(engine, "DROP TRIGGER audit_event_no_update", "DROP TRIGGER audit_event_no_delete", *attack)
    else:
        _as_owner(engine, "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change", *attack,
                  "ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change")
    problems = _verdict(engine).chains[0].problems
    assert problems and finding in problems[0], problems


def test_postgresql_truncate_is_refused_however_it_is_sent(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's TRUNCATE")
    _events(engine, 2)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_event"))
    with pytest.raises(DBAPIError, match="append-only"), Session(engine) as session:
        session.exec(text("TRUNCATE audit_event CASCADE"))
    assert _verdict(engine).intact


@pytest.mark.parametrize("switch_off, guard", [
    ("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change", "the trigger audit_event_no_change is switched off"),
    ("SET session_replication_role = replica", None),
])
def test_postgresql_a_switched_off_guard_and_the_deletion_it_let_through_are_shown(engine, switch_off, guard):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's triggers")
    _events(engine, 3)
    with engine.begin() as conn:
        conn.execute(text(switch_off))
        conn.execute(text("DELETE FROM audit_event WHERE seq = 3"))
    verdict = _verdict(engine)
    assert verdict.chains[0].problems and "removed from its end" in verdict.chains[0].problems[0]
    assert verdict.guards == ([guard] if guard else [])
    if guard:
        _as_owner(engine, "ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change")


def test_postgresql_the_runtime_role_may_only_add_to_the_trail(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's roles")
    import os

    from models.db import grant_runtime_role

    role = f"assurebot_runtime_{os.getpid()}"
    _as_owner(engine, f"DROP ROLE IF EXISTS {role}", f"CREATE ROLE {role}")
    try:
        grant_runtime_role(engine, role)
        _events(engine, 1)
        for attack in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event", "TRUNCATE audit_event",
                       "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"):
            with pytest.raises(DBAPIError, match="permission denied|must be owner"), engine.begin() as conn:
                conn.execute(text(f"SET LOCAL ROLE {role}"))
                conn.execute(text(attack))
        with Session(engine) as session:
            session.connection().execute(text(f"SET LOCAL ROLE {role}"))
            record(session, actor_id=None, actor_label="runtime", action="thing.added", entity="thing", entity_id=1)
            session.commit()
        assert _verdict(engine).intact
    finally:
        _as_owner(engine, f"REASSIGN OWNED BY {role} TO CURRENT_USER", f"DROP OWNED BY {role}", f"DROP ROLE {role}")
