"""What a manager (or a robot) does to a deal's lease from the CRM, besides reading it
(``deal_panel`` shows it; ``deal_lease`` creates it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from backend.domain.billing import DocumentKind
from backend.ports import Clock
from backend.services.billing import BillingPorts, issue_item
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


def issue_next_invoice(
    ports: BillingPorts, portal_id: int, deal_id: str, today: date
) -> int | None:
    """Issue the deal's lease's next planned invoice now (the deal tab's button, the "issue
    invoice" robot), the same way the billing run does; None when nothing is planned.

    The document is dated ``today``; its period and amount are the plan's (seed 000).
    """
    with ports.uow(portal_id) as uow:
        lease = uow.leases.by_deal(deal_id)
        if lease is None or lease.id is None:
            return None
        planned = [i for i in uow.schedule.for_lease(lease.id) if i.kind is DocumentKind.INVOICE]
    if not planned:
        return None
    return issue_item(ports, portal_id, lease.id, planned[0], today)
