"""penalties: a penalty invoice (пени) is an invoice of its own purpose, a lease says
whether its penalties are invoiced on demand or monthly, and when its tenant is reminded of
a due date

Revision ID: 0009_penalties
Revises: 0008_premises
Create Date: 2026-12-05 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_penalties"
down_revision = "0008_premises"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(
            sa.Column("purpose", sa.String(10), nullable=False, server_default="rent")
        )
        # a penalty invoice may start the day a rent invoice of the lease starts
        batch.drop_constraint("uq_documents_lease_id_kind_period_start", type_="unique")
        batch.create_unique_constraint(
            "uq_documents_lease_id_kind_period_start_purpose",
            ["lease_id", "kind", "period_start", "purpose"],
        )
    with op.batch_alter_table("leases") as batch:
        batch.add_column(
            sa.Column(
                "penalty_invoicing", sa.String(16), nullable=False, server_default="on_demand"
            )
        )
        batch.add_column(sa.Column("due_reminder_days", sa.JSON(), nullable=True))
        # a daily rate in per cent needs more than kopeck precision (0.033 %, 1/300 of the
        # key rate): it was Numeric(18, 2)
        batch.alter_column(
            "penalty_rate_per_day",
            existing_type=sa.Numeric(18, 2),
            type_=sa.Numeric(9, 6),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("leases") as batch:
        batch.alter_column(
            "penalty_rate_per_day",
            existing_type=sa.Numeric(9, 6),
            type_=sa.Numeric(18, 2),
            existing_nullable=True,
        )
        batch.drop_column("due_reminder_days")
        batch.drop_column("penalty_invoicing")
    # fails if a penalty invoice starts the day a rent invoice of its lease does: cancel or
    # renumber it first, its money is on record
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint("uq_documents_lease_id_kind_period_start_purpose", type_="unique")
        batch.create_unique_constraint(
            "uq_documents_lease_id_kind_period_start", ["lease_id", "kind", "period_start"]
        )
        batch.drop_column("purpose")
