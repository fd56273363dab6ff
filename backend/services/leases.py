"""Lease use cases: register a lease with its parties, read it back."""

from __future__ import annotations

from dataclasses import dataclass

from backend.domain.lease import Lease
from backend.domain.parties import Person
from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RegisteredLease:
    lease_id: int
    landlord_id: int
    tenant_id: int


def register_lease(
    uow: UnitOfWork,
    clock: Clock,
    lease: Lease,
    *,
    crm_deal_id: str | None = None,
    crm_pipeline_id: str = "",
    landlord_id: int | None = None,
) -> RegisteredLease:
    """Store ``lease`` with its landlord (or reuse ``landlord_id``), tenant, premises and people.

    The caller commits. A deal already linked to a lease violates the one-lease-per-deal key.
    """
    if landlord_id is None:
        landlord_id = uow.parties.add_landlord(lease.landlord)
    tenant_id = uow.parties.add_tenant(lease.tenant)
    premises_ids = [uow.parties.add_premises(p) for p in lease.premises]
    manager_id = _person_id(uow, lease.manager)
    supervisor_id = _person_id(uow, lease.supervisor)
    lease_id = uow.leases.add(
        lease,
        landlord_id=landlord_id,
        tenant_id=tenant_id,
        premises_ids=premises_ids,
        manager_id=manager_id,
        supervisor_id=supervisor_id,
        crm_deal_id=crm_deal_id,
        crm_pipeline_id=crm_pipeline_id,
        now=clock.now(),
    )
    uow.audit.record(clock.now(), "lease.registered", "lease", lease_id, {"number": lease.number})
    return RegisteredLease(lease_id, landlord_id, tenant_id)


def _person_id(uow: UnitOfWork, person: Person | None) -> int | None:
    if person is None:
        return None
    if person.crm_user_id:
        known = uow.parties.person_by_crm_id(person.crm_user_id)
        if known is not None:
            return known[0]
    return uow.parties.add_person(person)
