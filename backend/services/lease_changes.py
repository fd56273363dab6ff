"""Lease changes the public API makes: an addendum (доп. соглашение) and termination.

Termination moves the lease through the lease cycle's rules (``domain.status``) and re-plans
it (a terminated lease plans nothing more). The CRM deal is not moved from here: the
CRM → lease direction stays the source of deal stages."""

from __future__ import annotations

from backend.domain.lease import Addendum, Lease, LeaseStatus
from backend.domain.status import transition
from backend.ports import Clock
from backend.services.leases import add_addendum, refresh_schedule
from backend.services.unit_of_work import UnitOfWork


def add_lease_addendum(uow: UnitOfWork, clock: Clock, lease_id: int, addendum: Addendum) -> Lease:
    """Attach ``addendum`` and re-plan; ``InvalidLease`` names the field it breaks. The caller
    commits."""
    add_addendum(uow, clock, lease_id, addendum)
    return uow.leases.get(lease_id)


def terminate_lease(uow: UnitOfWork, clock: Clock, lease_id: int) -> Lease:
    """Terminate a signed or registered lease (``IllegalTransition`` otherwise) and drop its
    planned documents. Terminating a terminated lease changes nothing. The caller commits."""
    lease = uow.leases.get(lease_id)
    moved = transition(lease, LeaseStatus.TERMINATED, clock.today())
    if moved.changed and lease.id is not None:
        uow.leases.save(lease, now=clock.now())
        refresh_schedule(uow, lease.id)
        uow.audit.record(
            clock.now(),
            "lease.status",
            "lease",
            lease.id,
            {"from": str(moved.before), "to": str(moved.after), "by": "api"},
        )
    return lease
