"""Tables of the billing runs: one row per portal and day, one per chunk of a large portal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base

__all__ = ["BillingRunChunkRow", "BillingRunRow"]


class BillingRunRow(Base):
    __tablename__ = "billing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int | None] = mapped_column(ForeignKey("portals.id"), index=True)
    run_on: Mapped[date]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default="running")
    issued: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[Any]] = mapped_column(default=list)


class BillingRunChunkRow(Base):
    """A done chunk of a billing run fanned out in chunks (``services.billing_fanout``)."""

    __tablename__ = "billing_run_chunks"

    run_id: Mapped[int] = mapped_column(ForeignKey("billing_runs.id"), primary_key=True)
    chunk: Mapped[int] = mapped_column(primary_key=True)
    total: Mapped[int]
    issued: Mapped[int]
    failed: Mapped[int]
    errors: Mapped[list[Any]] = mapped_column(default=list)
    done_at: Mapped[datetime]
