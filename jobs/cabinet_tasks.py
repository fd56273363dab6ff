"""Thin tasks of the tenant cabinet: a tenant's edited contacts go to the CRM after commit."""

from __future__ import annotations

from typing import Any, cast

from celery import shared_task

from backend.services.auth_lost import notify_auth_lost
from backend.services.cabinet_contacts import push_contacts
from crm_mappings.port import CrmAuthLost, CrmUnavailable
from jobs.runtime import active_portal, container

CONTACTS_TASK = "jobs.cabinet_tasks.cabinet_contacts_to_crm"


@shared_task(
    acks_late=True, autoretry_for=(CrmUnavailable,), retry_backoff=30, retry_backoff_max=900,
    max_retries=30,
)  # fmt: skip
def cabinet_contacts_to_crm(portal_id: int, tenant_ids: list[int]) -> None:
    """Write the tenant's (rows') contacts to its deals' companies/contacts (retried while the CRM
    is down)."""
    c = container()
    portal = active_portal(c, portal_id)
    if portal is None or portal.kind not in c.crm_factories:
        return
    try:
        push_contacts(cast(Any, c.uow), c.crm(portal), portal_id, tenant_ids)
    except CrmAuthLost:
        notify_auth_lost(c.uow(portal_id), c.clock, portal_id)
