"""bic: the Bank of Russia's BIC directory (ED807) as last loaded, one row per БИК offered

Revision ID: 0015_bic
Revises: 0014_scale
Create Date: 2026-12-06 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0015_bic"
down_revision = "0014_scale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_directory",
        sa.Column("bic", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("corr_account", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("place_type", sa.String(length=8), nullable=False),
        sa.Column("region", sa.String(length=4), nullable=False),
        sa.Column("postal_code", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("business_day", sa.String(length=10), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bic", name=op.f("pk_bank_directory")),
    )


def downgrade() -> None:
    op.drop_table("bank_directory")
