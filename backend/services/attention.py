"""Needs attention for one portal: the domain's rules over what the store holds (seed 000)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from backend.domain.attention import (
    AttentionItem,
    PlannedDocument,
    ReceivedPayment,
    Rule,
    Snapshot,
    counts,
    needs_attention,
)
from backend.domain.errors import NotFound
from backend.domain.lease import Lease
from backend.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class AttentionFilter:
    """Narrow the list to one manager (CRM user id or email) and/or one landlord entity."""

    manager: str = ""
    landlord_id: int | None = None

    def keeps_lease(self, lease: Lease) -> bool:
        if self.manager and (
            lease.manager is None
            or self.manager not in {lease.manager.crm_user_id, lease.manager.email}
        ):
            return False
        return self.landlord_id is None or lease.landlord.id == self.landlord_id


@dataclass(frozen=True)
class AttentionReport:
    """The items, their counts per rule (every rule listed) and the lease numbers to show."""

    items: list[AttentionItem]
    counts: dict[Rule, int]
    lease_numbers: dict[int, str] = field(default_factory=dict)


def find_attention(uow: UnitOfWork, today: date) -> list[AttentionItem]:
    """Everything in the portal of ``uow`` that needs action today, in seed 000's order."""
    return attention_report(uow, today).items


def attention_report(
    uow: UnitOfWork, today: date, only: AttentionFilter | None = None
) -> AttentionReport:
    """Needs attention, filtered by manager and landlord. Money not yet allocated belongs to
    no lease: a manager filter leaves it out, a landlord filter keeps what was paid into that
    landlord's account."""
    only = only or AttentionFilter()
    leases = [lease for lease in uow.leases.list() if only.keeps_lease(lease)]
    lease_ids = {lease.id for lease in leases}
    payments = [
        ReceivedPayment(p, uow.payments.allocated(p.id))
        for p in uow.payments.not_fully_allocated()
        if p.id is not None and not only.manager
    ]
    if only.landlord_id is not None:
        try:
            landlord = uow.parties.landlord(only.landlord_id)
            accounts = {"", *(a.account for a in landlord.all_accounts)}
        except NotFound:  # another portal's landlord (or none): nothing here is theirs
            accounts = set()
        payments = [p for p in payments if p.payment.payee_account in accounts]
    snapshot = Snapshot(
        leases=leases,
        documents=[d for d in uow.documents.list() if d.lease_id in lease_ids],
        planned=[
            PlannedDocument(lease_id, item)
            for lease_id, item in uow.schedule.due(today)
            if lease_id in lease_ids
        ],
        payments=payments,
    )
    items = needs_attention(snapshot, today)
    numbers = {lease.id: lease.number for lease in leases if lease.id is not None}
    return AttentionReport(items, counts(items), numbers)
