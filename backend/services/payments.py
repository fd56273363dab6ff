"""Payments in: import a bank statement, allocate (разноска) to invoices, manual allocation.

A fully paid invoice moves its lease's deal to the stage mapped to ``LeaseEvent.PAID``
(seed 000/001); the CRM call is made after the commit, so a rolled-back import moves nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from backend.domain.billing import DocumentKind
from backend.domain.documents import InvoiceStatus, IssuedDocument
from backend.domain.errors import DomainError, NotFound
from backend.domain.matching import (
    OPEN_STATUSES,
    LeaseParty,
    Match,
    PlannedAllocation,
    match_payment,
)
from backend.domain.money import Money
from backend.domain.payments import Allocation, Payment
from backend.onec.bank_statement import DEFAULT_MAX_BYTES, BankStatementReader
from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.mapping import LeaseEvent
from crm_mappings.port import CrmError, CrmPort, DealUpdate

log = logging.getLogger(__name__)


class AllocationRefused(DomainError):
    """A manual allocation that would over-allocate the payment or the invoice."""


@dataclass
class ImportSummary:
    """What an import did, printed as JSON by ``rentflow payments import``."""

    encoding: str = ""
    documents: int = 0
    incoming: int = 0
    added: int = 0
    duplicates: int = 0
    not_ours: int = 0
    matched: int = 0
    to_review: int = 0
    allocated: str = "0.00"
    advances: str = "0.00"
    invoices_paid: list[str] = field(default_factory=list)
    invoices_partially_paid: list[str] = field(default_factory=list)
    deals_to_move: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class ReviewItem:
    """A payment with money nobody could place: the manual-review list."""

    payment: Payment
    unallocated: Money


class Ledger:
    """The portal's open invoices and leases, kept in step while payments are allocated."""

    def __init__(self, uow: UnitOfWork, clock: Clock, *, actor: str = "auto") -> None:
        self.uow, self.clock, self.actor = uow, clock, actor
        self.invoices = uow.documents.list(kind=DocumentKind.INVOICE, statuses=list(OPEN_STATUSES))
        self.leases = {
            lease.id: LeaseParty(lease.id, lease.tenant.inn, lease.number)
            for lease in uow.leases.list()
            if lease.id is not None
        }
        self.paid: list[IssuedDocument] = []
        self.partially_paid: dict[int, IssuedDocument] = {}

    def allocate(self, payment: Payment, available: Money | None = None) -> Match:
        """Match ``payment`` (or its ``available`` part) and record what the match decided."""
        if payment.id is None:
            raise NotFound("a payment must be stored before it is allocated")
        result = match_payment(payment, self.invoices, self.leases, available=available)
        for planned in result.allocations:
            self.record(payment.id, planned)
        return result

    def record(self, payment_id: int, planned: PlannedAllocation) -> None:
        """Write one allocation and the invoice's new paid amount and status."""
        now = self.clock.now()
        self.uow.payments.allocate(
            Allocation(payment_id, planned.amount, planned.invoice_id, planned.lease_id),
            by=self.actor,
            now=now,
        )
        details = {"payment_id": payment_id, "amount": str(planned.amount.amount)}
        if planned.invoice_id is None:
            self.uow.audit.record(
                now, "payment.advance", "lease", planned.lease_id, details, actor=self.actor
            )
            return
        invoice = self.open_invoice(planned.invoice_id)
        paid = invoice.paid if invoice.paid is not None else Money.zero(invoice.total.currency)
        invoice.paid = paid + planned.amount
        status = InvoiceStatus.PARTIALLY_PAID
        if not invoice.outstanding.is_positive():
            status = InvoiceStatus.PAID
        invoice.status = status
        self.uow.documents.mark(planned.invoice_id, status=status.value)
        self.uow.audit.record(
            now,
            f"invoice.{status.value}",
            "document",
            planned.invoice_id,
            details,
            actor=self.actor,
        )
        if status is InvoiceStatus.PAID:
            self.invoices.remove(invoice)
            self.partially_paid.pop(planned.invoice_id, None)
            self.paid.append(invoice)
        else:
            self.partially_paid[planned.invoice_id] = invoice

    def open_invoice(self, invoice_id: int) -> IssuedDocument:
        """The invoice, if it still waits for money; ``AllocationRefused`` otherwise."""
        for invoice in self.invoices:
            if invoice.id == invoice_id:
                return invoice
        invoice = self.uow.documents.get(invoice_id)
        if invoice.kind is not DocumentKind.INVOICE or invoice.status not in OPEN_STATUSES:
            raise AllocationRefused(f"invoice {invoice.number} is not open for payment")
        self.invoices.append(invoice)
        return invoice


def landlord_accounts(uow: UnitOfWork) -> set[str]:
    """The settlement accounts of the portal's landlord entities: where incoming money lands."""
    return {entity.bank.account for entity in uow.parties.landlords() if entity.bank.account}


def import_statement(
    uow: UnitOfWork,
    clock: Clock,
    stream: IO[bytes],
    *,
    crm: CrmPort | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportSummary:
    """Read a ``1CClientBankExchange`` file, store its incoming payments and allocate them.

    Incoming means the payee account is one of the landlord's accounts (research/
    accounting.md §1). Payments are unique by identity, so a file imported twice adds
    nothing. Broken documents are reported and skipped. The caller commits; deals of fully
    paid invoices are moved through ``crm`` after that commit.
    """
    reader = BankStatementReader(stream, max_bytes=max_bytes)
    ours = landlord_accounts(uow)
    ledger = Ledger(uow, clock)
    summary = ImportSummary()
    allocated = advances = Money.zero()
    for payment in reader.payments():
        if payment.payee_account not in ours:
            summary.not_ours += 1
            continue
        summary.incoming += 1
        stored = uow.payments.add(payment, clock.now())
        if stored is None:
            summary.duplicates += 1
            continue
        summary.added += 1
        result = ledger.allocate(stored)
        summary.matched += 0 if result.needs_review else 1
        summary.to_review += 1 if result.needs_review else 0
        for planned in result.allocations:
            if planned.invoice_id is None:
                advances = advances + planned.amount
            else:
                allocated = allocated + planned.amount
    report = reader.report
    summary.encoding, summary.documents = report.encoding, report.documents
    summary.warnings = [str(w) for w in report.warnings]
    summary.errors = [str(e) for e in report.errors]
    summary.allocated, summary.advances = f"{allocated.amount:.2f}", f"{advances.amount:.2f}"
    summary.invoices_paid = [i.number for i in ledger.paid]
    summary.invoices_partially_paid = [i.number for i in ledger.partially_paid.values()]
    summary.deals_to_move = move_paid_deals(uow, crm, ledger.paid)
    counts = {k: v for k, v in summary.as_dict().items() if isinstance(v, int)}
    uow.audit.record(clock.now(), "payments.imported", "statement", "", counts)
    return summary


def move_paid_deals(
    uow: UnitOfWork, crm: CrmPort | None, invoices: Iterable[IssuedDocument]
) -> list[str]:
    """Queue the move of each paid invoice's deal to its pipeline's "paid" stage.

    The move runs once the unit of work commits. Returns the deal ids that will move;
    pipelines with no stage mapped to ``LeaseEvent.PAID`` are left alone.
    """
    updates: dict[str, DealUpdate] = {}
    for invoice in invoices:
        deal_id, pipeline_id = uow.leases.deal_of(invoice.lease_id)
        mapping = uow.mappings.get(pipeline_id) if deal_id else None
        stage_id = mapping[1].get(LeaseEvent.PAID.value) if mapping else None
        if deal_id and stage_id:
            updates[deal_id] = DealUpdate(deal_id, stage_id=stage_id)
    if crm is not None and updates:
        batch = list(updates.values())

        def send() -> None:
            try:
                crm.update_deals(batch)
            except CrmError:
                log.exception("moving paid deals %s failed", [u.deal_id for u in batch])

        uow.after_commit(send)
    return sorted(updates)


def allocate_manually(
    uow: UnitOfWork,
    clock: Clock,
    payment_id: int,
    amount: Money,
    *,
    invoice_id: int | None = None,
    lease_id: int | None = None,
    by: str = "manager",
    crm: CrmPort | None = None,
) -> None:
    """A manager places (part of) a payment: on an invoice, or as an advance on a lease.

    Refuses to allocate more than the payment has left or the invoice still owes. The caller
    commits.
    """
    if not amount.is_positive():
        raise AllocationRefused("the amount must be positive")
    payment = uow.payments.get(payment_id)
    left = payment.amount - uow.payments.allocated(payment_id)
    if amount > left:
        raise AllocationRefused(f"payment {payment.number} has only {left} left to allocate")
    ledger = Ledger(uow, clock, actor=by)
    if invoice_id is not None:
        invoice = ledger.open_invoice(invoice_id)
        if amount > invoice.outstanding:
            raise AllocationRefused(f"invoice {invoice.number} owes only {invoice.outstanding}")
        lease_id = invoice.lease_id
    if lease_id is None:
        raise AllocationRefused("name an invoice or a lease for the money")
    uow.leases.get(lease_id)  # NotFound for another portal's lease
    ledger.record(payment_id, PlannedAllocation(amount, lease_id, invoice_id))
    move_paid_deals(uow, crm, ledger.paid)


def review_list(uow: UnitOfWork) -> list[ReviewItem]:
    """Payments not fully allocated (needs attention: "money not fully allocated")."""
    return [
        ReviewItem(p, p.amount - uow.payments.allocated(p.id))
        for p in uow.payments.not_fully_allocated()
        if p.id is not None
    ]
