"""amoCRM tasks beyond creating them (which ``app`` does): reading and completing, as
https://www.amocrm.ru/developers/content/crm_platform/tasks-api describes them, plus a sandbox
page where a manager closes a task with a result.

- GET /api/v4/tasks: ``filter[id][]`` / ``filter[id]``, ``filter[is_completed]``,
  ``filter[entity_type]``, ``filter[entity_id][]``, ``limit`` (≤ 250), ``page``; answers
  ``{"_page", "_links", "_embedded": {"tasks": [...]}}``, or 204 with no body when nothing
  matches;
- GET /api/v4/tasks/{id}: one task, 404 when there is none;
- PATCH /api/v4/tasks (a list, each with ``id``) and PATCH /api/v4/tasks/{id}:
  ``is_completed`` and ``result: {"text": ...}`` close a task ("Выполнение задачи с
  результатом"); answers ``_embedded.tasks[{id, updated_at, request_id}]``, the single one
  ``{id, updated_at}`` (https://developers.kommo.com/reference/edit-task: "Only properties
  id and updated_at are returned"; errors as application/problem+json). Every change posts
  the ``update_task`` webhook, whoever made it, rentflow's own PATCH included.

A task as read: ``id``, ``created_by``, ``updated_by``, ``created_at``, ``updated_at``,
``responsible_user_id``, ``group_id``, ``entity_id``, ``entity_type``, ``is_completed``,
``task_type_id``, ``text``, ``duration``, ``complete_till``, ``result`` (``[]`` until a
result is given, then ``{"text": ...}``), ``account_id``, ``_links``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from markupsafe import escape

from sandbox.amocrm.common import MAX_LIMIT, MAX_PATCH, account, problem
from sandbox.amocrm.sender import task_changed
from sandbox.amocrm.state import AmoAccount

bp = Blueprint("amocrm_tasks", __name__)


def _shown(acc: AmoAccount, row: dict[str, Any]) -> dict[str, Any]:
    created = int(row.get("created_at") or acc.clock())
    return {
        "id": row["id"], "created_by": 0, "updated_by": 0, "created_at": created,
        "updated_at": int(row.get("updated_at") or created),
        "responsible_user_id": row.get("responsible_user_id", 0), "group_id": 0,
        "entity_id": row.get("entity_id"), "entity_type": row.get("entity_type", "leads"),
        "is_completed": bool(row.get("is_completed", False)),
        "task_type_id": row.get("task_type_id", 1), "text": row.get("text", ""),
        "duration": row.get("duration", 0), "complete_till": row.get("complete_till"),
        "result": row.get("result") or [], "account_id": acc.account_id,
        "_links": {"self": {"href": f"/api/v4/tasks/{row['id']}"}},
    }  # fmt: skip


def _ids(name: str) -> set[int]:
    values = request.args.getlist(f"filter[{name}][]") + request.args.getlist(f"filter[{name}]")
    return {int(v) for v in values if v.strip().isdigit()}


@bp.get("/api/v4/tasks")
def list_tasks() -> ResponseReturnValue:
    acc = account()
    ids, entities = _ids("id"), _ids("entity_id")
    completed = request.args.get("filter[is_completed]")
    kind = request.args.get("filter[entity_type]")
    limit = max(1, min(MAX_LIMIT, int(request.args.get("limit") or MAX_LIMIT)))
    page = max(1, int(request.args.get("page") or 1))
    with acc._lock:
        rows = [
            t
            for t in acc.tasks
            if (not ids or int(t["id"]) in ids)
            and (not entities or int(t.get("entity_id", 0)) in entities)
            and (kind is None or t.get("entity_type") == kind)
            and (completed is None or bool(t.get("is_completed")) == (completed in {"1", "true"}))
        ]
    chunk = rows[(page - 1) * limit : page * limit]
    if not chunk:
        return Response(status=204)
    links: dict[str, Any] = {"self": {"href": request.full_path}}
    if len(rows) > page * limit:
        links["next"] = {"href": f"/api/v4/tasks?page={page + 1}&limit={limit}"}
    return jsonify({
        "_page": page, "_links": links,
        "_embedded": {"tasks": [_shown(acc, t) for t in chunk]},
    })  # fmt: skip


@bp.get("/api/v4/tasks/<int:task_id>")
def get_task(task_id: int) -> ResponseReturnValue:
    acc = account()
    row = _find(acc, task_id)
    if row is None:
        return _not_found()
    return jsonify(_shown(acc, row))


def _find(acc: AmoAccount, task_id: int) -> dict[str, Any] | None:
    with acc._lock:
        return next((t for t in acc.tasks if int(t["id"]) == task_id), None)


def _not_found() -> ResponseReturnValue:
    return problem(404, "Task not found")


def _update(acc: AmoAccount, row: dict[str, Any], change: dict[str, Any]) -> None:
    """Change a task and tell the ``update_task`` subscribers, as amoCRM does."""
    with acc._lock:
        for key in ("text", "complete_till", "responsible_user_id", "is_completed"):
            if key in change:
                row[key] = change[key]
        if isinstance(change.get("result"), dict) and change["result"].get("text"):
            row["result"] = {"text": str(change["result"]["text"])}
        row["updated_at"] = int(acc.clock())
        task = dict(row)
    task_changed(acc, task)


@bp.patch("/api/v4/tasks")
def patch_tasks() -> ResponseReturnValue:
    acc = account()
    items = request.get_json(silent=True)
    if not isinstance(items, list) or not items or len(items) > MAX_PATCH:
        return problem(400, "Request validation failed")
    found = [_find(acc, int(i.get("id", 0))) if isinstance(i, dict) else None for i in items]
    rows = [r for r in found if r is not None]
    if len(rows) != len(items):
        return problem(400, "Request validation failed")
    out = []
    for n, (item, row) in enumerate(zip(items, rows, strict=True)):
        _update(acc, row, item)
        out.append({"id": row["id"], "updated_at": row["updated_at"], "request_id": str(n)})
    return jsonify({"_embedded": {"tasks": out}})


@bp.patch("/api/v4/tasks/<int:task_id>")
def patch_task(task_id: int) -> ResponseReturnValue:
    acc = account()
    row = _find(acc, task_id)
    if row is None:
        return _not_found()
    _update(acc, row, request.get_json(silent=True) or {})
    return jsonify({"id": row["id"], "updated_at": row["updated_at"]})


# ---- the manager, played in a page -------------------------------------------------------


@bp.get("/_sandbox/tasks")
def tasks_page() -> ResponseReturnValue:
    """The account's tasks with a form to close each with a result, as a manager would."""
    acc = account()
    with acc._lock:
        rows = list(acc.tasks)
    items = []
    for row in rows:
        head = f"<h2>#{row['id']} · {escape(row.get('text', ''))}</h2>"
        if row.get("is_completed"):
            result = (row.get("result") or {}).get("text", "")
            items.append(f'<li class="task done">{head}<p>✔ {escape(result)}</p></li>')
            continue
        items.append(
            f'<li class="task">{head}<form method="post" action="tasks/{row["id"]}/complete">'
            f'<label>Результат <input name="result" required></label> '
            f'<button type="submit">Завершить</button></form></li>'
        )
    body = "".join(items) or "<li>Задач нет</li>"
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Задачи — amoCRM'
        f"</title></head><body><h1>Задачи (amoCRM sandbox)</h1><ul>{body}</ul></body></html>"
    )


@bp.post("/_sandbox/tasks/<int:task_id>/complete")
def complete_page(task_id: int) -> ResponseReturnValue:
    acc = account()
    row = _find(acc, task_id)
    if row is None:
        return _not_found()
    text = (request.get_json(silent=True) or request.form).get("result", "")
    _update(acc, row, {"is_completed": True, "result": {"text": text}})
    if request.is_json:
        return jsonify(_shown(acc, row))
    return Response(status=303, headers={"Location": "../../tasks"})
