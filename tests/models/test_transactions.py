"""How transactions end: what was written and not committed is gone, and on PostgreSQL a transaction
that only read ends so that the statements prepared for it are kept for the next command."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from models.db import session_for
from models.partnership import Agency, Partnership


def partnership(engine, key: str = "north") -> int:
    with session_for(engine) as session:
        row = Partnership(key=key, name="Northshire Safeguarding Children Partnership")
        session.add(row)
        session.commit()
        return row.id


def agencies(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(Agency.name).order_by(Agency.name)).scalars())


def test_what_was_written_and_not_committed_is_gone(engine):
    pid = partnership(engine)
    with session_for(engine) as session:
        session.exec(select(Partnership)).all()  # read first: the transaction is not only reads once it writes
        session.add(Agency(partnership_id=pid, key="la", name="Council"))
        session.flush()
        session.rollback()
    with session_for(engine) as session:
        session.add(Agency(partnership_id=pid, key="la", name="Council"))
        session.flush()  # and the session closed without a commit
    with engine.connect() as connection:
        connection.execute(insert(Agency.__table__).values(partnership_id=pid, key="pol", name="Police"))
        connection.rollback()
    assert agencies(engine) == []

    with session_for(engine) as session:
        session.add(Agency(partnership_id=pid, key="la", name="Council"))
        session.commit()
    with engine.connect() as connection:
        connection.execute(select(Agency.id)).all()
        connection.execute(update(Agency.__table__).values(name="Renamed"))
        connection.rollback()
    assert agencies(engine) == ["Council"]


def test_a_statement_that_failed_ends_its_transaction_with_a_rollback(engine):
    pid = partnership(engine)
    with engine.connect() as connection:
        connection.execute(select(Agency.id)).all()
        with pytest.raises(DBAPIError):
            connection.execute(text("SELECT no_such_column FROM agency"))
        connection.rollback()
        connection.execute(insert(Agency.__table__).values(partnership_id=pid, key="la", name="Council"))
        connection.commit()
        assert connection.execute(select(func.count()).select_from(Agency)).scalar_one() == 1


def asked_again_and_again(engine, connection) -> int:
    """A statement run eight times on one connection, each time in a transaction that only reads
    (psycopg prepares it at the fifth); the partnership it reads."""
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    pid = partnership(engine)
    for _ in range(8):
        connection.execute(select(Agency.name).where(Agency.partnership_id == pid)).all()
        connection.rollback()
    return pid


def test_a_statement_asked_again_and_again_is_prepared_once_on_postgresql(engine):
    """psycopg forgets its prepared statements at every ROLLBACK; a transaction that only read ends
    with COMMIT instead, so a statement every command asks is planned once, not every time."""
    with engine.connect() as connection:
        pid = asked_again_and_again(engine, connection)
        prepared = connection.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        assert any("FROM agency" in statement for statement in prepared), prepared
        # A transaction that wrote still ends with a real rollback.
        connection.execute(insert(Agency.__table__).values(partnership_id=pid, key="la", name="Council"))
        connection.rollback()
    assert agencies(engine) == []


def test_a_transaction_in_which_a_statement_failed_ends_with_a_real_rollback_on_postgresql(engine):
    """Whatever a failure left half done, psycopg's own answer to it (a ROLLBACK, after which it
    prepares its statements afresh) is kept."""
    with engine.connect() as connection:
        asked_again_and_again(engine, connection)
        with pytest.raises(DBAPIError):
            connection.execute(text("SELECT no_such_column FROM agency"))
        connection.rollback()
        assert connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one() == 0
