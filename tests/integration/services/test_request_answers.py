"""A request answered in rentflow moves its CRM task (both emulators over real HTTP): "done"
completes it with the answer recorded on it, "in work" starts it in Bitrix24; the CRM's own
news of that change neither re-answers the request nor tells the tenant twice; a task gone or
already closed in the CRM leaves the answer standing, with one log line."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import pytest
import requests

from backend.bootstrap import Container
from backend.domain.tenant_requests import RequestStatus
from backend.services import tenant_requests as svc
from backend.services.request_answers import push_answer
from crm_mappings.port import CrmPort, CrmTaskState
from sandbox.amocrm.state import AmoAccount
from sandbox.bitrix24.state import PortalState
from tests.fakes import FakeCrm
from tests.request_world import lease_on_deal

ANSWER = "Мастер придёт завтра в 10:00"
Bitrix24 = tuple[PortalState, str, CrmPort]
Amo = tuple[AmoAccount, str, CrmPort]


def _filed(
    container: Container, kind: str, deal_id: str, crm: CrmPort, *, push: bool = True
) -> tuple[int, int]:
    """A portal, a signed lease on the deal, and a request filed on it with its task pushed
    (unless not ``push``). Returns (portal id, request id)."""
    c = container
    portal_id, tenant_id, lease_id = lease_on_deal(c, kind, deal_id)
    request_id = svc.file_request(
        c.uow, c.clock, c.document_storage(), portal_id, [tenant_id], lease_id, "technical",
        "Не работает кондиционер в офисе 101",
    )  # fmt: skip
    if push:
        svc.push_task(c.uow, c.clock, crm, portal_id, request_id)
    return portal_id, request_id


def _answer(
    container: Container, portal_id: int, request_id: int, status: str, text: str = ""
) -> list[tuple[int, int]]:
    """Answer as the workspace does; the jobs it queued."""
    queued: list[tuple[int, int]] = []
    svc.answer_request(
        container.uow, container.clock, portal_id, request_id, status, text, "user:7",
        queue=lambda p, r: queued.append((p, r)),
    )  # fmt: skip
    return queued


def _told(container: Container, portal_id: int) -> list[str]:
    with container.uow() as uow:
        messages = uow.outbox.list(portal_id=portal_id)
    return [m.subject for m in messages if m.kind == "request_status"]


def _ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "backend.services.request_answers"]


def _request(container: Container, portal_id: int, request_id: int) -> tuple[str, str]:
    with container.uow(portal_id) as uow:
        found = uow.tenant_requests.get(request_id)
    return found.status, found.answer


def test_done_in_rentflow_completes_the_bitrix24_task_with_the_answer_once(
    container: Container, bitrix24: Bitrix24
) -> None:
    portal, _, crm = bitrix24
    deal_id = str(portal.add_deal({"title": "Офис 101"})["id"])
    portal_id, request_id = _filed(container, "bitrix24", deal_id, crm)
    (task,) = portal.tasks
    task_id = str(task["ID"])

    queued = _answer(container, portal_id, request_id, "done", ANSWER)
    assert queued == [(portal_id, request_id)]  # the CRM is told by a job, after the commit
    assert task.get("STATUS", "2") == "2"  # not by the answer itself
    assert push_answer(container.uow, crm, portal_id, request_id) is True
    assert push_answer(container.uow, crm, portal_id, request_id) is False  # a retried job

    assert task["STATUS"] == "5"
    assert [c["POST_MESSAGE"] for c in task["COMMENTS"]] == [ANSWER]  # recorded once
    assert [(r["text"], r["status"]) for r in task["RESULTS"]] == [(ANSWER, 1)]
    # ONTASKUPDATE about the task we closed: read back, the request is answered already
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id, [task_id]) == 0
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id) == 0  # the sweep
    assert _request(container, portal_id, request_id) == (RequestStatus.DONE, ANSWER)
    assert _told(container, portal_id) == [f"Заявка № {request_id}: рассмотрена"]


def test_in_work_in_rentflow_starts_the_bitrix24_task_and_done_then_completes_it(
    container: Container, bitrix24: Bitrix24
) -> None:
    portal, _, crm = bitrix24
    portal_id, request_id = _filed(
        container, "bitrix24", str(portal.add_deal({"title": "Офис 101"})["id"]), crm
    )
    (task,) = portal.tasks

    _answer(container, portal_id, request_id, "in_work")
    assert push_answer(container.uow, crm, portal_id, request_id) is True
    assert task["STATUS"] == "3"
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id) == 0
    assert push_answer(container.uow, crm, portal_id, request_id) is False  # started already

    _answer(container, portal_id, request_id, "done", ANSWER)
    assert push_answer(container.uow, crm, portal_id, request_id) is True
    assert (task["STATUS"], task["RESULTS"][-1]["text"]) == ("5", ANSWER)
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id) == 0
    assert _told(container, portal_id) == [
        f"Заявка № {request_id}: в работе", f"Заявка № {request_id}: рассмотрена",
    ]  # fmt: skip


def test_done_in_rentflow_completes_the_amocrm_task_with_its_result(
    container: Container, amocrm: Amo
) -> None:
    account, _, crm = amocrm
    portal_id, request_id = _filed(container, "amocrm", str(account.add_lead("Офис 101")), crm)
    (task,) = account.tasks

    _answer(container, portal_id, request_id, "in_work")
    assert push_answer(container.uow, crm, portal_id, request_id) is False  # no such state
    assert not task.get("is_completed")
    _answer(container, portal_id, request_id, "done", ANSWER)
    assert push_answer(container.uow, crm, portal_id, request_id) is True
    assert push_answer(container.uow, crm, portal_id, request_id) is False

    assert (task["is_completed"], task["result"]) == (True, {"text": ANSWER})
    # the ``update_task`` webhook's read-back, and the poll: nothing moves, nobody is told
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id, [str(task["id"])]) == 0
    assert svc.sync_tasks(container.uow, container.clock, crm, portal_id) == 0
    assert _told(container, portal_id) == [
        f"Заявка № {request_id}: в работе", f"Заявка № {request_id}: рассмотрена",
    ]  # fmt: skip


@pytest.mark.parametrize("kind", ["bitrix24", "amocrm"])
def test_a_task_deleted_in_the_crm_leaves_the_answer_standing_with_one_log_line(
    container: Container, bitrix24: Bitrix24, amocrm: Amo, kind: str,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    if kind == "bitrix24":
        portal, _, crm = bitrix24
        deal_id = str(portal.add_deal({"title": "Офис 101"})["id"])
        tasks: list[dict[str, object]] = portal.tasks
    else:
        account, _, crm = amocrm
        deal_id, tasks = str(account.add_lead("Офис 101")), account.tasks
    portal_id, request_id = _filed(container, kind, deal_id, crm)
    tasks.clear()  # a manager deleted it in the CRM

    _answer(container, portal_id, request_id, "done", ANSWER)
    with caplog.at_level(logging.INFO, logger="backend.services.request_answers"):
        assert push_answer(container.uow, crm, portal_id, request_id) is False

    assert _request(container, portal_id, request_id) == (RequestStatus.DONE, ANSWER)
    (line,) = _ours(caplog)
    assert line.levelno == logging.WARNING
    assert "left as it is" in line.getMessage()


def test_a_task_closed_in_bitrix24_first_keeps_the_manager_s_result_there(
    container: Container, bitrix24: Bitrix24, caplog: pytest.LogCaptureFixture
) -> None:
    portal, url, crm = bitrix24
    portal_id, request_id = _filed(
        container, "bitrix24", str(portal.add_deal({"title": "Офис 101"})["id"]), crm
    )
    (task,) = portal.tasks
    requests.post(f"{url}/_portal/tasks/{task['ID']}/complete",
                  json={"result": "Заменили фильтр"}, timeout=10)  # fmt: skip
    _answer(container, portal_id, request_id, "done", ANSWER)  # before the sync saw it
    with caplog.at_level(logging.INFO, logger="backend.services.request_answers"):
        assert push_answer(container.uow, crm, portal_id, request_id) is False

    assert [r["text"] for r in task["RESULTS"]] == ["Заменили фильтр"]
    assert "COMMENTS" not in task
    assert len(_ours(caplog)) == 1
    assert _request(container, portal_id, request_id) == (RequestStatus.DONE, ANSWER)


def test_a_request_answered_before_its_task_existed_gets_the_task_closed(
    container: Container, bitrix24: Bitrix24
) -> None:
    portal, _, crm = bitrix24
    deal_id = str(portal.add_deal({"title": "Офис 101"})["id"])
    c = container
    portal_id, request_id = _filed(c, "bitrix24", deal_id, crm, push=False)

    _answer(container, portal_id, request_id, "done", ANSWER)
    assert push_answer(c.uow, crm, portal_id, request_id) is False  # no task yet
    task_id = svc.push_task(c.uow, c.clock, crm, portal_id, request_id)

    (task,) = portal.tasks
    assert str(task["ID"]) == task_id
    assert (task["STATUS"], task["RESULTS"][-1]["text"]) == ("5", ANSWER)


class _AnsweredMeanwhile(FakeCrm):
    """A CRM asked about a task while the manager answers its request in rentflow and the
    answer's job closes the task: the sync's list of open requests is older than the answer."""

    meanwhile: Callable[[], None] | None = None

    def task_states(self, task_ids: Sequence[str]) -> list[CrmTaskState]:
        run, self.meanwhile = self.meanwhile, None
        if run is not None:
            run()
        return super().task_states(task_ids)


def test_the_crm_s_news_of_a_task_answered_meanwhile_in_rentflow_moves_nothing(
    container: Container,
) -> None:
    c, crm = container, _AnsweredMeanwhile()
    portal_id, request_id = _filed(c, "bitrix24", "77", crm)

    def answer_and_close() -> None:
        _answer(c, portal_id, request_id, "done", ANSWER)
        assert push_answer(c.uow, crm, portal_id, request_id) is True

    crm.meanwhile = answer_and_close
    assert svc.sync_tasks(c.uow, c.clock, crm, portal_id) == 0

    assert _request(c, portal_id, request_id) == (RequestStatus.DONE, ANSWER)
    assert _told(c, portal_id) == [f"Заявка № {request_id}: рассмотрена"]
    with c.uow(portal_id) as uow:
        moved = [a for a in uow.audit.entries("tenant_request") if a["action"] == "request_status"]
    assert len(moved) == 1  # the answer's, not the CRM's echo of it
