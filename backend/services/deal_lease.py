"""Create a lease from a CRM deal (the card panel's "create lease" action, seed 000).

Shared by both CRMs: the lease comes as the documented lease JSON (docs/lease-input.md), is
linked to the deal and its pipeline, and the deal gets rentflow's lease status field.
"""

from __future__ import annotations

from backend.domain.errors import DealHasLease
from backend.ports import Clock
from backend.services.crm_sync import STATUS_LABELS_RU
from backend.services.lease_json import parse_lease
from backend.services.leases import due_rule_from_settings, register_lease
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.port import CrmPort, DealUpdate, LeaseField


def create_lease_for_deal(
    uow: UnitOfWork, clock: Clock, crm: CrmPort, deal_id: str, data: object
) -> int:
    """Validate the lease JSON, store the lease linked to the deal, and mark the deal.

    Raises ``backend.domain.errors.InvalidLease`` for bad input, ``DealHasLease`` when the
    deal already has one, ``crm_mappings.port.CrmNotFound`` when the deal is gone. ``uow`` is
    entered and committed here; the CRM write follows the commit.
    """
    deal = crm.get_deal(deal_id)
    with uow:
        portal = uow.portals.get(uow.portal_id) if uow.portal_id is not None else None
        due_default = due_rule_from_settings(portal.settings if portal is not None else {})
        lease, _issued = parse_lease(data, due_default=due_default)
        if uow.leases.by_deal(deal_id) is not None:
            raise DealHasLease(deal_id)
        registered = register_lease(
            uow, clock, lease, crm_deal_id=deal_id, crm_pipeline_id=deal.pipeline_id
        )
        uow.audit.record(
            clock.now(), "lease.created_from_deal", "lease", registered.lease_id, {"deal": deal_id}
        )
        uow.commit()
    label = STATUS_LABELS_RU[lease.status]
    crm.update_deals([DealUpdate(deal_id, fields={LeaseField.LEASE_STATUS: label})])
    return registered.lease_id


__all__ = ["DealHasLease", "create_lease_for_deal"]
