"""landlords: the accountant's email (overdue chain) and an index on INN (one numbering per
legal entity)

Revision ID: 0006_landlords
Revises: 0005_onec
Create Date: 2026-11-23 21:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_landlords"
down_revision = "0005_onec"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("landlords") as batch:
        batch.add_column(
            sa.Column("accountant_email", sa.String(255), nullable=False, server_default="")
        )
        batch.create_index("ix_landlords_inn", ["inn"])


def downgrade() -> None:
    with op.batch_alter_table("landlords") as batch:
        batch.drop_index("ix_landlords_inn")
        batch.drop_column("accountant_email")
