"""The typed task port reaches real tasks: every name ``queued_tasks`` sends is a task the
worker has, with the arguments that task takes; ``@portal_task`` skips an uninstalled portal
and turns a refused token into the admin's notice."""

from __future__ import annotations

import inspect
from typing import Any

from backend.bootstrap import Container
from backend.domain.errors import stored_id
from backend.queued_tasks import DEAL_CHANGED, NAMES, QueuedTasks
from backend.services.portals import install_portal, uninstall_portal
from crm_mappings.port import CrmAuthLost, CrmPort, Deal
from jobs import cabinet_tasks, channel_tasks, tasks
from jobs.celery_app import make_celery
from jobs.runtime import set_container
from tests.fakes import FakeCrm


def test_every_queued_name_is_a_registered_task(container: Container) -> None:
    app = make_celery(container.settings)
    app.loader.import_default_modules()
    assert set(NAMES) <= set(app.tasks), set(NAMES) - set(app.tasks)


def test_each_method_queues_its_task_with_its_arguments() -> None:
    sent: list[tuple[Any, ...]] = []
    queue = QueuedTasks(lambda *call: sent.append(call))
    queue.deal_changed(7, "42")
    queue.robot_fired(7, "rentflow_invoice", "42", "token")
    queue.deal_action(7, "42", "issue_act")
    queue.document_issued(7, 3)
    queue.lease_event(7, 3, "paid")
    queue.billing_run()
    queue.billing_run_portal(7, "2026-02-01")
    queue.import_portal(7, "manual")
    queue.payment_news(7, [(3, "Оплата № 5")])
    queue.contacts_changed(7, [3, 4])
    queue.deliver_outbox()
    queue.request_task(7, 11)
    queue.request_task_changed(7, "31")
    queue.request_answered(7, 11)
    assert [call[0] for call in sent] == list(NAMES)
    registered = {
        t.name: t
        for module in (tasks, cabinet_tasks, channel_tasks)
        for t in vars(module).values()
        if hasattr(t, "delay")
    }
    for name, *args in sent:
        if name in registered:  # jobs.bulk_tasks' import is checked by its own name above
            inspect.signature(registered[name].run).bind(*args)


def test_deals_changed_queues_one_task_per_deal_in_one_write() -> None:
    sent: list[tuple[Any, ...]] = []
    written: list[tuple[str, list[list[Any]]]] = []
    QueuedTasks(lambda *call: sent.append(call)).deals_changed(7, ["41", "42"])
    assert sent == [(DEAL_CHANGED, 7, "41"), (DEAL_CHANGED, 7, "42")]
    together = QueuedTasks(lambda *call: sent.append(call), lambda n, c: written.append((n, c)))
    together.deals_changed(7, ["43", "44"])
    together.deals_changed(7, [])
    assert written == [(DEAL_CHANGED, [[7, "43"], [7, "44"]])]
    assert len(sent) == 2


class _LostCrm(FakeCrm):
    asked: int = 0

    def get_deal(self, deal_id: str) -> Deal:
        self.asked += 1
        raise CrmAuthLost("refresh refused")


def test_a_refused_token_becomes_the_admins_notice_and_an_uninstalled_portal_is_skipped(
    container: Container,
) -> None:
    crm = _LostCrm()

    def factory(_container: Container, _portal: Any) -> CrmPort:
        return crm

    container.crm_factories["bitrix24"] = factory
    with container.uow() as uow:
        portal = install_portal(
            uow, container.clock, kind="bitrix24", external_id="m1",
            settings={"admin_email": "admin@example.com"},
        )  # fmt: skip
        uow.commit()
    portal_id = stored_id(portal.id, "portal")
    set_container(container)
    try:
        tasks.crm_deal_changed(portal_id, "42")
        with container.uow(portal_id) as uow:
            (notice,) = [m for m in uow.outbox.list() if m.kind == "portal_auth_lost"]
        assert notice.recipients == ("admin@example.com",)
        assert crm.asked == 1
        with container.uow() as uow:
            uninstall_portal(uow, container.clock, portal_id)
            uow.commit()
        tasks.crm_deal_changed(portal_id, "42")
    finally:
        set_container(None)
    assert crm.asked == 1  # the uninstalled portal's task asked the CRM nothing
