"""action owner index: one person's open actions by due date without walking everyone's

Revision ID: 0002_action_owner_index
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0002_action_owner_index"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_action_owner_status_due", "action", ["owner_id", "status", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_action_owner_status_due", table_name="action")
