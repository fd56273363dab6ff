"""cardfix: an addendum's kind (terms or termination), so a termination is stored as a kind
and a date, and each page names it in its reader's language; the terminations stored with a
Russian name ("расторжение 31.08.2026") become such

Revision ID: 0018_cardfix
Revises: 0017_leaseterms
Create Date: 2026-12-06 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_cardfix"
down_revision = "0017_leaseterms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("addenda", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="terms")
        )
    op.execute(
        "UPDATE addenda SET kind = 'termination', number = ''"
        " WHERE number LIKE 'расторжение %' AND \"end\" = effective_from"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE addenda SET number = 'termination ' || effective_from WHERE kind = 'termination'"
    )
    with op.batch_alter_table("addenda", schema=None) as batch_op:
        batch_op.drop_column("kind")
