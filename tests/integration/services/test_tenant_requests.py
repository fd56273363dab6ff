"""A tenant's request becomes a task on its lease's deal in the CRM (both emulators over real
HTTP), and the task's closing there brings "done" and the manager's answer back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from backend.bootstrap import Container
from backend.domain.cabinet import TenantRef
from backend.domain.tenant_requests import InvalidRequest, RequestStatus
from backend.ports import FixedClock
from backend.services import tenant_requests as svc
from backend.services.cabinet_auth import CabinetAuth, remember_language
from backend.web.app import create_app
from crm_mappings.port import CrmError, CrmPort, CrmTaskState, CrmTaskStatus
from sandbox.amocrm.state import AmoAccount
from sandbox.bitrix24.state import PortalState
from tests.fakes import FakeCrm
from tests.request_world import lease_on_deal as _world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _deal(portal: PortalState) -> str:
    return str(portal.add_deal({"title": "Офис 101"})["id"])


def _file(container: Container, portal_id: int, tenant_id: int, lease_id: int) -> int:
    queued: list[tuple[int, int]] = []
    request_id = svc.file_request(
        container.uow, container.clock, container.document_storage(), portal_id, [tenant_id],
        lease_id, "technical", "Не работает кондиционер в офисе 101",
        [svc.NewFile("акт осмотра.pdf", PDF)], queue=lambda p, r: queued.append((p, r)),
    )  # fmt: skip
    assert queued == [(portal_id, request_id)]  # the CRM task is queued once committed
    return request_id


def _request(container: Container, portal_id: int, request_id: int):  # type: ignore[no-untyped-def]
    with container.uow(portal_id) as uow:
        return uow.tenant_requests.get(request_id)


def test_a_request_becomes_a_bitrix24_task_and_its_completion_comes_back_as_done(
    container: Container, bitrix24: tuple[PortalState, str, CrmPort]
) -> None:
    portal, url, crm = bitrix24
    deal_id = _deal(portal)
    portal_id, tenant_id, lease_id = _world(container, "bitrix24", deal_id)
    request_id = _file(container, portal_id, tenant_id, lease_id)

    link = container.request_file_url
    task_id = svc.push_task(container.uow, container.clock, crm, portal_id, request_id, link)
    assert svc.push_task(container.uow, container.clock, crm, portal_id, request_id) == task_id
    (task,) = portal.tasks  # once, though pushed twice
    assert task["UF_CRM_TASK"] == [f"D_{deal_id}"]
    assert task["RESPONSIBLE_ID"] == "7"  # the lease's manager
    assert "кондиционер" in task["DESCRIPTION"]
    # the manager opens the tenant's file from the task; a changed link opens nothing
    found = re.search(r"акт осмотра\.pdf: http://127\.0\.0\.1:8000(/rf/\S+)", task["DESCRIPTION"])
    assert found is not None
    web = create_app(container=container).test_client()
    assert web.get(found.group(1)).data == PDF
    assert web.get(found.group(1)[:-2] + "xx").status_code == 404
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id) == 0  # still open

    closed = requests.post(
        f"{url}/_portal/tasks/{task_id}/complete", json={"result": "Мастер придёт завтра в 10:00"},
        timeout=10,
    )  # fmt: skip
    assert closed.status_code == 200
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id, [task_id]) == 1
    done = _request(container, portal_id, request_id)
    assert done.status is RequestStatus.DONE
    assert done.answer == "Мастер придёт завтра в 10:00"
    with container.uow() as uow:
        told = [m for m in uow.outbox.list(portal_id=portal_id) if m.kind == "request_status"]
    assert [m.recipients for m in told] == [("buh@vasilek.example", "director@vasilek.example")]
    assert "Мастер придёт" in told[0].body_text


def test_a_bitrix24_task_put_in_progress_puts_the_request_in_work(
    container: Container, bitrix24: tuple[PortalState, str, CrmPort]
) -> None:
    portal, url, crm = bitrix24
    portal_id, tenant_id, lease_id = _world(container, "bitrix24", _deal(portal))
    request_id = _file(container, portal_id, tenant_id, lease_id)
    task_id = svc.push_task(container.uow, container.clock, crm, portal_id, request_id)

    started = requests.post(f"{url}/_portal/tasks/{task_id}/start", timeout=10)
    assert started.json()["task"]["status"] == "3"
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id, [task_id]) == 1
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id, [task_id]) == 0

    in_work = _request(container, portal_id, request_id)
    assert (in_work.status, in_work.answer) == (RequestStatus.IN_WORK, "")
    with container.uow() as uow:
        told = [m for m in uow.outbox.list(portal_id=portal_id) if m.kind == "request_status"]
    assert [m.subject for m in told] == [f"Заявка № {request_id}: в работе"]


def test_a_request_becomes_an_amocrm_task_on_the_lead_and_closing_it_is_polled_back(
    container: Container, amocrm: tuple[AmoAccount, str, CrmPort]
) -> None:
    account, url, crm = amocrm
    lead_id = account.add_lead("Офис 101")
    portal_id, tenant_id, lease_id = _world(container, "amocrm", str(lead_id))
    request_id = _file(container, portal_id, tenant_id, lease_id)

    task_id = svc.push_task(container.uow, container.clock, crm, portal_id, request_id)
    (task,) = account.tasks
    assert (task["entity_type"], task["entity_id"], task["responsible_user_id"]) == (
        "leads", lead_id, 7,
    )  # fmt: skip
    requests.post(
        f"{url}/_sandbox/tasks/{task_id}/complete", json={"result": "Кондиционер заменён"},
        timeout=10,
    )  # fmt: skip
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id) == 1
    done = _request(container, portal_id, request_id)
    assert (done.status, done.answer) == (RequestStatus.DONE, "Кондиционер заменён")
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id) == 0  # nothing open


def test_a_bad_file_or_a_foreign_lease_stores_nothing(container: Container) -> None:
    portal_id, tenant_id, lease_id = _world(container, "bitrix24", "5")
    storage = container.document_storage()
    with pytest.raises(InvalidRequest) as refused:
        svc.file_request(
            container.uow, container.clock, storage, portal_id, [tenant_id], lease_id,
            "technical", "Текст", [svc.NewFile("virus.exe", b"MZ\x90\x00")],
        )  # fmt: skip
    assert refused.value.field == "attachments"
    with pytest.raises(InvalidRequest) as foreign:
        svc.file_request(
            container.uow, container.clock, storage, portal_id, [tenant_id], lease_id + 99,
            "technical", "Текст",
        )  # fmt: skip
    assert foreign.value.field == "lease"
    with container.uow(portal_id) as uow:
        assert uow.tenant_requests.for_tenant([tenant_id]) == []
    assert list(storage.stored("requests")) == []


class _RefusingCrm:
    """A CRM that refuses every task for good (as a 400 would)."""

    def create_task(self, task: object) -> str:
        raise CrmError("ERROR_CORE: the deal is closed")


def test_the_sweep_pushes_a_request_whose_job_was_lost_and_a_refusal_is_noted_once(
    container: Container, bitrix24: tuple[PortalState, str, CrmPort]
) -> None:
    portal, _, crm = bitrix24
    deal = portal.add_deal({"title": "Офис 101"})
    portal_id, tenant_id, lease_id = _world(container, "bitrix24", str(deal["id"]))
    lost = svc.file_request(
        container.uow, container.clock, container.document_storage(), portal_id, [tenant_id],
        lease_id, "other", "Нужен пропуск на парковку",
    )  # fmt: skip
    wait = timedelta(minutes=10)
    assert svc.push_missing_tasks(container.uow, container.clock, crm, portal_id, wait) == 0
    clock = container.clock
    assert isinstance(clock, FixedClock)
    clock.set(clock.now() + timedelta(minutes=11))
    assert svc.push_missing_tasks(container.uow, container.clock, crm, portal_id, wait) == 1
    assert svc.push_missing_tasks(container.uow, container.clock, crm, portal_id, wait) == 0
    assert len(portal.tasks) == 1
    assert _request(container, portal_id, lost).crm_task_id == str(portal.tasks[0]["ID"])

    refused = _file(container, portal_id, tenant_id, lease_id)
    refusing = _RefusingCrm()
    assert svc.push_task(container.uow, container.clock, refusing, portal_id, refused) == ""  # type: ignore[arg-type]
    assert "the deal is closed" in _request(container, portal_id, refused).crm_error
    clock.set(clock.now() + timedelta(minutes=11))
    assert svc.push_missing_tasks(container.uow, container.clock, crm, portal_id, wait) == 0


def test_a_task_declined_without_a_word_is_answered_in_the_tenant_s_language(
    container: Container,
) -> None:
    portal_id, tenant_id, lease_id = _world(container, "bitrix24", "77")
    request_id = _file(container, portal_id, tenant_id, lease_id)
    crm = FakeCrm()
    task_id = svc.push_task(container.uow, container.clock, crm, portal_id, request_id)
    auth = CabinetAuth(container.uow, container.clock, b"p", str, lambda: None)  # type: ignore[arg-type]
    remember_language(auth, TenantRef(portal_id, tenant_id), "uk")
    crm.task_board[task_id] = CrmTaskState(task_id, CrmTaskStatus.DECLINED)

    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id) == 1
    declined = _request(container, portal_id, request_id)
    assert (declined.status, declined.answer) == (RequestStatus.DONE, "Заявку відхилено.")
