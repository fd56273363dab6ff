"""A portal with a signed lease on a CRM deal, for the tests of tenants' requests."""

from __future__ import annotations

from backend.bootstrap import Container
from backend.domain.lease import LeaseStatus
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from tests import factories


def lease_on_deal(container: Container, kind: str, deal_id: str) -> tuple[int, int, int]:
    """Install a ``kind`` portal and register a signed lease on ``deal_id``, managed by CRM
    user 7. Returns (portal id, tenant id, lease id)."""
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind=kind, external_id=f"{kind}-1")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED)
        lease_id = register_lease(uow, container.clock, lease, crm_deal_id=deal_id).lease_id
        tenant_id = uow.leases.get(lease_id).tenant.id
        uow.commit()
    assert tenant_id is not None
    return portal.id, tenant_id, lease_id
