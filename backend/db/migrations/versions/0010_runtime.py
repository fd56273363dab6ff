"""billing_run_chunks: the chunks of a large portal's billing run that are done, so the last
one to finish (and only it) runs the phases after issuing

Revision ID: 0010_runtime
Revises: 0009_penalties
Create Date: 2026-12-05 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_runtime"
down_revision = "0009_penalties"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billing_run_chunks",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("billing_runs.id"), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "chunk"),
    )


def downgrade() -> None:
    op.drop_table("billing_run_chunks")
