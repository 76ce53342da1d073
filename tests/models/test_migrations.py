"""Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from models.db import migrate


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_migrating_an_up_to_date_database_changes_nothing(engine):
    migrate(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads()
