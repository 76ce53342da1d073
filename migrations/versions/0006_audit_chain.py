"""audit chain: each partnership's audit events chained by hash, and TRUNCATE refused

Events already recorded are placed on their partnership's chain in the order they were written.

Revision ID: 0006_audit_chain
Revises: 0005_slack_installations
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from models.audit import GENESIS, NO_PARTNERSHIP, event_hash

revision = "0006_audit_chain"
down_revision = "0005_slack_installations"
branch_labels = None
depends_on = None

SQLITE_GUARDS = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
]
POSTGRESQL_GUARDS = [
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
       FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
]


def _drop_guards(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "audit_chain",
        sa.Column("chain_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain_id"),
    )
    _drop_guards(dialect)  # the events already there are written once more, to place them on the chain
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    bind = op.get_bind()
    events = sa.table("audit_event", *(sa.column(name) for name in (
        "id", "partnership_id", "chain_id", "seq", "prev_hash", "hash", "at", "actor_id", "actor_label", "action",
        "entity", "entity_id", "before", "after")))
    heads: dict[int, tuple[int, str]] = {}
    rows = bind.execute(sa.text("SELECT id, partnership_id, at, actor_id, actor_label, action, entity, entity_id, "
                                "before, after FROM audit_event ORDER BY id")).mappings().all()
    import json
    from datetime import datetime

    for row in rows:
        values = dict(row)
        for key in ("before", "after"):
            if isinstance(values[key], str):
                values[key] = json.loads(values[key])
        if isinstance(values["at"], str):
            values["at"] = datetime.fromisoformat(values["at"])
        chain_id = values["partnership_id"] or NO_PARTNERSHIP
        seq, previous = heads.get(chain_id, (0, GENESIS))
        values.update(chain_id=chain_id, seq=seq + 1, prev_hash=previous)
        values["hash"] = event_hash(values)
        heads[chain_id] = (seq + 1, values["hash"])
        bind.execute(events.update().where(events.c.id == values["id"]).values(
            chain_id=chain_id, seq=seq + 1, prev_hash=previous, hash=values["hash"]))
    if heads:
        bind.execute(sa.text("INSERT INTO audit_chain (chain_id, seq, last_hash) VALUES (:c, :s, :h)"),
                     [{"c": c, "s": s, "h": h} for c, (s, h) in heads.items()])

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("chain_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_audit_event_chain_seq", ["chain_id", "seq"])
    for statement in POSTGRESQL_GUARDS if dialect == "postgresql" else SQLITE_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_guards(dialect)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_event_chain_seq", type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
        batch_op.drop_column("chain_id")
    op.drop_table("audit_chain")
    guards = [POSTGRESQL_GUARDS[0]] if dialect == "postgresql" else SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)
