"""overdue by agency: the open-by-due-date indexes also carry the agency, so the weekly count of
long-overdue returns and actions per agency is read from the index alone

Revision ID: 0015_overdue_by_agency
Revises: 0014_member_agency_name
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0015_overdue_by_agency"
down_revision = "0014_member_agency_name"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index("ix_action_status_due")
        batch_op.create_index("ix_action_status_due_agency", ["status", "due_date", "agency_id"], unique=False)
    with op.batch_alter_table("data_return", schema=None) as batch_op:
        batch_op.drop_index("ix_return_due_open")
        batch_op.create_index("ix_return_open_due_agency", ["submitted_at", "due_date", "agency_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("data_return", schema=None) as batch_op:
        batch_op.drop_index("ix_return_open_due_agency")
        batch_op.create_index("ix_return_due_open", ["submitted_at", "due_date"], unique=False)
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index("ix_action_status_due_agency")
        batch_op.create_index("ix_action_status_due", ["status", "due_date"], unique=False)
