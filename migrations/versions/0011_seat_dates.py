"""membership since and until: the days a seat on a group runs from and to

Revision ID: 0011_seat_dates
Revises: 0010_deputy_answer
Create Date: 2026-11-27

Seats recorded before this have neither date, and so count towards every meeting of their group
as they did before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_seat_dates"
down_revision = "0010_deputy_answer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("until")
        batch_op.drop_column("since")
