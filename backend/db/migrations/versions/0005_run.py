"""documents: the billing run's pending manager summary, and an index of undelivered ones

Revision ID: 0005_run
Revises: 0004
Create Date: 2026-11-23 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_run"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("summary_pending", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.create_index("ix_documents_portal_sent", ["portal_id", "sent_at"], unique=False)
        batch_op.create_index(
            "ix_documents_portal_summary", ["portal_id", "summary_pending"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_portal_summary")
        batch_op.drop_index("ix_documents_portal_sent")
        batch_op.drop_column("summary_pending")
