"""A status webhook goes through the real broker to a real Celery worker (no eager mode)."""

from __future__ import annotations

import time

from backend.domain.lease import LeaseStatus
from jobs import runtime
from jobs.celery_app import make_celery
from sandbox.amocrm.sender import move_lead
from tests.celery_worker import running_worker
from tests.e2e.amocrm.world import PIPELINE, World, install, lease_on_lead


def _status(world: World, portal_id: int, lease_id: int) -> LeaseStatus:
    with world.container.uow(portal_id) as uow:
        return uow.leases.get(lease_id).status


def test_webhook_task_runs_on_a_worker_and_the_lease_follows(world: World) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("Аренда офиса 9")
    lease_id = lease_on_lead(world, portal_id, lead)
    with world.container.uow(portal_id) as uow:
        uow.mappings.save(PIPELINE, {"10003": "on_signing"}, {})
        uow.commit()
    world.container.task_sender = None  # the web app now sends through the broker
    runtime.set_container(world.container)
    celery = make_celery(world.container.settings)
    try:
        with running_worker(celery):
            assert move_lead(world.account, lead, 10003) == [200]
            deadline = time.monotonic() + 30
            while _status(world, portal_id, lease_id) is not LeaseStatus.ON_SIGNING:
                assert time.monotonic() < deadline, "the worker did not apply the status"
                time.sleep(0.2)
    finally:
        runtime.set_container(None)
