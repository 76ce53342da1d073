"""list order indexes: open actions and returns by (due date, id), for the partnership and for
one agency; scheduled meetings by (status, starts) and a group's by (status, starts); open
escalations by (urgency, raised); the papers someone owes: a page of a list is the first rows of
an index and never a sort of all

Revision ID: 0016_list_order_indexes
Revises: 0015_overdue_by_agency
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0016_list_order_indexes"
down_revision = "0015_overdue_by_agency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index("ix_action_status_due_agency")
        batch_op.create_index("ix_action_open_due_id_agency", ["status", "due_date", "id", "agency_id"], unique=False)
        batch_op.drop_index("ix_action_agency_id")
        batch_op.create_index("ix_action_agency_status_due", ["agency_id", "status", "due_date", "id"], unique=False)
    with op.batch_alter_table("data_return", schema=None) as batch_op:
        batch_op.drop_index("ix_return_open_due_agency")
        batch_op.create_index("ix_return_open_due_id_agency", ["submitted_at", "due_date", "id", "agency_id"],
                              unique=False)
        batch_op.drop_index("ix_data_return_agency_id")
        batch_op.create_index("ix_return_agency_open_due", ["agency_id", "submitted_at", "due_date", "id"],
                              unique=False)
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_status")
        batch_op.create_index("ix_meeting_status_starts", ["status", "starts_at", "id"], unique=False)
        batch_op.drop_index("ix_meeting_group_starts")
        batch_op.create_index("ix_meeting_group_status_starts", ["group_id", "status", "starts_at"], unique=False)
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_closed_at")
        batch_op.create_index("ix_escalation_open_queue", ["closed_at", "urgency", "raised_at", "id"], unique=False)
    with op.batch_alter_table("paper", schema=None) as batch_op:
        batch_op.drop_index("ix_paper_owner_id")
        batch_op.create_index("ix_paper_owner_open", ["owner_id", "submitted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("paper", schema=None) as batch_op:
        batch_op.drop_index("ix_paper_owner_open")
        batch_op.create_index("ix_paper_owner_id", ["owner_id"], unique=False)
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_open_queue")
        batch_op.create_index("ix_escalation_closed_at", ["closed_at"], unique=False)
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_group_status_starts")
        batch_op.create_index("ix_meeting_group_starts", ["group_id", "starts_at"], unique=False)
        batch_op.drop_index("ix_meeting_status_starts")
        batch_op.create_index("ix_meeting_status", ["status"], unique=False)
    with op.batch_alter_table("data_return", schema=None) as batch_op:
        batch_op.drop_index("ix_return_agency_open_due")
        batch_op.create_index("ix_data_return_agency_id", ["agency_id"], unique=False)
        batch_op.drop_index("ix_return_open_due_id_agency")
        batch_op.create_index("ix_return_open_due_agency", ["submitted_at", "due_date", "agency_id"], unique=False)
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index("ix_action_agency_status_due")
        batch_op.create_index("ix_action_agency_id", ["agency_id"], unique=False)
        batch_op.drop_index("ix_action_open_due_id_agency")
        batch_op.create_index("ix_action_status_due_agency", ["status", "due_date", "agency_id"], unique=False)
