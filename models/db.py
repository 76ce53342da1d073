"""Engines, sessions and bringing the schema up to date with Alembic."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from typing import TYPE_CHECKING

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

import migrations

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(migrations.__file__).parent
# The newest migration (a test checks it is Alembic's head). A database already there is used as
# it is, without loading Alembic at all, so commands start at once.
HEAD = "0017_loaded_stage_movers"
# Tables whose shape belongs to slack_sdk's stores (migration 0005), not to the models here.
SLACK_STORE_TABLES = frozenset({"slack_installations", "slack_bots", "slack_oauth_states"})


def ours(name: str | None, type_: str, _parent_names: dict) -> bool:
    """For Alembic's comparisons: leave slack_sdk's tables out of what the models describe."""
    return not (type_ == "table" and name in SLACK_STORE_TABLES)


class EncodedJSON(str):
    """A value for a JSON column already encoded (json_text): written as it is. The outbox encodes
    each message as it queues it, so a chunk of messages waiting to be written is a list of strings,
    not thousands of small dicts and lists for Python's cycle collector to walk again and again."""


def json_text(value) -> str:
    """Plain values (dicts, lists, strings, numbers) as JSON text: what json.dumps writes, without
    its spaces or escapes (UTF-8 as it is), by orjson, about ten times faster. A reminder run writes
    and reads thousands of cards and messages."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def encode_json(value) -> str:
    """How a JSON column's value is written: as json_text, unless it is already encoded."""
    return value if type(value) is EncodedJSON else json_text(value)


# The dialects of the engines make_engine made (an engine's copies with other options share its dialect).
_WRITES_ENCODED_JSON: weakref.WeakSet = weakref.WeakSet()


def writes_encoded_json(bind) -> bool:
    """Whether the engine or connection writes an EncodedJSON as it is (every engine make_engine makes)."""
    return bind.dialect in _WRITES_ENCODED_JSON


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for the URL; a SQLite file's folder is created, and foreign keys enforced."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    # hide_parameters: what people typed (a summary, a note) never reaches a log or an error
    # message through a statement's parameters, whatever the log level.
    engine = create_engine(url, echo=echo, connect_args=connect_args, pool_pre_ping=True, hide_parameters=True,
                           json_serializer=encode_json, json_deserializer=orjson.loads)
    _WRITES_ENCODED_JSON.add(engine.dialect)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if engine.dialect.driver == "psycopg":
        _keep_prepared_statements(engine)
    return engine


_NOT_ONLY_READ = "assurebot.not_only_read"  # in a connection's info: this transaction may have changed something


def _keep_prepared_statements(engine: Engine) -> None:
    """End a transaction that only read with COMMIT, not ROLLBACK: the same for the database, but
    psycopg forgets every prepared statement at a ROLLBACK (and deallocates them on the server), so
    with ROLLBACK a command's statements, asked again and again, would be planned again each time.

    Anything but a plain SELECT (a write, a savepoint, a statement that failed) marks the
    transaction, which then ends with a real ROLLBACK, as it always did."""
    dialect = engine.dialect
    rollback, commit = dialect.do_rollback, dialect.do_commit

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if not statement.lstrip()[:7].upper().startswith("SELECT"):
            conn.connection.info[_NOT_ONLY_READ] = True

    @event.listens_for(engine, "handle_error")
    def _failed(context) -> None:
        if context.connection is not None and not context.connection.invalidated:
            context.connection.connection.info[_NOT_ONLY_READ] = True

    def do_rollback(dbapi_connection) -> None:
        info = _info(dbapi_connection)
        if info is None or info.pop(_NOT_ONLY_READ, False):
            rollback(dbapi_connection)
        else:
            commit(dbapi_connection)

    def do_commit(dbapi_connection) -> None:
        info = _info(dbapi_connection)
        if info is not None:
            info.pop(_NOT_ONLY_READ, None)
        commit(dbapi_connection)

    dialect.do_rollback, dialect.do_commit = do_rollback, do_commit


def _info(pooled) -> dict | None:
    """The pool's lasting dictionary for a connection; None for one the pool does not keep (the
    first connection, which SQLAlchemy opens to learn about the server)."""
    try:
        return pooled.info
    except (NotImplementedError, AttributeError):
        return None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # A REPLACE that deletes a row fires its DELETE triggers only with this on: the audit trail's
    # no-delete trigger then refuses `INSERT OR REPLACE` of an existing event.
    cursor.execute("PRAGMA recursive_triggers=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def alembic_config(engine: Engine) -> "Config":
    """An Alembic configuration that runs the packaged migrations against this engine."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest migration. Safe to call every start."""
    from alembic import command

    command.upgrade(alembic_config(engine), "heads")


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration (one query; False when it has no schema)."""
    try:
        with engine.connect() as connection:
            versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except SQLAlchemyError:
        return False
    return list(versions) == [HEAD]


def grant_runtime_role(engine: Engine, role: str) -> None:
    """PostgreSQL: let `role` run AssureBot (read and write its tables) but only add to the audit
    trail, never change, delete or empty it. The role that ran the migrations owns the tables."""
    if engine.dialect.name != "postgresql":
        raise ValueError("roles are a PostgreSQL matter; SQLite is protected by its file's permissions")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ValueError(f"{role!r} is not a plain role name (lower-case letters, digits and _)")
    with engine.begin() as conn:
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM {role}",
            f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        ):
            conn.exec_driver_sql(statement)


def ready_engine(url: str) -> Engine:
    """An engine with the schema brought up to date (Alembic runs only when it is not)."""
    engine = make_engine(url)
    if not schema_is_current(engine):
        migrate(engine)
    return engine


ANALYSIS_LIMIT = 1000  # rows SQLite's ANALYZE reads of each index: statistics in milliseconds at any size


def refresh_statistics(engine: Engine) -> None:
    """Tell SQLite's query planner how large each table and index now is. SQLite gathers no
    statistics of its own accord, and without them it takes every index to be as selective as any
    other: it then answers `quorum` for a group of 20 by reading every member of a partnership of
    5,000 (1.2 ms) rather than the group's 20 seats (0.07 ms). `assurebot serve` refreshes them when
    it starts and after each daily sweep, and loading or importing does after it writes.
    PostgreSQL keeps its own (autovacuum), so nothing is done there."""
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as connection:
        connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        connection.exec_driver_sql("ANALYZE")


_HELD = "commits_held"


class UnitSession(Session):
    """A session whose commits can be held together as one (see one_commit)."""

    def commit(self) -> None:
        if self.info.get(_HELD):
            self.flush()  # written within the transaction, committed with the rest
        else:
            super().commit()


@contextmanager
def one_commit(session: Session) -> Iterator[Session]:
    """All that is saved inside, saved in one commit when it ends, or none of it.

    A command's saving goes through functions that commit (save_new, record_answer...), and after
    them its handler and the dispatcher still read: the names and cards for its reply, the buttons
    each person may press, whom to tell. Were the record committed first, a failure in that reading
    would answer "nothing was saved" over a saved record and drop every notice about it (an
    escalation nobody was alerted to, a deputy never told). Inside this, a commit only writes
    within the transaction; a rollback undoes everything since it began; the one real commit comes
    last, after everything has been read, so what the person is told is what the database holds."""
    if not isinstance(session, UnitSession):
        raise TypeError("one_commit needs a session made by session_for or Scope.session")
    session.info[_HELD] = True
    try:
        yield session
    except BaseException:
        session.info[_HELD] = False
        session.rollback()
        raise
    session.info[_HELD] = False
    session.commit()


def session_for(engine: Engine) -> Session:
    """A session that keeps loaded objects usable after commit (replies read them after saving)."""
    return UnitSession(engine, expire_on_commit=False)
