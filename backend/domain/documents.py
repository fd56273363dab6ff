"""Issued documents: invoices (счёт на оплату) and acts (акт оказанных услуг)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.money import Money


class InvoiceStatus(StrEnum):
    ISSUED = "issued"  # выставлен
    SENT = "sent"  # отправлен арендатору
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"  # отменён


class ActStatus(StrEnum):
    ISSUED = "issued"
    ON_SIGNING = "on_signing"  # на подписании
    SIGNED = "signed"  # оригинал получен
    CANCELLED = "cancelled"


class DocumentPurpose(StrEnum):
    """What an invoice charges: the rent of a period, late-payment penalties (пени), or a
    charge invoiced by hand: utilities (коммунальные услуги) or another one."""

    RENT = "rent"
    PENALTY = "penalty"  # пени: its own invoice, with its own number and QR code
    UTILITIES = "utilities"  # коммунальные услуги, re-invoiced to the tenant
    OTHER = "other"  # any other charge, named by its line


@dataclass
class IssuedDocument:
    """An invoice or act as issued: its number, date, period, lines and money state."""

    lease_id: int
    kind: DocumentKind
    number: str
    issued_on: date
    period: BillingPeriod
    lines: tuple[DocumentLine, ...]
    net: Money
    vat: Money
    total: Money
    due_on: date | None = None
    status: str = InvoiceStatus.ISSUED
    paid: Money | None = None
    sent_at: datetime | None = None
    public_token: str = ""
    id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
    purpose: DocumentPurpose = DocumentPurpose.RENT

    @property
    def outstanding(self) -> Money:
        paid = self.paid if self.paid is not None else Money.zero(self.total.currency)
        return self.total - paid


def outstanding_debt(documents: Iterable[IssuedDocument]) -> Decimal:
    """What the tenant still owes (задолженность): the unpaid rest of every invoice not
    cancelled. The deal panel shows it and the deal's "debt" field carries it."""
    return sum(
        (
            d.outstanding.amount
            for d in documents
            if d.kind is DocumentKind.INVOICE and d.status != InvoiceStatus.CANCELLED
        ),
        Decimal("0.00"),
    )
