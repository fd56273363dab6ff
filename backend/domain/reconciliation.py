"""The reconciliation statement (акт сверки взаимных расчётов): what it prints and the rule
that its totals add up (opening + debit − credit = closing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StatementLine:
    """One movement: an invoice (debit) or a payment (credit)."""

    on: date
    kind: str  # "invoice", "penalty" or "payment"
    number: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class Statement:
    """What the PDF prints; amounts in ``currency``."""

    lease_number: str
    lease_signed_on: date
    landlord: str
    landlord_inn: str
    tenant: str
    tenant_inn: str
    start: date
    end: date
    currency: str
    opening: Decimal
    lines: tuple[StatementLine, ...]
    debit: Decimal
    credit: Decimal
    closing: Decimal

    def check(self) -> Statement:
        """The statement if its totals add up; ``ValueError`` otherwise (never printed)."""
        if sum((line.debit for line in self.lines), ZERO) != self.debit:
            raise ValueError("debit lines do not add up to the debit total")
        if sum((line.credit for line in self.lines), ZERO) != self.credit:
            raise ValueError("credit lines do not add up to the credit total")
        if self.opening + self.debit - self.credit != self.closing:
            raise ValueError("opening + debit - credit is not the closing balance")
        return self
