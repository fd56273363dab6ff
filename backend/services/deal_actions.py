"""What a manager does to a deal's lease from the CRM card, besides reading it
(``deal_panel`` shows it; ``deal_lease`` creates it)."""

from __future__ import annotations

from dataclasses import replace

from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork


def mark_original_received(uow: UnitOfWork, clock: Clock, deal_id: str) -> bool:
    """Record that the signed original of the deal's lease came back; caller commits.

    False when the deal has no lease."""
    lease = uow.leases.by_deal(deal_id)
    if lease is None or lease.id is None:
        return False
    uow.leases.save(replace(lease, original_received=True), now=clock.now())
    uow.audit.record(clock.now(), "lease.original_received", "lease", lease.id)
    return True
