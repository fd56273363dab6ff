"""The tenant cabinet's tables (seed 003): sign-in challenges, sessions, throttling, scans.

A cabinet person is an e-mail address some landlord has on file for a tenant
(``tenants.emails``); rentflow keeps no passwords. Secrets are stored only as hashes:
``cabinet_challenges.code_hash``/``link_hash`` (HMAC-SHA256 keyed with ``SECRET_KEY``) and
``cabinet_sessions.token_hash`` (SHA-256 of the cookie's random value).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base


class CabinetChallengeRow(Base):
    """One sign-in code and link sent (or, for an address nobody has on file, pretended
    sent): short-lived, single-use, locked after a few wrong codes."""

    __tablename__ = "cabinet_challenges"
    __table_args__ = (Index("ix_cabinet_challenges_email_created", "email", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    code_hash: Mapped[str] = mapped_column(String(64))
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)
    known: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    failures: Mapped[int] = mapped_column(default=0)
    ip: Mapped[str] = mapped_column(String(64), default="")


class CabinetSessionRow(Base):
    """A signed-in browser; the cookie holds a random value whose SHA-256 is ``token_hash``.
    Revoking the rows of an address signs it out everywhere."""

    __tablename__ = "cabinet_sessions"
    __table_args__ = (Index("ix_cabinet_sessions_email", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    csrf: Mapped[str] = mapped_column(String(64))
    # [[portal_id, tenant_id], ...]: the tenants the address was on file for at sign-in
    tenants: Mapped[list[Any]] = mapped_column(default=list)
    portal_id: Mapped[int | None] = mapped_column(ForeignKey("portals.id"), default=None)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), default=None)
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    ip: Mapped[str] = mapped_column(String(64), default="")


class CabinetHitRow(Base):
    """One counted event for rate limits ("send:email:<address>", "verify:ip:<ip>", ...);
    rows older than the longest window are purged."""

    __tablename__ = "cabinet_hits"
    __table_args__ = (Index("ix_cabinet_hits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime]


class LeaseScanRow(Base):
    """A scan of a paper document the landlord attached to a lease (signed lease, addendum,
    act): stored in the documents storage under ``storage_key``."""

    __tablename__ = "lease_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[str] = mapped_column(String(120), default="")
    uploaded_at: Mapped[datetime]
