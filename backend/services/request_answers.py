"""A request answered in rentflow (workspace or API), told to its CRM task (seed 003): "done"
completes the task with the manager's answer recorded on it, "in work" starts it where the
CRM has such a state, so a manager who lives in the CRM does not find it open forever.

Run by a job queued after the answer's commit, never by the web request. It reads the task
first and writes only what is still missing, so a retried job, or the CRM's own event about
the task just closed (``tenant_requests.sync_tasks`` then finds the request answered already),
does nothing twice. A task the CRM no longer has, or one a manager closed there first, is not
an error to retry: a log line, and the answer in rentflow stands.
"""

from __future__ import annotations

import logging

from backend.domain.tenant_requests import RequestStatus
from backend.services.unit_of_work import UnitOfWorkFactory
from crm_mappings.port import (
    CrmAuthLost,
    CrmError,
    CrmNotFound,
    CrmPort,
    CrmTaskStatus,
    CrmUnavailable,
)

log = logging.getLogger(__name__)
_CLOSED = (CrmTaskStatus.COMPLETED, CrmTaskStatus.DECLINED)


def push_answer(uow: UnitOfWorkFactory, crm: CrmPort, portal_id: int, request_id: int) -> bool:
    """Bring the request's CRM task to the request's status (its answer as the task's result);
    ``CrmUnavailable`` and ``CrmAuthLost`` propagate for the job. Returns whether the CRM was
    written to (False: no task yet, nothing to do, or the task gone or closed there)."""
    with uow(portal_id) as work:
        request = work.tenant_requests.get(request_id)
    task_id = request.crm_task_id
    if not task_id or request.status is RequestStatus.NEW:
        return False  # a request answered before its task exists: ``push_task`` calls again
    try:
        return _push(crm, task_id, request.status, request.answer)
    except (CrmUnavailable, CrmAuthLost):
        raise
    except CrmError as err:  # gone, hidden, or refused for good: retrying changes nothing
        log.warning(
            "portal %s request %s: CRM task %s left as it is (%s); the answer stands",
            portal_id, request_id, task_id, err,
        )  # fmt: skip
        return False


def _push(crm: CrmPort, task_id: str, status: RequestStatus, answer: str) -> bool:
    found = crm.task_states([task_id])
    if not found:
        raise CrmNotFound(f"task {task_id} is gone from the CRM")
    state = found[0]
    if state.status in _CLOSED:
        log.info("CRM task %s was closed in the CRM already: left as it is", task_id)
        return False
    if status is RequestStatus.DONE:
        # a retry after the answer was recorded but the task not completed records it once
        crm.complete_task(task_id, "" if state.result.strip() == answer else answer)
        return True
    return state.status is CrmTaskStatus.OPEN and crm.start_task(task_id)
