"""Thin tasks of tenant requests (their CRM tasks) and announcements; each calls one service."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task

from backend.services import tenant_requests
from crm_mappings.port import CrmAuthLost
from jobs.runtime import active_portal, container
from jobs.tasks import crm_task

log = logging.getLogger(__name__)
DELIVER_OUTBOX = "jobs.tasks.deliver_outbox"


@crm_task
def push_request_task(portal_id: int, request_id: int) -> None:
    """A request was filed: its task on the lease's deal, for the manager."""
    c = container()
    portal = active_portal(c, portal_id)
    if portal is None:
        return
    try:
        tenant_requests.push_task(c.uow, c.clock, c.crm(portal), portal_id, request_id)
    except CrmAuthLost:
        log.warning(
            "portal %s: request %s waits for the CRM's authorisation", portal_id, request_id
        )


@crm_task
def request_task_changed(portal_id: int, task_id: str) -> None:
    """Bitrix24 ONTASKUPDATE: read the task back and move its request."""
    _sync(portal_id, [task_id])


@crm_task
def sync_request_tasks_portal(portal_id: int) -> None:
    """Push the tasks a request still lacks; ask the CRM about every open request's task."""
    _sync(portal_id, None, push_missing=True)


@shared_task(acks_late=True)
def sync_request_tasks() -> None:
    """The sweep: one sync task per active portal (a lost event, amoCRM's polling)."""
    c = container()
    with c.uow() as uow:
        portal_ids = [p.id for p in uow.portals.list() if p.id is not None]
    for portal_id in portal_ids:
        sync_request_tasks_portal.delay(portal_id)


def _sync(portal_id: int, task_ids: list[str] | None, *, push_missing: bool = False) -> None:
    c = container()
    portal = active_portal(c, portal_id)
    if portal is None:
        return
    try:
        if push_missing:
            tenant_requests.push_missing_tasks(
                c.uow, c.clock, c.crm(portal), portal_id, timedelta(minutes=10)
            )
        tenant_requests.sync_tasks(
            c.uow, c.clock, c.crm(portal), portal_id, task_ids,
            deliver=lambda: c.send_task(DELIVER_OUTBOX),
        )  # fmt: skip
    except CrmAuthLost:
        log.warning("portal %s: request tasks not read, the CRM's authorisation is lost", portal_id)
