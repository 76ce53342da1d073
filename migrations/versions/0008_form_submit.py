"""form submits: the claims of recorded taps serve Slack's forms as well as Teams' cards

Revision ID: 0008_form_submit
Revises: 0007_outbox_posts
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0008_form_submit"
down_revision = "0007_outbox_posts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams_card_submit", schema=None) as batch_op:
        batch_op.drop_index("ix_teams_card_submit_at")
        batch_op.drop_index("ix_teams_card_submit_member_id")
    op.rename_table("teams_card_submit", "form_submit")
    with op.batch_alter_table("form_submit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_submit_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_submit_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("form_submit", schema=None) as batch_op:
        batch_op.drop_index("ix_form_submit_member_id")
        batch_op.drop_index("ix_form_submit_at")
    op.rename_table("form_submit", "teams_card_submit")
    with op.batch_alter_table("teams_card_submit", schema=None) as batch_op:
        batch_op.create_index("ix_teams_card_submit_at", ["at"], unique=False)
        batch_op.create_index("ix_teams_card_submit_member_id", ["member_id"], unique=False)
