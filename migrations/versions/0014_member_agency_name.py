"""member agency name index: an agency's people by name, found without sorting every member

Revision ID: 0014_member_agency_name
Revises: 0013_member_email_off
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0014_member_agency_name"
down_revision = "0013_member_email_off"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index("ix_member_agency_name", ["agency_id", "name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_agency_name")
