"""The per-portal billing task on a real worker: what it issues is mailed without waiting for
the beat's next ``deliver_outbox``."""

from __future__ import annotations

import time
from datetime import date

from celery.contrib.testing.worker import start_worker

from backend.bootstrap import Container
from backend.domain.lease import LeaseStatus
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from jobs.celery_app import make_celery
from tests import factories

JAN_27 = date(2026, 1, 27)  # February's invoice is issued 5 days before February


def test_a_portal_run_queues_the_delivery_of_what_it_mailed(worker_container: Container) -> None:
    container = worker_container
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m-1")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED, auto_send=True)
        register_lease(uow, container.clock, lease)
        uow.commit()
    celery = make_celery(container.settings)
    celery.set_current()
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        celery.send_task("jobs.tasks.billing_run_portal", args=(portal.id, JAN_27.isoformat()))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with container.uow(portal.id) as uow:
                messages = uow.outbox.list(portal_id=portal.id)
            if messages and all(m.sent_at is not None for m in messages):
                break
            time.sleep(0.2)

    tenant = [m for m in messages if m.dedup_key.startswith("tenant")]
    assert tenant, [m.dedup_key for m in messages]
    assert all(m.sent_at is not None for m in messages), "nobody delivered the outbox"
    eml = list((container.settings.var_dir).rglob("*.eml"))
    assert len(eml) == len(messages)
