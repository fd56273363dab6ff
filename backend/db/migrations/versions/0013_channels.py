"""channels: tenants' Telegram chats and one-time link codes, channel preferences per topic,
tenant requests (заявки) with their files and CRM task, landlord announcements

Revision ID: 0013_channels
Revises: 0012_cabinet
Create Date: 2026-12-05 08:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_channels"
down_revision = "0012_cabinet"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("building", sa.String(length=255), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name=op.f("fk_announcements_portal_id_portals")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_announcements_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcements_portal_id"), ["portal_id"], unique=False)

    op.create_table(
        "channel_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name=op.f("fk_channel_preferences_portal_id_portals")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_channel_preferences_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_preferences")),
        sa.UniqueConstraint(
            "portal_id",
            "tenant_id",
            "topic",
            name=op.f("uq_channel_preferences_portal_id_tenant_id_topic"),
        ),
    )
    op.create_table(
        "telegram_chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name=op.f("fk_telegram_chats_portal_id_portals")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_telegram_chats_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_chats")),
        sa.UniqueConstraint(
            "portal_id", "tenant_id", name=op.f("uq_telegram_chats_portal_id_tenant_id")
        ),
    )
    with op.batch_alter_table("telegram_chats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telegram_chats_chat_id"), ["chat_id"], unique=False)

    op.create_table(
        "telegram_link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("tenant_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name=op.f("fk_telegram_link_codes_portal_id_portals")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_telegram_link_codes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_link_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_telegram_link_codes_code_hash")),
    )
    with op.batch_alter_table("telegram_link_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_telegram_link_codes_portal_id"), ["portal_id"], unique=False
        )

    op.create_table(
        "announcement_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_recipients_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name=op.f("fk_announcement_recipients_portal_id_portals")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_announcement_recipients_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_recipients")),
        sa.UniqueConstraint(
            "announcement_id",
            "tenant_id",
            name=op.f("uq_announcement_recipients_announcement_id_tenant_id"),
        ),
    )
    with op.batch_alter_table("announcement_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_announcement_recipients_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "tenant_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("lease_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("crm_task_id", sa.String(length=64), nullable=False),
        sa.Column("crm_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lease_id"], ["leases.id"], name=op.f("fk_tenant_requests_lease_id_leases")
        ),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name=op.f("fk_tenant_requests_portal_id_portals")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tenant_requests_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_requests")),
    )
    with op.batch_alter_table("tenant_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tenant_requests_portal_task", ["portal_id", "crm_task_id"], unique=False
        )
        batch_op.create_index(
            "ix_tenant_requests_portal_tenant", ["portal_id", "tenant_id"], unique=False
        )

    op.create_table(
        "tenant_request_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name=op.f("fk_tenant_request_files_portal_id_portals")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["tenant_requests.id"],
            name=op.f("fk_tenant_request_files_request_id_tenant_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_request_files")),
    )
    with op.batch_alter_table("tenant_request_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tenant_request_files_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tenant_request_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenant_request_files_request_id"))

    op.drop_table("tenant_request_files")
    with op.batch_alter_table("tenant_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_tenant_requests_portal_tenant")
        batch_op.drop_index("ix_tenant_requests_portal_task")

    op.drop_table("tenant_requests")
    with op.batch_alter_table("announcement_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcement_recipients_tenant_id"))

    op.drop_table("announcement_recipients")
    with op.batch_alter_table("telegram_link_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_link_codes_portal_id"))

    op.drop_table("telegram_link_codes")
    with op.batch_alter_table("telegram_chats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_chats_chat_id"))

    op.drop_table("telegram_chats")
    op.drop_table("channel_preferences")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcements_portal_id"))

    op.drop_table("announcements")
