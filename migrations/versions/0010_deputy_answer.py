"""attendance deputy answer: a named deputy confirms or declines

Revision ID: 0010_deputy_answer
Revises: 0009_member_preferred_name
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_deputy_answer"
down_revision = "0009_member_preferred_name"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attendance_answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deputy_answer", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attendance_answer", schema=None) as batch_op:
        batch_op.drop_column("deputy_answer")
