"""Needs attention for one portal: the domain's rules over what the store holds (seed 000)."""

from __future__ import annotations

from datetime import date

from backend.domain.attention import (
    AttentionItem,
    PlannedDocument,
    ReceivedPayment,
    Snapshot,
    needs_attention,
)
from backend.services.unit_of_work import UnitOfWork


def find_attention(uow: UnitOfWork, today: date) -> list[AttentionItem]:
    """Everything in the portal of ``uow`` that needs action today, in seed 000's order."""
    payments = [
        ReceivedPayment(p, uow.payments.allocated(p.id))
        for p in uow.payments.not_fully_allocated()
        if p.id is not None
    ]
    snapshot = Snapshot(
        leases=uow.leases.list(),
        documents=uow.documents.list(),
        planned=[PlannedDocument(lease_id, item) for lease_id, item in uow.schedule.due(today)],
        payments=payments,
    )
    return needs_attention(snapshot, today)
