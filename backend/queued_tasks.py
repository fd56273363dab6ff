"""``ports.Tasks`` over the broker: the one place that knows the Celery names of ``jobs``'
tasks (the web app, the CLI and the services do not import ``jobs``).

How to add a task: write it in ``jobs/tasks.py`` (``@portal_task`` when it talks to a portal's
CRM), add a method to ``ports.Tasks`` and here one line naming it;
``tests/integration/jobs/test_queued_tasks.py`` checks every name here is a registered task.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Send = Callable[..., None]  # (task name, *args): Container.send_task, or a test's recorder
SendMany = Callable[[str, list[list[Any]]], None]  # (task name, [args, ...]) in one write

DEAL_CHANGED = "jobs.tasks.crm_deal_changed"
ROBOT_FIRED = "jobs.tasks.bitrix24_robot"
DEAL_ACTION = "jobs.tasks.amocrm_dp_action"
DOCUMENT_ISSUED = "jobs.tasks.crm_document_issued"
LEASE_EVENT = "jobs.tasks.crm_lease_event"
PAYMENT_NEWS = "jobs.tasks.crm_payment_news"
BILLING_RUN = "jobs.tasks.billing_run"
BILLING_RUN_PORTAL = "jobs.tasks.billing_run_portal"
IMPORT_PORTAL = "jobs.bulk_tasks.import_portal"
REQUEST_TASK = "jobs.channel_tasks.push_request_task"
REQUEST_TASK_CHANGED = "jobs.channel_tasks.request_task_changed"
REQUEST_ANSWERED = "jobs.channel_tasks.push_request_answer"
CONTACTS_CHANGED = "jobs.cabinet_tasks.cabinet_contacts_to_crm"
DELIVER_OUTBOX = "jobs.tasks.deliver_outbox"
# The broker's queues; every worker takes from both in turn. The outbox's deliveries have one
# of their own: a large portal's billing run queues all its chunks at once, and a delivery
# queued behind them on the same queue waited for the last chunk, so that portal's tenants
# got their mail only once the whole run was done.
DEFAULT_QUEUE, MAIL_QUEUE = "celery", "mail"
QUEUES = (DEFAULT_QUEUE, MAIL_QUEUE)
QUEUE_OF = {DELIVER_OUTBOX: MAIL_QUEUE}  # every other task goes on ``DEFAULT_QUEUE``
CRM_NAMES = (DEAL_CHANGED, ROBOT_FIRED, DEAL_ACTION, DOCUMENT_ISSUED, LEASE_EVENT)
# in ``Tasks`` order
NAMES = (
    *CRM_NAMES, BILLING_RUN, BILLING_RUN_PORTAL, IMPORT_PORTAL, PAYMENT_NEWS, CONTACTS_CHANGED,
    DELIVER_OUTBOX, REQUEST_TASK, REQUEST_TASK_CHANGED, REQUEST_ANSWERED,
)  # fmt: skip


def queue_of(name: str) -> str:
    """The broker queue task ``name`` goes on (``QUEUE_OF``, else ``DEFAULT_QUEUE``)."""
    return QUEUE_OF.get(name, DEFAULT_QUEUE)


class QueuedTasks:
    """Each ``Tasks`` method sends its task by name through ``send``; several at once through
    ``send_many`` (``Container.send_tasks``: one write), else one ``send`` each."""

    def __init__(self, send: Send, send_many: SendMany | None = None) -> None:
        self._send = send
        self._send_many = send_many

    def deal_changed(self, portal_id: int, deal_id: str) -> None:
        self._send(DEAL_CHANGED, portal_id, deal_id)

    def deals_changed(self, portal_id: int, deal_ids: Sequence[str]) -> None:
        calls: list[list[Any]] = [[portal_id, deal_id] for deal_id in deal_ids]
        if self._send_many is None:
            for call in calls:
                self._send(DEAL_CHANGED, *call)
        elif calls:
            self._send_many(DEAL_CHANGED, calls)

    def robot_fired(self, portal_id: int, code: str, deal_id: str, event_token: str) -> None:
        self._send(ROBOT_FIRED, portal_id, code, deal_id, event_token)

    def deal_action(self, portal_id: int, deal_id: str, action: str) -> None:
        self._send(DEAL_ACTION, portal_id, deal_id, action)

    def document_issued(self, portal_id: int, document_id: int) -> None:
        self._send(DOCUMENT_ISSUED, portal_id, document_id)

    def lease_event(self, portal_id: int, document_id: int, event: str) -> None:
        self._send(LEASE_EVENT, portal_id, document_id, event)

    def payment_news(self, portal_id: int, news: list[tuple[int, str]]) -> None:
        self._send(PAYMENT_NEWS, portal_id, [list(item) for item in news])

    def billing_run(self) -> None:
        self._send(BILLING_RUN)

    def billing_run_portal(self, portal_id: int, day: str) -> None:
        self._send(BILLING_RUN_PORTAL, portal_id, day)

    def import_portal(self, portal_id: int, trigger: str) -> None:
        self._send(IMPORT_PORTAL, portal_id, trigger)

    def contacts_changed(self, portal_id: int, tenant_ids: list[int]) -> None:
        self._send(CONTACTS_CHANGED, portal_id, list(tenant_ids))

    def deliver_outbox(self) -> None:
        self._send(DELIVER_OUTBOX)

    def request_task(self, portal_id: int, request_id: int) -> None:
        self._send(REQUEST_TASK, portal_id, request_id)

    def request_task_changed(self, portal_id: int, task_id: str) -> None:
        self._send(REQUEST_TASK_CHANGED, portal_id, task_id)

    def request_answered(self, portal_id: int, request_id: int) -> None:
        self._send(REQUEST_ANSWERED, portal_id, request_id)
