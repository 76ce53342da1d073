"""member preferred name: what to call someone, instead of the first word of their name

Revision ID: 0009_member_preferred_name
Revises: 0008_form_submit
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_member_preferred_name"
down_revision = "0008_form_submit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preferred_name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("preferred_name")
