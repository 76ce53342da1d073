"""outbox posts: each message's sends counted and its claiming flush recorded

Revision ID: 0007_outbox_posts
Revises: 0006_audit_chain
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_outbox_posts"
down_revision = "0006_audit_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("posts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("posts", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("posts")
