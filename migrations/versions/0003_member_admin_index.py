"""member admin index: the business unit found without walking every member

Revision ID: 0003_member_admin_index
Revises: 0002_action_owner_index
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0003_member_admin_index"
down_revision = "0002_action_owner_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_is_admin"), ["is_admin"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_is_admin"))
