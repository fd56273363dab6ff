"""The per-portal billing task on a real worker: what it issues is mailed without waiting for
the beat's next ``deliver_outbox``, and reaches the deals before the task ends, or through the
retried push task when the CRM is down."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date

import pytest
from celery.signals import before_task_publish

from backend.bootstrap import Container
from backend.domain.lease import LeaseStatus
from backend.domain.portal import Portal
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from crm_mappings.port import CrmUnavailable, Deal, DealUpdate, LeaseField
from jobs import tasks
from jobs.celery_app import make_celery
from tests import factories
from tests.celery_worker import running_worker
from tests.fakes import FakeCrm

JAN_27 = date(2026, 1, 27)  # February's invoice is issued 5 days before February


def test_a_portal_run_queues_the_delivery_of_what_it_mailed(worker_container: Container) -> None:
    container = worker_container

    def delivered(portal_id: int) -> bool:
        with container.uow(portal_id) as uow:
            messages = uow.outbox.list(portal_id=portal_id)
        return bool(messages) and all(m.sent_at is not None for m in messages)

    portal_id = _run_portal_task(container, delivered, auto_send=True)

    with container.uow(portal_id) as uow:
        messages = uow.outbox.list(portal_id=portal_id)
    assert [m for m in messages if m.dedup_key.startswith("tenant")], messages
    assert all(m.sent_at is not None for m in messages), "nobody delivered the outbox"
    eml = list((container.settings.var_dir).rglob("*.eml"))
    assert len(eml) == len(messages)


class _DownOnceCrm(FakeCrm):
    """Answers the first deal update as a portal over its limit does, then works."""

    down = 1

    def update_deals(self, updates: Sequence[DealUpdate]) -> None:
        if self.down:
            self.down -= 1
            raise CrmUnavailable("503 QUERY_LIMIT_EXCEEDED")
        super().update_deals(updates)


def _run_portal_task(
    container: Container, until: Callable[[int], bool], crm: FakeCrm | None = None, **lease: object
) -> int:
    """A signed lease (on deal 42 of ``crm``, when given) and its portal's billing task on a
    real worker, until ``until(portal id)`` (at most a minute). Returns the portal id."""
    with container.uow() as uow:
        portal: Portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m-1")
        uow.commit()
    assert portal.id is not None
    if crm is not None:
        container.crm_factories["bitrix24"] = lambda _c, _p: crm
        crm.deals["42"] = Deal("42", "Офис 101", "0", "NEW")
    with container.uow(portal.id) as uow:
        signed = factories.lease(status=LeaseStatus.SIGNED, **lease)
        register_lease(uow, container.clock, signed, crm_deal_id="42" if crm else None)
        uow.commit()
    celery = make_celery(container.settings)
    celery.set_current()
    with running_worker(celery):
        celery.send_task("jobs.tasks.billing_run_portal", args=(portal.id, JAN_27.isoformat()))
        deadline = time.monotonic() + 60
        while not until(portal.id) and time.monotonic() < deadline:
            time.sleep(0.2)
    return portal.id


@pytest.fixture
def queued_pushes() -> Iterator[list[object]]:
    """The ``crm_documents_issued`` tasks sent to the broker while the test runs."""
    queued: list[object] = []

    def record(sender: object = None, body: object = None, **_: object) -> None:
        if sender == tasks.crm_documents_issued.name:
            queued.append(body)

    before_task_publish.connect(record, weak=False)
    yield queued
    before_task_publish.disconnect(record)


def test_the_portal_task_tells_the_deals_itself(
    worker_container: Container, queued_pushes: list[object]
) -> None:
    crm = FakeCrm()
    _run_portal_task(worker_container, lambda _: bool(crm.comments), crm)
    assert crm.deals["42"].fields[LeaseField.INVOICE_ID] == "1"
    assert len(crm.updates) == 1
    assert queued_pushes == []  # no push task waits behind the other portals' runs


def test_a_crm_that_is_down_gets_the_retried_push_task(
    worker_container: Container, queued_pushes: list[object]
) -> None:
    crm = _DownOnceCrm()
    _run_portal_task(worker_container, lambda _: bool(crm.comments), crm)
    assert crm.down == 0  # the task's own push failed once
    assert len(queued_pushes) == 1
    assert crm.deals["42"].fields[LeaseField.INVOICE_ID] == "1"  # the queued task's went in


def test_much_mail_queued_by_a_run_is_delivered_by_several_tasks_side_by_side(
    worker_container: Container,
) -> None:
    """A large portal's last chunk queues its reminders for every lease at once: their
    delivery is split over several tasks (each claims its own batches), so every worker
    sends, not one."""
    app = make_celery(worker_container.settings)
    app.set_current()
    sent: list[str] = []

    def seen(headers: dict[str, object], **_: object) -> None:
        sent.append(str(headers["task"]))

    before_task_publish.connect(seen)
    try:
        for mailed in (0, 1, 499, 1200, 100_000):
            tasks._after_portal_work(7, [], mailed)
            sent.append("|")
    finally:
        before_task_publish.disconnect(seen)
        app.close()
    per_run = "".join("d" if n == tasks.deliver_outbox.name else n for n in sent).split("|")
    assert per_run[:-1] == ["", "d", "d", "ddd", "d" * tasks.MOST_DELIVERIES]
