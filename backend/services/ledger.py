"""The ledger of one allocation run: open invoices in memory, allocations written in bulk.

Matching reads only the invoices a payment can concern (the numbers in its purpose, the
leases of its payer), so a 100,000-payment statement does not scan every invoice each time;
allocations are buffered and written with ``flush()`` in a few statements.

The index is read once, without locks; an invoice is locked and re-read as committed the
first time a payment may be placed on it, so two imports (or an import and a manager)
never both place the same outstanding money: the second waits, then sees what is left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from backend.domain.billing import DocumentKind
from backend.domain.documents import InvoiceStatus, IssuedDocument
from backend.domain.errors import DomainError, NotFound
from backend.domain.matching import (
    OPEN_STATUSES,
    LeaseParty,
    Match,
    MatchedBy,
    PlannedAllocation,
    invoice_references,
    match_payment,
    normalise_number,
)
from backend.domain.money import Money
from backend.domain.payments import Allocation, Payment
from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork

REVIEW_ACTION = "payment.review"  # audit action carrying why a payment waits for a manager


class AllocationRefused(DomainError):
    """A manual allocation that would over-allocate the payment or the invoice."""


class Ledger:
    """The portal's open invoices and leases, kept in step while payments are allocated."""

    def __init__(self, uow: UnitOfWork, clock: Clock, *, actor: str = "auto") -> None:
        self.uow, self.clock, self.actor = uow, clock, actor
        self.leases = {
            lease.id: LeaseParty(lease.id, lease.tenant.inn, lease.number)
            for lease in uow.leases.list()
            if lease.id is not None
        }
        self._leases_by_inn: dict[str, set[int]] = defaultdict(set)
        for party in self.leases.values():
            if party.tenant_inn:
                self._leases_by_inn[party.tenant_inn].add(party.lease_id)
        self._open: dict[int, IssuedDocument] = {}
        self._numbers: dict[int, str] = {}
        self._locked: set[int] = set()
        self._by_number: dict[str, list[int]] = defaultdict(list)
        self._by_lease: dict[int, list[int]] = defaultdict(list)
        for invoice in uow.documents.list(kind=DocumentKind.INVOICE, statuses=list(OPEN_STATUSES)):
            self._index(invoice)
        self.paid: list[IssuedDocument] = []
        self.partially_paid: dict[int, IssuedDocument] = {}
        self._pending: list[Allocation] = []
        self.placed: list[tuple[int, PlannedAllocation]] = []  # all this ledger placed
        self._statuses: dict[int, InvoiceStatus] = {}

    def _index(self, invoice: IssuedDocument) -> None:
        if invoice.id is None or invoice.id in self._open:
            return
        self._open[invoice.id] = invoice
        self._numbers[invoice.id] = invoice.number
        self._by_number[normalise_number(invoice.number)].append(invoice.id)
        self._by_lease[invoice.lease_id].append(invoice.id)

    def _lock(self, ids: Iterable[int]) -> None:
        """Lock the invoices not locked yet and take their committed paid amounts."""
        fresh = sorted(set(ids) - self._locked)  # set algebra: per payment, at C speed
        if not fresh:
            return
        self._locked.update(fresh)
        for invoice in self.uow.documents.lock_for_payment(fresh):
            if invoice.id is None:
                continue
            if invoice.kind is DocumentKind.INVOICE and invoice.status in OPEN_STATUSES:
                if invoice.id in self._open:
                    self._open[invoice.id] = invoice
                else:
                    self._index(invoice)
            else:  # paid meanwhile by another import or a manager
                self._open.pop(invoice.id, None)

    def by_number(self, number: str) -> list[IssuedDocument]:
        """Open invoices whose normalised number is ``number`` (locked from now on)."""
        ids = self._by_number.get(normalise_number(number), [])
        self._lock(ids)
        return [self._open[i] for i in ids if i in self._open]

    def _candidates(self, payment: Payment) -> list[IssuedDocument]:
        ids: set[int] = set()
        for ref in invoice_references(payment.purpose):
            ids.update(self._by_number.get(ref.number, ()))
        for lease_id in self._leases_by_inn.get(payment.payer_inn, ()):
            ids.update(self._by_lease.get(lease_id, ()))
        self._lock(ids)
        return [self._open[i] for i in ids if i in self._open]

    def allocate(self, payment: Payment, available: Money | None = None) -> Match:
        """Match ``payment`` (or its ``available`` part) and buffer what the match decided."""
        if payment.id is None:
            raise NotFound("a payment must be stored before it is allocated")
        candidates = self._candidates(payment)
        if not candidates and payment.payer_inn not in self._leases_by_inn:
            money = payment.amount if available is None else available
            return Match((), money, MatchedBy.NOTHING)  # nobody we know: manual review
        result = match_payment(payment, candidates, self.leases, available=available)
        if result.reason:  # the manager's review list says why the money waits
            self.uow.audit.record(
                self.clock.now(), REVIEW_ACTION, "payment", payment.id, {"reason": result.reason}
            )
        for planned in result.allocations:
            self.record(payment.id, planned)
        return result

    def record(self, payment_id: int, planned: PlannedAllocation) -> None:
        """Buffer one allocation and move the invoice's paid amount and status on."""
        self.placed.append((payment_id, planned))
        self._pending.append(
            Allocation(payment_id, planned.amount, planned.invoice_id, planned.lease_id)
        )
        if planned.invoice_id is None:
            return
        invoice = self.open_invoice(planned.invoice_id)
        paid = invoice.paid if invoice.paid is not None else Money.zero(invoice.total.currency)
        invoice.paid = paid + planned.amount
        status = InvoiceStatus.PARTIALLY_PAID
        if not invoice.outstanding.is_positive():
            status = InvoiceStatus.PAID
        invoice.status = status
        self._statuses[planned.invoice_id] = status
        if status is InvoiceStatus.PAID:
            del self._open[planned.invoice_id]
            self.partially_paid.pop(planned.invoice_id, None)
            self.paid.append(invoice)
        else:
            self.partially_paid[planned.invoice_id] = invoice

    def flush(self, *, statuses: bool = True) -> None:
        """Write the buffered allocations and advances; with ``statuses``, invoice states too.

        A long import writes allocations per batch and the invoice states once at the end.
        """
        now = self.clock.now()
        # each allocation row records who placed what when: it is the money's audit trail
        self.uow.payments.allocate_many(self._pending, by=self.actor, now=now)
        self._pending = []
        if not statuses:
            return
        for invoice_id, status in self._statuses.items():
            self.uow.documents.mark(invoice_id, status=status.value)
        for invoice_id, status in self._statuses.items():  # after the marks: one flush
            self.uow.audit.record(
                now, f"invoice.{status.value}", "document", invoice_id, actor=self.actor
            )
        self._statuses = {}

    def number_of(self, invoice_id: int | None) -> str:
        """The number of an invoice this ledger has seen ("" for none: an advance)."""
        return self._numbers.get(invoice_id, "") if invoice_id is not None else ""

    def open_invoice(self, invoice_id: int) -> IssuedDocument:
        """The invoice, if it still waits for money; ``AllocationRefused`` otherwise."""
        self._lock([invoice_id])
        if invoice_id in self._open:
            return self._open[invoice_id]
        invoice = self.uow.documents.get(invoice_id)
        if invoice.kind is not DocumentKind.INVOICE or invoice.status not in OPEN_STATUSES:
            raise AllocationRefused(f"invoice {invoice.number} is not open for payment")
        self._index(invoice)
        return invoice


def payments_by_invoice(uow: UnitOfWork, lease_id: int) -> dict[int, list[tuple[date, Money]]]:
    """The dated payments placed on each of the lease's invoices (penalties run to them)."""
    paid: dict[int, list[tuple[date, Money]]] = {}
    for allocation in uow.payments.allocations(lease_id=lease_id):
        if allocation.invoice_id is not None and allocation.paid_on is not None:
            paid.setdefault(allocation.invoice_id, []).append(
                (allocation.paid_on, allocation.amount)
            )
    return paid
