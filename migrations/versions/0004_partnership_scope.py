"""partnership scope: members belong to a partnership, audit events and Teams cards name theirs,
and a partnership names its Slack workspace and Microsoft 365 tenant

Revision ID: 0004_partnership_scope
Revises: 0003_member_admin_index, 0003_teams_file_offers, 0002_reminders
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004_partnership_scope"
down_revision = ("0003_member_admin_index", "0003_teams_file_offers", "0002_reminders")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slack_team_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column("slack_enterprise_id", sqlmodel.sql.sqltypes.AutoString(length=40),
                                      nullable=True))
        batch_op.add_column(sa.Column("teams_tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_partnership_slack_team_id"), ["slack_team_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_partnership_teams_tenant_id"), ["teams_tenant_id"], unique=True)

    # Each member takes their agency's partnership, then the column is required.
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partnership_id", sa.Integer(), nullable=True))
    op.execute("UPDATE member SET partnership_id = (SELECT agency.partnership_id FROM agency "
               "WHERE agency.id = member.agency_id)")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.alter_column("partnership_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_member_partnership_id_partnership", "partnership", ["partnership_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_member_partnership_id"), ["partnership_id"], unique=False)
        batch_op.drop_index("ix_member_email")
        batch_op.drop_index("ix_member_slack_user_id")
        batch_op.drop_index("ix_member_teams_aad_id")
        batch_op.create_index(batch_op.f("ix_member_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_slack_user_id"), ["slack_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_teams_aad_id"), ["teams_aad_id"], unique=False)
        batch_op.create_unique_constraint("uq_member_partnership_email", ["partnership_id", "email"])
        batch_op.create_unique_constraint("uq_member_partnership_slack", ["partnership_id", "slack_user_id"])
        batch_op.create_unique_constraint("uq_member_partnership_teams", ["partnership_id", "teams_aad_id"])

    # Plain ADD COLUMN (no table copy), so the audit trail's append-only triggers stay in place.
    op.add_column("audit_event", sa.Column("partnership_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_audit_event_partnership_id"), "audit_event", ["partnership_id"], unique=False)
    op.add_column("teams_card", sa.Column("partnership_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_teams_card_partnership_id"), "teams_card", ["partnership_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_teams_card_partnership_id"), table_name="teams_card")
    op.drop_column("teams_card", "partnership_id")
    op.drop_index(op.f("ix_audit_event_partnership_id"), table_name="audit_event")
    op.drop_column("audit_event", "partnership_id")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_constraint("uq_member_partnership_teams", type_="unique")
        batch_op.drop_constraint("uq_member_partnership_slack", type_="unique")
        batch_op.drop_constraint("uq_member_partnership_email", type_="unique")
        batch_op.drop_index(batch_op.f("ix_member_teams_aad_id"))
        batch_op.drop_index(batch_op.f("ix_member_slack_user_id"))
        batch_op.drop_index(batch_op.f("ix_member_email"))
        batch_op.create_index("ix_member_email", ["email"], unique=True)
        batch_op.create_index("ix_member_slack_user_id", ["slack_user_id"], unique=True)
        batch_op.create_index("ix_member_teams_aad_id", ["teams_aad_id"], unique=True)
        batch_op.drop_index(batch_op.f("ix_member_partnership_id"))
        batch_op.drop_constraint("fk_member_partnership_id_partnership", type_="foreignkey")
        batch_op.drop_column("partnership_id")
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partnership_teams_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_partnership_slack_team_id"))
        batch_op.drop_column("teams_tenant_id")
        batch_op.drop_column("slack_enterprise_id")
        batch_op.drop_column("slack_team_id")
