"""Thin tasks of tenant requests: their CRM tasks, created, read back and told of answers;
each calls one service (queued through ``ports.Tasks``: ``request_task``,
``request_task_changed``, ``request_answered``)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from backend.services import request_answers, tenant_requests
from jobs.portal_task import PortalWork, portal_task
from jobs.runtime import container

MISSING_AFTER = timedelta(minutes=10)  # a request still without a task by then is pushed again


@portal_task
def push_request_task(work: PortalWork, request_id: int) -> None:
    """A request was filed: its task on the lease's deal, for the manager."""
    c = work.container
    tenant_requests.push_task(
        c.uow, work.clock, work.crm, work.portal_id, request_id, c.request_file_url
    )


@portal_task
def push_request_answer(work: PortalWork, request_id: int) -> None:
    """A request answered in rentflow: its task started, or completed with the answer."""
    request_answers.push_answer(work.container.uow, work.crm, work.portal_id, request_id)


@portal_task
def request_task_changed(work: PortalWork, task_id: str) -> None:
    """Bitrix24 ONTASKUPDATE, amoCRM ``update_task``: read the task back and move its
    request."""
    _sync(work, [task_id])


@portal_task
def sync_request_tasks_portal(work: PortalWork) -> None:
    """Push the tasks requests still lack; ask the CRM about every open request's task."""
    c = work.container
    tenant_requests.push_missing_tasks(
        c.uow, work.clock, work.crm, work.portal_id, MISSING_AFTER, c.request_file_url
    )
    _sync(work, None)


@shared_task(acks_late=True)
def sync_request_tasks() -> None:
    """The sweep: one sync task per active portal (a lost event, amoCRM's polling)."""
    c = container()
    with c.uow() as uow:
        portal_ids = [p.id for p in uow.portals.list() if p.id is not None]
    for portal_id in portal_ids:
        sync_request_tasks_portal.delay(portal_id)


def _sync(work: PortalWork, task_ids: list[str] | None) -> None:
    c = work.container
    tenant_requests.sync_tasks(
        c.uow, work.clock, work.crm, work.portal_id, task_ids,
        deliver=c.tasks.deliver_outbox,
    )  # fmt: skip
