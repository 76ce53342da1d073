"""loaded stage movers: a partnership file says what stage an escalation reached, not who moved
it there, so the later stages loaded from one name nobody as having moved it (they had named the
person who raised it). A stage the raiser moved in AssureBot (with its audit event), and any note,
keep their author.

Revision ID: 0017_loaded_stage_movers
Revises: 0016_list_order_indexes
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0017_loaded_stage_movers"
down_revision = "0016_list_order_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        UPDATE escalation_stage SET by_id = NULL
        WHERE stage > 1 AND note IS NULL
          AND by_id = (SELECT escalation.raised_by_id FROM escalation
                       WHERE escalation.id = escalation_stage.escalation_id)
          AND NOT EXISTS (SELECT 1 FROM audit_event
                          WHERE audit_event.action = 'escalation.stage' AND audit_event.entity = 'escalation'
                            AND audit_event.entity_id = escalation_stage.escalation_id
                            AND audit_event.actor_id = escalation_stage.by_id)
    """)


def downgrade() -> None:
    """Nothing to put back: who moved a loaded escalation on was never known."""
