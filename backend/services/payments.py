"""Payments in: import a bank statement, allocate (разноска) to invoices, manual allocation.

A fully paid invoice moves its lease's deal to the stage mapped to ``LeaseEvent.PAID``
(seed 000/001): the move is recorded with the allocation and pushed by a task queued after
the commit (``services.lease_events``), so a rolled-back import moves nothing and a CRM
outage loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import IO, Any

from backend.domain.documents import IssuedDocument
from backend.domain.matching import Match, PlannedAllocation, twin_key
from backend.domain.money import Money
from backend.domain.payments import Payment
from backend.onec.bank_statement import DEFAULT_MAX_BYTES, BankStatementReader, StatementRefused
from backend.ports import Clock
from backend.services.lease_events import EventQueue, record_lease_events
from backend.services.ledger import REVIEW_ACTION, AllocationRefused, Ledger
from backend.services.payment_news import NewsQueue, PaymentNews, payment_line
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.mapping import LeaseEvent

BATCH = 1000  # payments stored and allocated per round trip
LINES_KEPT = 500  # payments of an import listed one by one for the page that shows it
__all__ = [
    "AllocationRefused", "ImportSummary", "Ledger", "allocate_manually", "import_statement",
]  # fmt: skip


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
    review_reasons: list[str] = field(default_factory=list)  # "payment № 105: why"
    allocated: str = "0.00"
    advances: str = "0.00"
    invoices_paid: list[str] = field(default_factory=list)
    invoices_partially_paid: list[str] = field(default_factory=list)
    deal_moves_queued: list[str] = field(default_factory=list)  # paid invoices' numbers
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # the first LINES_KEPT incoming payments with what became of each, for the workspace
    lines: list[ImportedLine] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (the counts and numbers; ``lines`` stays out)."""
        data = asdict(self)
        del data["lines"]
        return data


@dataclass(frozen=True)
class ImportedLine:
    """One incoming payment of an import: ``outcome`` is matched, partial (an invoice still
    owes), advance (money beyond the invoices, kept on the lease) or review."""

    payment: Payment
    outcome: str
    invoices: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class ReviewItem:
    """A payment with money nobody could place: the manual-review list."""

    payment: Payment
    unallocated: Money
    reason: str = ""  # why matching left it to a manager, when a rule said so


def landlord_accounts(uow: UnitOfWork) -> set[str]:
    """The settlement accounts of the portal's landlord entities, every account of each:
    where incoming money lands."""
    return {account for account in uow.parties.account_numbers() if account}


def import_statement(
    uow: UnitOfWork,
    clock: Clock,
    stream: IO[bytes],
    *,
    queue: EventQueue | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    news_queue: NewsQueue | None = None,
) -> ImportSummary:
    """Read a ``1CClientBankExchange`` file, store its incoming payments and allocate them.

    Incoming means the payee account is one of the landlord's accounts (the bank then fills
    ``ДатаПоступило``; 1CClientBankExchange 1.03, v8.1c.ru/edi/edi_stnd/100/101.htm).
    Payments are unique by identity, so a file imported twice adds nothing. A statement is
    taken whole or not at all: a file with any error (a broken document, an unreadable
    amount, date or account, no ``КонецФайла``) raises
    ``StatementRefused`` naming every line at fault, after the whole file was read, and the
    caller must not commit (nothing of it is then stored, no deal moves). Documents for
    other accounts are skipped (``not_ours``). The caller commits; the deal moves of fully
    paid invoices are queued through ``queue`` after that commit, the deals' debt and notes
    through ``news_queue``.
    """
    reader = BankStatementReader(stream, max_bytes=max_bytes)
    ours = landlord_accounts(uow)
    run = _ImportRun(uow, clock)
    batch: list[Payment] = []
    for payment in reader.payments():
        if payment.payee_account not in ours:
            run.summary.not_ours += 1
            continue
        batch.append(payment)
        if len(batch) >= BATCH:
            run.add(batch)
            batch = []
    report = reader.report
    if report.errors:
        raise StatementRefused(report.errors, report.error_count - len(report.errors))
    run.add(batch)
    run.ledger.flush()
    summary, ledger = run.summary, run.ledger
    summary.encoding, summary.documents = report.encoding, report.documents
    summary.warnings = [str(w) for w in report.warnings]
    summary.errors = [str(e) for e in report.errors]
    summary.allocated = f"{run.allocated.amount:.2f}"
    summary.advances = f"{run.advances.amount:.2f}"
    summary.invoices_paid = [i.number for i in ledger.paid]
    summary.invoices_partially_paid = [i.number for i in ledger.partially_paid.values()]
    summary.deal_moves_queued = move_paid_deals(uow, clock, queue, ledger.paid)
    run.news.send_after_commit(uow, news_queue)
    counts = {k: v for k, v in summary.as_dict().items() if isinstance(v, int)}
    uow.audit.record(clock.now(), "payments.imported", "statement", "", counts)
    return summary


class _ImportRun:
    """One statement import: stores and allocates the incoming payments batch by batch."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock
        self.ledger = Ledger(uow, clock)
        self.summary = ImportSummary()
        self.news = PaymentNews()
        self.allocated = self.advances = Money.zero()
        # money 1C's OData already reported is the same money: it is not counted twice
        self.twins = uow.payments.twin_keys(date.min, date.max, exclude_source="bank_statement")

    def add(self, batch: list[Payment]) -> None:
        summary = self.summary
        summary.incoming += len(batch)
        if self.twins:
            fresh = [p for p in batch if twin_key(p) not in self.twins]
            summary.duplicates += len(batch) - len(fresh)
            batch = fresh
        for stored in self.uow.payments.add_many(batch, self.clock.now()):
            if stored is None:
                summary.duplicates += 1
                continue
            summary.added += 1
            result = self.ledger.allocate(stored)
            summary.matched += 0 if result.needs_review else 1
            summary.to_review += 1 if result.needs_review else 0
            if result.reason:
                summary.review_reasons.append(f"payment № {stored.number}: {result.reason}")
            for planned in result.allocations:
                number = self.ledger.number_of(planned.invoice_id)
                self.news.add(planned.lease_id, payment_line(stored, planned.amount, number))
                if planned.invoice_id is None:
                    self.advances = self.advances + planned.amount
                else:
                    self.allocated = self.allocated + planned.amount
            if len(summary.lines) < LINES_KEPT:
                summary.lines.append(self._line(stored, result.needs_review, result))
        self.ledger.flush(statuses=False)

    def _line(self, payment: Payment, review: bool, result: Match) -> ImportedLine:
        invoices = [p.invoice_id for p in result.allocations if p.invoice_id is not None]
        numbers = tuple(self.ledger.number_of(i) for i in invoices)
        if review:
            return ImportedLine(payment, "review", numbers, result.reason)
        if any(i in self.ledger.partially_paid for i in invoices):
            return ImportedLine(payment, "partial", numbers)
        if any(p.invoice_id is None for p in result.allocations):
            return ImportedLine(payment, "advance", numbers)
        return ImportedLine(payment, "matched", numbers)


def move_paid_deals(
    uow: UnitOfWork, clock: Clock, queue: EventQueue | None, invoices: Iterable[IssuedDocument]
) -> list[str]:
    """Record the "paid" deal move of each fully paid invoice and queue its push after the
    commit. Returns the numbers of the invoices whose move was recorded."""
    paid = {invoice.id: invoice.number for invoice in invoices if invoice.id is not None}
    recorded = record_lease_events(uow, clock, paid, LeaseEvent.PAID, queue)
    return [paid[i] for i in recorded]


def allocate_manually(
    uow: UnitOfWork,
    clock: Clock,
    payment_id: int,
    amount: Money,
    *,
    invoice_id: int | None = None,
    lease_id: int | None = None,
    by: str = "manager",
    queue: EventQueue | None = None,
    news_queue: NewsQueue | None = None,
) -> None:
    """A manager places (part of) a payment: on an invoice, or as an advance on a lease.

    Refuses to allocate more than the payment has left or the invoice still owes. The caller
    commits; the deal hears of it through ``news_queue`` after that.
    """
    if not amount.is_positive():
        raise AllocationRefused("the amount must be positive")
    payment = uow.payments.get(payment_id)
    left = payment.amount - uow.payments.allocated(payment_id, lock=True)
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
    ledger.flush()
    move_paid_deals(uow, clock, queue, ledger.paid)
    news = PaymentNews()
    news.add(lease_id, payment_line(payment, amount, ledger.number_of(invoice_id)))
    news.send_after_commit(uow, news_queue)


def review_list(uow: UnitOfWork) -> list[ReviewItem]:
    """Payments not fully allocated (needs attention: "money not fully allocated")."""
    return [
        ReviewItem(p, p.amount - uow.payments.allocated(p.id), _review_reason(uow, p.id))
        for p in uow.payments.not_fully_allocated()
        if p.id is not None
    ]


def _review_reason(uow: UnitOfWork, payment_id: int) -> str:
    reasons = [
        str(entry["details"].get("reason", ""))
        for entry in uow.audit.entries("payment", payment_id)
        if entry["action"] == REVIEW_ACTION and entry["details"]
    ]
    return reasons[-1] if reasons else ""
