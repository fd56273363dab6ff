"""Tasks of the emulated portal beyond ``tasks.task.add`` (in ``crm_methods``): reading one,
its results, commenting, starting and completing it, and the ONTASKUPDATE event every change
sends, whether a manager made it or an app through REST.

Pages (bitrix24/b24restdocs, api-reference/tasks/): tasks-task-get (``{"task": {...}}`` with
lower-camel keys, ``[]`` for a task that does not exist), status/tasks-task-start and
status/tasks-task-complete (``{"task": {...}}``; 400 ``{"error": "0", "error_description":
"Action on the task is not allowed"}`` for a task that does not exist or whose status does
not allow the action), fields (STATUS: 2 pending, 3 in progress, 4 awaiting control,
5 completed, 6 deferred, 7 declined), comment-item/task-comment-item-add (``TASKID``,
``FIELDS.POST_MESSAGE``; the new comment's id; ``ERROR_CORE`` "Comment text is not
specified", "Insufficient permissions to add a comment"), result/tasks-task-result-list
(``[{"id", "taskId", "commentId", "createdBy", "createdAt", "status", "text",
"formattedText", "files"}]``, newest first; ``status`` 0 open, 1 closed once the task is
completed), result/tasks-task-result-add-from-comment (``commentId``; ``0`` "Comment not
found.", "Result already exists."), events-tasks/on-task-update (``data[FIELDS_BEFORE][ID]``,
``data[FIELDS_AFTER][ID]``, ``IS_ACCESSIBLE_BEFORE/AFTER``: the event names the task, nothing
else; sent from the portal's event queue, so here once the REST answer is done).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, after_this_request, jsonify, request
from flask.typing import ResponseReturnValue
from markupsafe import escape

from sandbox.bitrix24.methods import RestError, int_param, method
from sandbox.bitrix24.portal_actions import bp, send_event
from sandbox.bitrix24.state import PortalState

PENDING, IN_PROGRESS, COMPLETED = "2", "3", "5"
# the statuses each action may leave (a completed or declined task is neither started nor
# completed again: "Action on the task is not allowed")
_MAY_START, _MAY_COMPLETE = {"1", PENDING, "6"}, {"1", PENDING, IN_PROGRESS, "6"}
NOT_ALLOWED = "Action on the task is not allowed"


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


def _set(task: dict[str, Any], status: str) -> None:
    task["STATUS"] = status
    if status == COMPLETED:
        task["CLOSED_DATE"] = datetime.now(UTC).isoformat(timespec="seconds")
        for result in task.get("RESULTS") or []:
            result["status"] = 1  # closed with the task (result/tasks-task-result-add-from-comment)


def _rest_move(portal: PortalState, params: dict[str, Any], status: str, allowed: set[str]) -> Any:
    """An app's ``tasks.task.start``/``complete``: the task moved, ONTASKUPDATE queued."""
    task = _task(portal, int_param(params, "taskId"))
    with portal.lock:
        if task is None or str(task.get("STATUS", PENDING)) not in allowed:
            raise RestError(400, "0", NOT_ALLOWED)
        _set(task, status)
    _updated_after_answer(portal, int(task["ID"]))
    return {"task": _shown(task)}


def _updated_after_answer(portal: PortalState, task_id: int) -> None:
    """ONTASKUPDATE once this REST answer is done: the portal's lock is free by then, as the
    app that made the change may read the task back as soon as the event reaches it."""

    @after_this_request
    def send(response: Response) -> Response:
        _task_updated(portal, task_id)
        return response


@method("tasks.task.complete")
def task_complete(portal: PortalState, params: dict[str, Any]) -> Any:
    return _rest_move(portal, params, COMPLETED, _MAY_COMPLETE)


@method("tasks.task.start")
def task_start(portal: PortalState, params: dict[str, Any]) -> Any:
    return _rest_move(portal, params, IN_PROGRESS, _MAY_START)


def _comments(portal: PortalState) -> list[dict[str, Any]]:
    with portal.lock:
        return [c for t in portal.tasks for c in t.get("COMMENTS") or []]


@method("task.commentitem.add")
def comment_add(portal: PortalState, params: dict[str, Any]) -> Any:
    fields = params.get("FIELDS") or params.get("fields") or {}
    text = str(fields.get("POST_MESSAGE") or "").strip()
    if not text:
        raise RestError(400, "ERROR_CORE", "Comment text is not specified")
    task = _task(portal, int_param(params, "TASKID"))
    if task is None:
        raise RestError(400, "ERROR_CORE", "Insufficient permissions to add a comment")
    comment = {
        "ID": len(_comments(portal)) + 1, "TASK_ID": int(task["ID"]),
        "AUTHOR_ID": portal.current_user, "POST_MESSAGE": text,
        "POST_DATE": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    with portal.lock:
        task.setdefault("COMMENTS", []).append(comment)
    return comment["ID"]


@method("tasks.task.result.addfromcomment")
def result_add_from_comment(portal: PortalState, params: dict[str, Any]) -> Any:
    try:
        comment_id = int(params.get("commentId") or "")
    except ValueError:
        value = params.get("commentId")
        raise RestError(
            400, "100", f"Invalid value {value} to match with parameter {{commentId}}. "
            "Should be value of type int.",
        ) from None  # fmt: skip
    comment = next((c for c in _comments(portal) if c["ID"] == comment_id), None)
    if comment is None:
        raise RestError(400, "0", "Comment not found.")
    task = _task(portal, int(comment["TASK_ID"]))
    assert task is not None
    with portal.lock:
        results = task.setdefault("RESULTS", [])
        if any(r["commentId"] == comment_id for r in results):
            raise RestError(400, "0", "Result already exists.")
        result = _result(task, comment_id, comment["POST_MESSAGE"], portal.current_user)
        result["status"] = 0
        results.append(result)
    return result


def _result(task: dict[str, Any], comment_id: int, text: str, author: int) -> dict[str, Any]:
    return {
        "id": len(task.get("RESULTS") or []) + 1, "taskId": int(task["ID"]),
        "commentId": comment_id, "createdBy": author,
        "createdAt": datetime.now(UTC).isoformat(timespec="seconds"), "status": 1,
        "text": text, "formattedText": str(escape(text)), "files": [],
    }  # fmt: skip


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
    task = _task(state, task_id)
    if task is None:
        return jsonify(error="no such task"), 404
    with state.lock:
        _set(task, IN_PROGRESS)
    return jsonify(task=_shown(task), delivered=_task_updated(state, task_id))


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
    author = int(task.get("RESPONSIBLE_ID") or 1)
    with state.lock:
        if text:
            results = task.setdefault("RESULTS", [])
            results.append(_result(task, len(results) + 1, text, author))
        _set(task, COMPLETED)
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
        rows = [
            _shown(t) | {"results": t.get("RESULTS") or [], "comments": t.get("COMMENTS") or []}
            for t in state.tasks
        ]
    items = []
    for task in rows:
        head = (
            f"<h2>#{task['id']} · {escape(task['title'])}</h2><p>{escape(task['description'])}</p>"
        )
        if task["status"] == COMPLETED:
            # the result pinned, else (a new task card refuses the pin) the last comment
            said = task["results"][-1]["text"] if task["results"] else ""
            result = said or (task["comments"][-1]["POST_MESSAGE"] if task["comments"] else "")
            items.append(
                f'<li class="task done" data-id="{task["id"]}">{head}'
                f'<p class="result">✔ {escape(result)}</p></li>'
            )
            continue
        started = '<p class="started">В работе</p>' if task["status"] == IN_PROGRESS else ""
        items.append(
            f'<li class="task" data-id="{task["id"]}">{head}{started}'
            f'<form method="post" action="tasks/{task["id"]}/complete">'
            '<label>Результат <input name="result" required></label> '
            '<button type="submit">Завершить задачу</button></form></li>'
        )
    body = "".join(items) or "<li>Задач нет</li>"
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Задачи — Bitrix24'
        f"</title></head><body><h1>Задачи (Bitrix24 sandbox)</h1><ul>{body}</ul></body></html>"
    )
