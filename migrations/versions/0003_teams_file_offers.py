"""teams file offers: a report's files kept until the person accepts or declines them

Revision ID: 0003_teams_file_offers
Revises: 0002_teams
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision = "0003_teams_file_offers"
down_revision = "0002_teams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_file_offer",
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("offered_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("token"),
    )
    with op.batch_alter_table("teams_file_offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_file_offer_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_teams_file_offer_offered_at"), ["offered_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("teams_file_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_file_offer_offered_at"))
        batch_op.drop_index(batch_op.f("ix_teams_file_offer_member_id"))
    op.drop_table("teams_file_offer")
