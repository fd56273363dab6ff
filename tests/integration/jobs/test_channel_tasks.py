"""The request-task sweep on a real worker: the scheduled task fans out one sync per active
portal, each asking its own CRM (amoCRM is polled, its tasks closed there come back as done);
an uninstalled portal is left alone; an answer given in rentflow closes its task there."""

from __future__ import annotations

import time

from backend.bootstrap import Container
from backend.domain.lease import LeaseStatus
from backend.domain.tenant_requests import RequestStatus
from backend.services import tenant_requests
from backend.services.leases import register_lease
from backend.services.portals import install_portal, uninstall_portal
from crm_mappings.port import CrmKind, CrmTaskState, CrmTaskStatus
from jobs.celery_app import make_celery
from tests import factories
from tests.celery_worker import running_worker
from tests.fakes import FakeCrm

ACCOUNTS = ("30000001", "30000002", "30000003")  # the last one is uninstalled


def _request_with_closed_task(container: Container, account: str, crm: FakeCrm) -> tuple[int, int]:
    """An amoCRM portal with a request whose task the manager closed in the CRM."""
    c = container
    with c.uow() as uow:
        portal = install_portal(uow, c.clock, kind="amocrm", external_id=account)
        uow.commit()
    assert portal.id is not None
    with c.uow(portal.id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED)
        lease_id = register_lease(uow, c.clock, lease, crm_deal_id="77").lease_id
        tenant_id = uow.leases.get(lease_id).tenant.id
        uow.commit()
    assert tenant_id is not None
    request_id = tenant_requests.file_request(
        c.uow, c.clock, c.document_storage(), portal.id, [tenant_id], lease_id, "technical",
        "Не работает кондиционер", queue=lambda *_: None,
    )  # fmt: skip
    task_id = tenant_requests.push_task(c.uow, c.clock, crm, portal.id, request_id)
    crm.task_board[task_id] = CrmTaskState(task_id, CrmTaskStatus.COMPLETED, f"Сделано, {account}")
    return portal.id, request_id


def _request(container: Container, portal_id: int, request_id: int) -> tuple[str, str]:
    with container.uow(portal_id) as uow:
        found = uow.tenant_requests.get(request_id)
    return found.status, found.answer


def test_the_sweep_syncs_each_amocrm_portal_with_its_own_account(
    worker_container: Container,
) -> None:
    c = worker_container
    crms = {account: FakeCrm(kind=CrmKind.AMOCRM) for account in ACCOUNTS}
    c.crm_factories["amocrm"] = lambda _c, portal: crms[portal.external_id]
    filed = [_request_with_closed_task(c, account, crms[account]) for account in ACCOUNTS]
    with c.uow() as uow:
        uninstall_portal(uow, c.clock, filed[2][0])
        uow.commit()
    celery = make_celery(c.settings)
    celery.set_current()

    with running_worker(celery):
        celery.send_task("jobs.channel_tasks.sync_request_tasks")
        deadline = time.monotonic() + 60
        while any(_request(c, *f)[0] != RequestStatus.DONE for f in filed[:2]):
            assert time.monotonic() < deadline, "the sweep did not sync every portal"
            time.sleep(0.2)

    assert _request(c, *filed[0]) == (RequestStatus.DONE, "Сделано, 30000001")
    assert _request(c, *filed[1]) == (RequestStatus.DONE, "Сделано, 30000002")
    assert _request(c, *filed[2]) == (RequestStatus.NEW, "")


def test_an_answer_given_in_rentflow_closes_its_task_on_the_worker(
    worker_container: Container,
) -> None:
    """The answer queues its job after the commit; the worker completes the task with it."""
    c = worker_container
    crm = FakeCrm(kind=CrmKind.AMOCRM)
    c.crm_factories["amocrm"] = lambda _c, _portal: crm
    portal_id, request_id = _request_with_closed_task(c, ACCOUNTS[0], crm)
    with c.uow(portal_id) as uow:
        task_id = uow.tenant_requests.get(request_id).crm_task_id
    crm.task_board[task_id] = CrmTaskState(task_id, CrmTaskStatus.OPEN)  # not closed after all
    celery = make_celery(c.settings)
    celery.set_current()

    with running_worker(celery):
        tenant_requests.answer_request(
            c.uow, c.clock, portal_id, request_id, "done", "Кондиционер заменён", "user:7",
            queue=c.tasks.request_answered,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while crm.task_board[task_id].status is not CrmTaskStatus.COMPLETED:
            assert time.monotonic() < deadline, "the worker did not close the task"
            time.sleep(0.2)

    assert crm.task_board[task_id].result == "Кондиционер заменён"
    assert _request(c, portal_id, request_id) == (RequestStatus.DONE, "Кондиционер заменён")
