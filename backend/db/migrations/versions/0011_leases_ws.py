"""documents: the "never twice" key covers the documents not cancelled, so a cancelled
invoice keeps its row and number while the days it covered can be invoiced again

Revision ID: 0011_leases_ws
Revises: 0010_runtime
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_leases_ws"
down_revision = "0010_runtime"
branch_labels = None
depends_on = None

_LIVE = sa.text("status != 'cancelled'")


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint("uq_documents_lease_id_kind_period_start_purpose", type_="unique")
    op.create_index(
        "uq_documents_live",
        "documents",
        ["lease_id", "kind", "period_start", "purpose"],
        unique=True,
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )


def downgrade() -> None:
    # fails if a cancelled invoice and its replacement share a period start: their money and
    # numbers are on record, so it is left to a person
    op.drop_index("uq_documents_live", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.create_unique_constraint(
            "uq_documents_lease_id_kind_period_start_purpose",
            ["lease_id", "kind", "period_start", "purpose"],
        )
