"""scale: a lease's plan and documents, and a document's links, found through (portal,
lease) and (portal, document) indexes

Without them SQLite's planner (no statistics) reads a lease's plan through the portal's
(portal, issue date) index, and a document's links through the portal's: every row of the
portal for each lease or document, so a portal of 10 000 leases spent a quarter of a second
per lease on reading its plan.

Revision ID: 0014_scale
Revises: 0013_channels
Create Date: 2026-12-05 12:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0014_scale"
down_revision = "0013_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_schedule_items_portal_lease", "schedule_items", ["portal_id", "lease_id"]
    )
    op.create_index("ix_documents_portal_lease", "documents", ["portal_id", "lease_id"])
    op.create_index(
        "ix_document_links_portal_document", "document_links", ["portal_id", "document_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_document_links_portal_document", table_name="document_links")
    op.drop_index("ix_documents_portal_lease", table_name="documents")
    op.drop_index("ix_schedule_items_portal_lease", table_name="schedule_items")
