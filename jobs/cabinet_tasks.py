"""Thin tasks of the tenant cabinet: a tenant's edited contacts go to the CRM after commit."""

from __future__ import annotations

from typing import Any, cast

from backend.services.cabinet_contacts import push_contacts
from jobs.portal_task import PortalWork, portal_task


@portal_task
def cabinet_contacts_to_crm(work: PortalWork, tenant_ids: list[int]) -> None:
    """Write the tenant's (rows') contacts to its deals' companies or contacts (retried while
    the CRM is down; an uninstalled portal is skipped, a refused token becomes the admin's
    notice)."""
    push_contacts(cast(Any, work.container.uow), work.crm, work.portal_id, tenant_ids)
