"""the tenant cabinet: sign-in challenges, sessions, rate-limit hits, lease scans

Revision ID: 0012_cabinet
Revises: 0011_leases_ws
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_cabinet"
down_revision = "0011_leases_ws"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cabinet_challenges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("link_hash", sa.String(64), nullable=False),
        sa.Column("known", sa.Boolean(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.Column("used_at", _WHEN, nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.UniqueConstraint("link_hash", name="uq_cabinet_challenges_link_hash"),
    )
    op.create_index(
        "ix_cabinet_challenges_email_created", "cabinet_challenges", ["email", "created_at"]
    )
    op.create_table(
        "cabinet_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("tenants", sa.JSON(), nullable=False),
        sa.Column("portal_id", sa.Integer(), sa.ForeignKey("portals.id"), nullable=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("seen_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.Column("revoked_at", _WHEN, nullable=True),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_cabinet_sessions_token_hash"),
    )
    op.create_index("ix_cabinet_sessions_email", "cabinet_sessions", ["email"])
    op.create_table(
        "cabinet_hits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
    )
    op.create_index("ix_cabinet_hits_key_at", "cabinet_hits", ["key", "at"])
    op.create_table(
        "lease_scans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("portal_id", sa.Integer(), sa.ForeignKey("portals.id"), nullable=False),
        sa.Column("lease_id", sa.Integer(), sa.ForeignKey("leases.id"), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(255), nullable=False),
        sa.Column("uploaded_by", sa.String(120), nullable=False),
        sa.Column("uploaded_at", _WHEN, nullable=False),
    )
    op.create_index("ix_lease_scans_portal_id", "lease_scans", ["portal_id"])
    op.create_index("ix_lease_scans_lease_id", "lease_scans", ["lease_id"])


def downgrade() -> None:
    op.drop_table("lease_scans")
    op.drop_table("cabinet_hits")
    op.drop_table("cabinet_sessions")
    op.drop_table("cabinet_challenges")
