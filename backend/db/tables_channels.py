"""Tables of the tenant channels (Telegram chats and link codes, channel preferences), the
tenants' requests with their attachments, and the landlord's announcements.

Unique keys: a link code by its hash (the code itself is never stored); one Telegram chat per
tenant of a portal; one preference row per tenant and topic; one request per CRM task.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base


class TelegramLinkCodeRow(Base):
    """A one-time deep-link code (``/start <code>``), stored as its SHA-256."""

    __tablename__ = "telegram_link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    # every tenant row the cabinet's choice covers (a company has a row per lease)
    tenant_ids: Mapped[list[Any]] = mapped_column(default=list)
    # the address of the cabinet session that asked for the code (0016_cabauth)
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class TelegramChatRow(Base):
    """A tenant's linked Telegram chat; ``blocked_at`` set when the bot was blocked; ``email``
    the cabinet address that linked it (its sign-in codes may go here too)."""

    __tablename__ = "telegram_chats"
    __table_args__ = (UniqueConstraint("portal_id", "tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    chat_id: Mapped[str] = mapped_column(String(32), index=True)
    username: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="", index=True)
    linked_at: Mapped[datetime]
    blocked_at: Mapped[datetime | None] = mapped_column(default=None)


class ChannelPreferenceRow(Base):
    __tablename__ = "channel_preferences"
    __table_args__ = (UniqueConstraint("portal_id", "tenant_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    topic: Mapped[str] = mapped_column(String(20))
    channels: Mapped[list[Any]] = mapped_column(default=list)


class TenantRequestRow(Base):
    """A tenant's request (заявка) and the CRM task it became."""

    __tablename__ = "tenant_requests"
    __table_args__ = (
        Index("ix_tenant_requests_portal_tenant", "portal_id", "tenant_id"),
        Index("ix_tenant_requests_portal_task", "portal_id", "crm_task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="new")
    answer: Mapped[str] = mapped_column(Text, default="")
    crm_task_id: Mapped[str] = mapped_column(String(64), default="")
    crm_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RequestAttachmentRow(Base):
    __tablename__ = "tenant_request_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("tenant_requests.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(255))


class AnnouncementRow(Base):
    """A landlord's dated announcement to a building's tenants or to one tenant."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    posted_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    building: Mapped[str] = mapped_column(String(255), default="")
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), default=None)
    created_at: Mapped[datetime]


class AnnouncementRecipientRow(Base):
    """Who an announcement reached: the tenants of its building when it was posted."""

    __tablename__ = "announcement_recipients"
    __table_args__ = (UniqueConstraint("announcement_id", "tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
