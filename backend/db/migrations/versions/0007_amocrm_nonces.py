"""used_nonces: one-time values already spent (amoCRM widget token jti, OAuth state), so a
replay fails in every process

Revision ID: 0007_amocrm_nonces
Revises: 0006_landlords
Create Date: 2026-12-05 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_amocrm_nonces"
down_revision = "0006_landlords"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "used_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_used_nonces")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_used_nonces_kind_value")),
    )
    op.create_index(
        op.f("ix_used_nonces_expires_at"), "used_nonces", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_used_nonces_expires_at"), table_name="used_nonces")
    op.drop_table("used_nonces")
