"""document links: public, revocable links to rendered document files

Revision ID: 0002_documents
Revises: 0001
Create Date: 2026-11-23 18:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002_documents"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_links",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"],
            name=op.f("fk_document_links_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name=op.f("fk_document_links_portal_id_portals")
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_document_links")),
    )
    op.create_index(
        op.f("ix_document_links_document_id"), "document_links", ["document_id"], unique=False
    )
    op.create_index(
        op.f("ix_document_links_portal_id"), "document_links", ["portal_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_document_links_portal_id"), table_name="document_links")
    op.drop_index(op.f("ix_document_links_document_id"), table_name="document_links")
    op.drop_table("document_links")
