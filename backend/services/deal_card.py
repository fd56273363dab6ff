"""What a CRM deal card shows about its lease: status, documents, payments, debt, flags.

Shared by the Bitrix24 deal tab, the Bitrix24 "check payment" robot and (later) the amoCRM
widget, so it lives here once and knows no CRM.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from backend.domain.attention import (
    AttentionItem,
    PlannedDocument,
    Rule,
    Snapshot,
    needs_attention,
)
from backend.domain.billing import DocumentKind, ScheduleItem
from backend.domain.documents import InvoiceStatus, IssuedDocument
from backend.domain.lease import Lease, LeaseStatus
from backend.domain.money import Money
from backend.domain.payments import Allocation
from backend.domain.status import effective_status
from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork

_OPEN = {InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PARTIALLY_PAID}


@dataclass(frozen=True)
class DealCard:
    """The lease behind one deal, as of ``today``."""

    lease: Lease
    status: LeaseStatus
    invoices: tuple[IssuedDocument, ...]
    acts: tuple[IssuedDocument, ...]
    allocations: tuple[Allocation, ...]
    debt: Money
    schedule: tuple[ScheduleItem, ...]  # every planned invoice and act (the stored schedule)
    flags: tuple[AttentionItem, ...]  # the needs-attention rules (seed 000) for this lease

    @property
    def overdue(self) -> bool:
        """An open invoice is past its due date."""
        return any(f.rule in {Rule.LEASE_OVERDUE_DEBT, Rule.INVOICE_UNPAID} for f in self.flags)


def _debt(invoices: tuple[IssuedDocument, ...], currency: str) -> Money:
    total = Money.zero(currency)
    for doc in invoices:
        if doc.status in _OPEN:
            total = total + doc.outstanding
    return total


def deal_card(uow: UnitOfWork, clock: Clock, deal_id: str) -> DealCard | None:
    """The card of the lease linked to ``deal_id``, or None when the deal has no lease."""
    lease = uow.leases.by_deal(deal_id)
    if lease is None or lease.id is None:
        return None
    docs = uow.documents.for_lease(lease.id)
    invoices = tuple(d for d in docs if d.kind is DocumentKind.INVOICE)
    acts = tuple(d for d in docs if d.kind is DocumentKind.ACT)
    today = clock.today()
    planned = [
        PlannedDocument(lease.id, item) for lid, item in uow.schedule.due(today) if lid == lease.id
    ]
    snapshot = Snapshot(leases=[lease], documents=docs, planned=planned)
    return DealCard(
        lease=lease,
        status=effective_status(lease, today),
        invoices=invoices,
        acts=acts,
        allocations=tuple(uow.payments.allocations(lease_id=lease.id)),
        debt=_debt(invoices, lease.currency),
        schedule=tuple(uow.schedule.for_lease(lease.id)),
        flags=tuple(needs_attention(snapshot, today)),
    )


def mark_original_received(uow: UnitOfWork, clock: Clock, deal_id: str) -> bool:
    """Record that the signed original of the deal's lease came back; caller commits."""
    lease = uow.leases.by_deal(deal_id)
    if lease is None or lease.id is None:
        return False
    uow.leases.save(replace(lease, original_received=True), now=clock.now())
    uow.audit.record(clock.now(), "lease.original_received", "lease", lease.id)
    return True
