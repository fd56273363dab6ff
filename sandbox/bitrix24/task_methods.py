"""Tasks of the emulated portal beyond ``tasks.task.add`` (in ``crm_methods``): reading one,
its results, starting and completing it, and the ONTASKUPDATE event a manager's starting or
closing sends.

Pages (bitrix24/b24restdocs, api-reference/tasks/): tasks-task-get (``{"task": {...}}`` with
lower-camel keys, ``[]`` for a task that does not exist), tasks-task-start and
tasks-task-complete (``{"task": {...}}``), fields (STATUS: 2 pending, 3 in progress,
4 awaiting control, 5 completed, 6 deferred, 7 declined), result/tasks-task-result-list
(``[{"id", "taskId", "commentId", "createdBy", "createdAt", "status", "text",
"formattedText", "files"}]``, newest first),
events-tasks/on-task-update (``data[FIELDS_BEFORE][ID]``, ``data[FIELDS_AFTER][ID]``,
``IS_ACCESSIBLE_BEFORE/AFTER``: the event names the task, nothing else).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from markupsafe import escape

from sandbox.bitrix24.methods import RestError, int_param, method
from sandbox.bitrix24.portal_actions import bp, send_event
from sandbox.bitrix24.state import PortalState

PENDING, IN_PROGRESS, COMPLETED = "2", "3", "5"


def _task(portal: PortalState, task_id: int) -> dict[str, Any] | None:
    with portal.lock:
        return next((t for t in portal.tasks if int(t["ID"]) == task_id), None)


def _shown(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(task["ID"]),
        "title": task.get("TITLE", ""),
        "description": task.get("DESCRIPTION", ""),
        "responsibleId": str(task.get("RESPONSIBLE_ID", "")),
        "deadline": task.get("DEADLINE"),
        "status": str(task.get("STATUS", PENDING)),
        "ufCrmTask": list(task.get("UF_CRM_TASK") or []),
        "closedDate": task.get("CLOSED_DATE"),
    }


@method("tasks.task.get")
def task_get(portal: PortalState, params: dict[str, Any]) -> Any:
    task = _task(portal, int_param(params, "taskId"))
    return [] if task is None else {"task": _shown(task)}


@method("tasks.task.result.list")
def task_result_list(portal: PortalState, params: dict[str, Any]) -> Any:
    task = _task(portal, int_param(params, "taskId"))
    if task is None:
        raise RestError(400, "0", "Access denied.")
    return list(reversed(task.get("RESULTS") or []))


def _move(portal: PortalState, params: dict[str, Any], **fields: str) -> Any:
    """Set ``fields`` of the task ``taskId`` names; its ``{"task": ...}`` answer."""
    task = _task(portal, int_param(params, "taskId"))
    if task is None:
        raise RestError(400, "0", "Access denied.")
    with portal.lock:
        task.update(fields)
    return {"task": _shown(task)}


@method("tasks.task.complete")
def task_complete(portal: PortalState, params: dict[str, Any]) -> Any:
    closed = datetime.now(UTC).isoformat(timespec="seconds")
    return _move(portal, params, STATUS=COMPLETED, CLOSED_DATE=closed)


@method("tasks.task.start")
def task_start(portal: PortalState, params: dict[str, Any]) -> Any:
    return _move(portal, params, STATUS=IN_PROGRESS)


def _task_updated(state: PortalState, task_id: int) -> list[int]:
    """ONTASKUPDATE to the portal's handlers: it names the task, nothing else."""
    data = {"FIELDS_BEFORE": {"ID": task_id}, "FIELDS_AFTER": {"ID": task_id},
            "IS_ACCESSIBLE_BEFORE": "undefined", "IS_ACCESSIBLE_AFTER": "undefined"}  # fmt: skip
    return send_event(state, "ONTASKUPDATE", data)


@bp.post("/tasks/<int:task_id>/start")
def start_task(task_id: int) -> ResponseReturnValue:
    """A manager starts the task (status 3, in progress): ONTASKUPDATE sent."""
    from sandbox.bitrix24.portal_actions import _state

    state = _state()
    if _task(state, task_id) is None:
        return jsonify(error="no such task"), 404
    answer = task_start(state, {"taskId": task_id})
    return jsonify(answer | {"delivered": _task_updated(state, task_id)})


@bp.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int) -> ResponseReturnValue:
    """A manager closes the task with a result (``{"result": "..."}`` or the form's field):
    the result is marked, the task completed, ONTASKUPDATE sent."""
    from sandbox.bitrix24.portal_actions import _state

    state = _state()
    task = _task(state, task_id)
    if task is None:
        return jsonify(error="no such task"), 404
    text = str((request.get_json(silent=True) or request.form).get("result", "")).strip()
    with state.lock:
        if text:
            results = task.setdefault("RESULTS", [])
            results.append({
                "id": len(results) + 1, "taskId": task_id, "commentId": len(results) + 1,
                "createdBy": int(task.get("RESPONSIBLE_ID") or 1),
                "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
                "status": 1, "text": text, "formattedText": str(escape(text)), "files": [],
            })  # fmt: skip
    task_complete(state, {"taskId": task_id})
    codes = _task_updated(state, task_id)
    if request.is_json:
        return jsonify(task=_shown(task), delivered=codes)
    return "", 303, {"Location": "../../tasks"}


@bp.get("/tasks")
def tasks_page() -> ResponseReturnValue:
    """The portal's tasks, each open one with a form to close it with a result."""
    from sandbox.bitrix24.portal_actions import _state

    state = _state()
    with state.lock:
        rows = [_shown(t) | {"results": t.get("RESULTS") or []} for t in state.tasks]
    items = []
    for task in rows:
        head = (
            f"<h2>#{task['id']} · {escape(task['title'])}</h2><p>{escape(task['description'])}</p>"
        )
        if task["status"] == COMPLETED:
            result = task["results"][-1]["text"] if task["results"] else ""
            items.append(f'<li class="task done">{head}<p>✔ {escape(result)}</p></li>')
            continue
        items.append(
            f'<li class="task">{head}<form method="post" action="tasks/{task["id"]}/complete">'
            '<label>Результат <input name="result" required></label> '
            '<button type="submit">Завершить задачу</button></form></li>'
        )
    body = "".join(items) or "<li>Задач нет</li>"
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Задачи — Bitrix24'
        f"</title></head><body><h1>Задачи (Bitrix24 sandbox)</h1><ul>{body}</ul></body></html>"
    )
