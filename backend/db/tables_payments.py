"""Tables of the money that came in: payments and their allocations to documents."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base

__all__ = ["AllocationRow", "PaymentRow"]


class PaymentRow(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("portal_id", "identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    identity: Mapped[str] = mapped_column(String(255))
    number: Mapped[str] = mapped_column(String(64))
    paid_on: Mapped[date]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    allocated: Mapped[Decimal] = mapped_column(default=Decimal(0))
    payer_name: Mapped[str] = mapped_column(Text, default="")
    payer_inn: Mapped[str] = mapped_column(String(12), default="")
    payer_account: Mapped[str] = mapped_column(String(20), default="")
    payee_account: Mapped[str] = mapped_column(String(20), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="bank_statement")
    external_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime | None] = mapped_column(default=None)


class AllocationRow(Base):
    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), default=None)
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("leases.id"), default=None)
    amount: Mapped[Decimal]
    by: Mapped[str] = mapped_column(String(64), default="auto")
    created_at: Mapped[datetime | None] = mapped_column(default=None)
