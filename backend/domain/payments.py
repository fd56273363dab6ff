"""Incoming payments and their allocation (разноска) to invoices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from backend.domain.money import Money


@dataclass(frozen=True)
class Payment:
    """Money received, as 1C or the bank reports it; ``identity`` makes it unique."""

    number: str
    paid_on: date
    amount: Money
    payer_name: str = ""
    payer_inn: str = ""
    payer_account: str = ""
    payee_account: str = ""
    purpose: str = ""
    source: str = "bank_statement"  # or "odata", "manual"
    external_id: str = ""  # 1C Ref_Key when known
    id: int | None = None

    @property
    def identity(self) -> str:
        """Unique per portal: 1C's Ref_Key, else account + number + date + amount + payer."""
        if self.external_id:
            return f"1c:{self.external_id}"
        return "|".join(
            (
                self.payee_account,
                self.number,
                self.paid_on.isoformat(),
                f"{self.amount.amount:.2f}",
                self.payer_inn or self.payer_account,
            )
        )


@dataclass(frozen=True)
class Allocation:
    """Part of a payment applied to one invoice (or, with no invoice, kept as an advance)."""

    payment_id: int
    amount: Money
    invoice_id: int | None = None
    lease_id: int | None = None
    paid_on: date | None = None  # the payment's date, when read back (penalties run to it)


@dataclass(frozen=True)
class AllocationEntry:
    """One allocation as the journal shows it: whose money, where it went, who placed it."""

    id: int
    payment: Payment
    amount: Money
    invoice_id: int | None = None
    invoice_number: str = ""
    lease_id: int | None = None
    lease_number: str = ""
    by: str = ""
    created_at: datetime | None = None
