"""Billing periods, document lines and schedule items: what a lease plans to bill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from backend.domain.money import Money


class DocumentKind(StrEnum):
    INVOICE = "invoice"  # счёт на оплату
    ACT = "act"  # акт оказанных услуг


@dataclass(frozen=True, order=True)
class BillingPeriod:
    """A closed range of days [start, end] that one invoice and one act cover."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period end {self.end} is before its start {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlaps(self, other: BillingPeriod) -> bool:
        return self.start <= other.end and other.start <= self.end

    def next_day(self) -> date:
        return self.end + timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}"


@dataclass(frozen=True)
class DocumentLine:
    """One row of an invoice or act: rent of one premises for (part of) a period."""

    description: str
    period: BillingPeriod
    quantity: int
    unit: str
    price: Money
    amount: Money  # as billed under the lease's VAT mode (gross if VAT included)
    vat: Money
    premises_code: str = ""


@dataclass(frozen=True)
class ScheduleItem:
    """A planned document: lease + period + kind identify it (seed 000), never sum or date."""

    kind: DocumentKind
    period: BillingPeriod
    issue_on: date
    due_on: date | None
    lines: tuple[DocumentLine, ...]
    net: Money
    vat: Money
    total: Money  # what the tenant pays

    @property
    def key(self) -> tuple[DocumentKind, date]:
        """Within a lease, a planned document is identified by its kind and period start."""
        return (self.kind, self.period.start)


@dataclass(frozen=True)
class RunTally:
    """What every chunk of a billing run issued, and the items that failed (as reported)."""

    issued: int
    errors: list[dict[str, str]]
