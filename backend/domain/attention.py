"""Needs attention (Требующие внимания, seed 000): one click shows everything that needs action.

Each rule is a function over plain data; ``needs_attention`` runs them all over a snapshot.
Seed 000 lists ten checks in four groups (leases 4, invoices 3, acts 2, money 1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from backend.domain.billing import DocumentKind, ScheduleItem
from backend.domain.documents import ActStatus, InvoiceStatus, IssuedDocument
from backend.domain.lease import Lease, LeaseStatus
from backend.domain.money import Money
from backend.domain.payments import Payment
from backend.domain.status import NEGOTIATION, effective_status, is_registered


class Rule(StrEnum):
    """The checks of seed 000, in its order."""

    LEASE_NOT_ACTIVE = "lease_not_active"  # не активные: ещё в стадии составления
    LEASE_WITHOUT_ORIGINAL = "lease_without_original"  # активные без оригинала
    LEASE_NEEDS_REGISTRATION = "lease_needs_registration"  # активные, требующие регистрации
    LEASE_OVERDUE_DEBT = "lease_overdue_debt"  # с просроченной задолженностью
    INVOICE_UNPAID = "invoice_unpaid"  # не оплачены полностью, срок в прошлом или не указан
    INVOICE_CANCELLED_WITH_PAYMENTS = "invoice_cancelled_with_payments"
    INVOICE_NOT_ISSUED = "invoice_not_issued"  # невыставленные, плановая дата сегодня или раньше
    ACT_ON_SIGNING = "act_on_signing"  # на подписании
    ACT_NOT_ISSUED = "act_not_issued"
    MONEY_NOT_ALLOCATED = "money_not_allocated"  # входящие, разнесена не вся сумма


@dataclass(frozen=True)
class AttentionItem:
    """One thing that needs action; ``detail`` says what in a line a manager reads."""

    rule: Rule
    lease_id: int | None = None
    document_id: int | None = None
    payment_id: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class PlannedDocument:
    """A schedule item not issued yet, with the lease it belongs to."""

    lease_id: int
    item: ScheduleItem


@dataclass(frozen=True)
class ReceivedPayment:
    """An incoming payment with the part of it already allocated to invoices or advances."""

    payment: Payment
    allocated: Money


@dataclass(frozen=True)
class Snapshot:
    """What the rules look at: one portal's leases, documents, plans and payments."""

    leases: Sequence[Lease] = ()
    documents: Sequence[IssuedDocument] = ()
    planned: Sequence[PlannedDocument] = ()
    payments: Sequence[ReceivedPayment] = field(default_factory=tuple)


def leases_not_active(leases: Iterable[Lease]) -> list[AttentionItem]:
    """Leases still being drafted (draft, booked, on signing): to be signed or cancelled.
    A signed lease that starts in the future is not one of them."""
    return [
        AttentionItem(Rule.LEASE_NOT_ACTIVE, lease.id, detail=f"{lease.number}: {lease.status}")
        for lease in leases
        if lease.status in NEGOTIATION
    ]


def leases_without_original(leases: Iterable[Lease], today: date) -> list[AttentionItem]:
    """Active leases whose signed paper original has not come back."""
    return [
        AttentionItem(Rule.LEASE_WITHOUT_ORIGINAL, lease.id, detail=lease.number)
        for lease in leases
        if effective_status(lease, today) is LeaseStatus.ACTIVE and not lease.original_received
    ]


def leases_needing_registration(leases: Iterable[Lease], today: date) -> list[AttentionItem]:
    """Active leases longer than 364 days that are not registered yet."""
    return [
        AttentionItem(
            Rule.LEASE_NEEDS_REGISTRATION, lease.id, detail=f"{lease.number}: {lease.term_days()} d"
        )
        for lease in leases
        if effective_status(lease, today) is LeaseStatus.ACTIVE
        and lease.registration_required
        and not is_registered(lease)
    ]


def _is_open(document: IssuedDocument) -> bool:
    """An invoice that is not cancelled and not fully paid."""
    return (
        document.kind is DocumentKind.INVOICE
        and document.status != InvoiceStatus.CANCELLED
        and document.outstanding.is_positive()
    )


def is_overdue(invoice: IssuedDocument, today: date) -> bool:
    """Not fully paid, not cancelled, and its due date has passed."""
    return _is_open(invoice) and invoice.due_on is not None and invoice.due_on < today


def leases_with_overdue_debt(
    documents: Iterable[IssuedDocument], today: date
) -> list[AttentionItem]:
    """Leases with at least one overdue invoice; ``detail`` gives the overdue debt."""
    debt: dict[int, Money] = {}
    for invoice in documents:
        if is_overdue(invoice, today):
            so_far = debt.get(invoice.lease_id, Money.zero(invoice.total.currency))
            debt[invoice.lease_id] = so_far + invoice.outstanding
    return [
        AttentionItem(Rule.LEASE_OVERDUE_DEBT, lease_id, detail=str(amount))
        for lease_id, amount in sorted(debt.items())
    ]


def invoices_unpaid(documents: Iterable[IssuedDocument], today: date) -> list[AttentionItem]:
    """Invoices not fully paid whose due date is in the past or not set."""
    return [
        AttentionItem(
            Rule.INVOICE_UNPAID, d.lease_id, d.id, detail=f"№ {d.number}: {d.outstanding}"
        )
        for d in documents
        if _is_open(d) and (d.due_on is None or d.due_on < today)
    ]


def invoices_cancelled_with_payments(documents: Iterable[IssuedDocument]) -> list[AttentionItem]:
    """Cancelled invoices that money was paid against: the money needs a new home."""
    return [
        AttentionItem(
            Rule.INVOICE_CANCELLED_WITH_PAYMENTS, d.lease_id, d.id, detail=f"№ {d.number}"
        )
        for d in documents
        if d.kind is DocumentKind.INVOICE
        and d.status == InvoiceStatus.CANCELLED
        and d.paid is not None
        and d.paid.is_positive()
    ]


def planned_not_issued(
    planned: Iterable[PlannedDocument], kind: DocumentKind, today: date
) -> list[AttentionItem]:
    """Planned documents of ``kind`` not issued although their planned date is today or past."""
    rule = Rule.INVOICE_NOT_ISSUED if kind is DocumentKind.INVOICE else Rule.ACT_NOT_ISSUED
    return [
        AttentionItem(rule, p.lease_id, detail=f"{p.item.period} ({p.item.issue_on:%d.%m.%Y})")
        for p in planned
        if p.item.kind is kind and p.item.issue_on <= today
    ]


def acts_on_signing(documents: Iterable[IssuedDocument]) -> list[AttentionItem]:
    """Acts sent for signing whose signed original has not come back."""
    return [
        AttentionItem(Rule.ACT_ON_SIGNING, d.lease_id, d.id, detail=f"№ {d.number}")
        for d in documents
        if d.kind is DocumentKind.ACT and d.status == ActStatus.ON_SIGNING
    ]


def money_not_allocated(payments: Iterable[ReceivedPayment]) -> list[AttentionItem]:
    """Incoming payments of which not the whole amount is allocated."""
    return [
        AttentionItem(
            Rule.MONEY_NOT_ALLOCATED,
            payment_id=p.payment.id,
            detail=f"№ {p.payment.number}: {p.payment.amount - p.allocated} of {p.payment.amount}",
        )
        for p in payments
        if (p.payment.amount - p.allocated).is_positive()
    ]


def needs_attention(snapshot: Snapshot, today: date) -> list[AttentionItem]:
    """Every rule over ``snapshot``, in seed 000's order."""
    return [
        *leases_not_active(snapshot.leases),
        *leases_without_original(snapshot.leases, today),
        *leases_needing_registration(snapshot.leases, today),
        *leases_with_overdue_debt(snapshot.documents, today),
        *invoices_unpaid(snapshot.documents, today),
        *invoices_cancelled_with_payments(snapshot.documents),
        *planned_not_issued(snapshot.planned, DocumentKind.INVOICE, today),
        *acts_on_signing(snapshot.documents),
        *planned_not_issued(snapshot.planned, DocumentKind.ACT, today),
        *money_not_allocated(snapshot.payments),
    ]


def counts(items: Iterable[AttentionItem]) -> dict[Rule, int]:
    """How many items each rule found, every rule listed (zero included)."""
    found = Counter(item.rule for item in items)
    return {rule: found.get(rule, 0) for rule in Rule}
