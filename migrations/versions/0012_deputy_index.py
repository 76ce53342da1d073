"""attendance answer deputy index: the meetings someone is named to attend as a deputy, found at once

Revision ID: 0012_deputy_index
Revises: 0011_seat_dates
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0012_deputy_index"
down_revision = "0011_seat_dates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attendance_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_answer_deputy_id"), ["deputy_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attendance_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_answer_deputy_id"))
