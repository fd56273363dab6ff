"""A tenant request's task closed in amoCRM comes back at once: rentflow subscribes its
webhook to ``update_task`` at install (and the hourly check adds it to an account subscribed
before), the emulated account posts ``task[update][0][id]`` when the manager closes the
task, and the queued task reads it back and marks the request done, without the 10-minute
poll."""

from __future__ import annotations

from dataclasses import replace

import requests

from backend.domain.lease import LeaseStatus
from backend.domain.tenant_requests import RequestStatus
from backend.queued_tasks import REQUEST_TASK_CHANGED
from backend.services import tenant_requests
from backend.services.installation import keep_subscribed
from crm_mappings.amocrm import webhooks
from jobs import channel_tasks
from jobs.runtime import set_container
from tests.e2e.amocrm.world import World, install, lease_on_lead


def test_closing_the_task_in_amocrm_makes_the_request_done_without_the_poll(
    world: World,
) -> None:
    c = world.container
    portal_id = install(world)
    assert world.account.subscribers("update_task") == [world.webhook_url]
    lead = world.account.add_lead("Офис 101")
    lease_id = lease_on_lead(world, portal_id, lead, status=LeaseStatus.SIGNED)
    with c.uow(portal_id) as uow:
        tenant_id = uow.leases.get(lease_id).tenant.id
    assert tenant_id is not None
    request_id = tenant_requests.file_request(
        c.uow, c.clock, c.document_storage(), portal_id, [tenant_id], lease_id, "technical",
        "Не работает кондиционер", queue=lambda *_: None,
    )  # fmt: skip
    crm = c.crm_for_portal(portal_id)
    assert crm is not None
    task_id = tenant_requests.push_task(c.uow, c.clock, crm, portal_id, request_id)
    world.queued.clear()

    closed = requests.post(
        f"{world.amo}/_sandbox/tasks/{task_id}/complete", json={"result": "Кондиционер заменён"},
        timeout=30,
    )  # fmt: skip
    assert closed.status_code == 200
    assert world.queued == [(REQUEST_TASK_CHANGED, portal_id, task_id)]
    set_container(c)
    try:
        channel_tasks.request_task_changed(portal_id, task_id)
    finally:
        set_container(None)

    with c.uow(portal_id) as uow:
        done = uow.tenant_requests.get(request_id)
    assert (done.status, done.answer) == (RequestStatus.DONE, "Кондиционер заменён")


def test_an_account_subscribed_before_gets_the_task_event_from_the_hourly_check(
    world: World,
) -> None:
    portal_id = install(world)
    destination = world.webhook_url
    world.account.add_webhook(destination, ["status_lead"])  # as installed before
    with world.container.uow() as uow:
        portal = uow.portals.get(portal_id)
        settings = {k: v for k, v in portal.settings.items() if k != webhooks.EVENTS_SETTING}
        uow.portals.save(replace(portal, settings=settings))
        uow.commit()
    assert world.account.subscribers("update_task") == []

    assert keep_subscribed(world.container.install_ports(), "amocrm") == 1
    assert world.account.subscribers("update_task") == [destination]
    assert world.account.subscribers("status_lead") == [destination]
    assert keep_subscribed(world.container.install_ports(), "amocrm") == 0
