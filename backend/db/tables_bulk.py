"""Tables of the register in bulk (issue 19: seed 002 import, seed 000 CIAN feed): buildings,
sections, tenants' external ids and phones, personal accounts, import runs, API keys and
idempotency keys, feed versions. ``PremisesRow`` and ``TenantRow`` (``tables``) gained their
import columns in migration 0008_premises."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base

__all__ = [
    "ApiKeyRow",
    "BuildingRow",
    "BuildingSectionRow",
    "FeedVersionRow",
    "IdempotencyKeyRow",
    "ImportRunRow",
    "PersonalAccountRow",
    "TenantExternalIdRow",
    "TenantPhoneRow",
]


class BuildingRow(Base):
    """A building (объект) of the portal: its address and the description CIAN lots fall back
    to when the premises' section has none (seed 000)."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("portal_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")


class BuildingSectionRow(Base):
    """A section (секция) of a building; its description goes into CIAN lots first."""

    __tablename__ = "building_sections"
    __table_args__ = (UniqueConstraint("portal_id", "building", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    building: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")


class TenantExternalIdRow(Base):
    """One of a tenant's external ids (from 1C, another CRM...), with a note (seed 002)."""

    __tablename__ = "tenant_external_ids"
    __table_args__ = (UniqueConstraint("portal_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")


class TenantPhoneRow(Base):
    """A phone a tenant has or had: seed 002 refuses a phone another tenant "is or was" using."""

    __tablename__ = "tenant_phones"
    __table_args__ = (
        UniqueConstraint("portal_id", "phone", "tenant_id"),
        Index("ix_tenant_phones_portal_phone", "portal_id", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    current: Mapped[bool] = mapped_column(default=True)


class PersonalAccountRow(Base):
    """A personal account (лицевой счёт) of a premises, optionally of one tenant."""

    __tablename__ = "personal_accounts"
    __table_args__ = (UniqueConstraint("portal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    number: Mapped[str] = mapped_column(String(64))
    premises_id: Mapped[int | None] = mapped_column(ForeignKey("premises.id"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("landlords.id"), default=None)
    external_id: Mapped[str] = mapped_column(String(120), default="")
    hidden: Mapped[bool] = mapped_column(default=False)


class ImportRunRow(Base):
    """One run of an import (XML on schedule or by hand, Excel, API): the log of seed 002."""

    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_portal_started", "portal_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    channel: Mapped[str] = mapped_column(String(20))  # xml, excel, api
    source: Mapped[str] = mapped_column(Text, default="")
    trigger: Mapped[str] = mapped_column(String(20), default="manual")  # manual, schedule
    status: Mapped[str] = mapped_column(String(20), default="running")  # ok, failed
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class ApiKeyRow(Base):
    """A public API key of a portal: only its SHA-256 is stored; the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class IdempotencyKeyRow(Base):
    """The answer given to a POST with an ``Idempotency-Key``: a retry gets it again."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("portal_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # method, path and body
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class FeedVersionRow(Base):
    """When a portal's feed (``cian``) last changed: its ETag and that moment (Last-Modified).
    Kept apart from ``portals.settings`` so a feed request never rewrites the settings."""

    __tablename__ = "feed_versions"

    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), primary_key=True)
    feed: Mapped[str] = mapped_column(String(20), primary_key=True)
    etag: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]
