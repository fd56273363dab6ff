"""crm lease events: deal moves recorded with the event, pushed by a retried task

Revision ID: 0005_onec
Revises: 0005_run
Create Date: 2026-11-23 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0005_onec"
down_revision = "0005_run"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_lease_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"],
            name=op.f("fk_crm_lease_events_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name=op.f("fk_crm_lease_events_portal_id_portals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_lease_events")),
        sa.UniqueConstraint(
            "document_id", "event", name=op.f("uq_crm_lease_events_document_id_event")
        ),
    )
    op.create_index(
        "ix_crm_lease_events_pending", "crm_lease_events", ["portal_id", "pushed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_crm_lease_events_pending", table_name="crm_lease_events")
    op.drop_table("crm_lease_events")
