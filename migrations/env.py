"""Alembic environment: runs against the engine AssureBot hands over, or DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on the metadata)
from models.db import ours

config = context.config
target_metadata = SQLModel.metadata


def _engine():
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    import os

    from models.db import make_engine

    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL, or run `assurebot migrate`, which reads the same settings as AssureBot")
    return make_engine(url)


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration copies a table; with foreign keys on, dropping the old copy would
            # fail while other tables point at it. Checked again below, once everything is in place.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=ours,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
        connection.commit()
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `assurebot migrate`")
run_migrations_online()
