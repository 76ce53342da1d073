"""teams cards: cards sent with buttons, and the taps recorded on them

Revision ID: 0002_teams
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision = '0002_teams'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('teams_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('activity_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('card', sa.JSON().with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id', 'activity_id')
    )
    with op.batch_alter_table('teams_card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_card_updated_at'), ['updated_at'], unique=False)

    op.create_table('teams_card_submit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('command', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nonce', 'member_id', 'command')
    )
    with op.batch_alter_table('teams_card_submit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_card_submit_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_teams_card_submit_member_id'), ['member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('teams_card_submit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teams_card_submit_member_id'))
        batch_op.drop_index(batch_op.f('ix_teams_card_submit_at'))
    op.drop_table('teams_card_submit')
    with op.batch_alter_table('teams_card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teams_card_updated_at'))
    op.drop_table('teams_card')
