"""The emulator's lead endpoints: leads, pipelines, lead custom fields, notes and tasks.

Shapes: https://www.amocrm.ru/developers/content/crm_platform/leads-api (leads, PATCH of a
list, ``_links.next`` pagination, 204 when nothing is found),
https://www.amocrm.ru/developers/content/crm_platform/custom-fields,
https://www.amocrm.ru/developers/content/crm_platform/events-and-notes (notes),
https://www.amocrm.ru/developers/content/crm_platform/tasks-api. As strict as the real API
where rentflow could get it wrong: ``with`` is honoured (a lead's ``_embedded.contacts`` only
with ``with=contacts``; companies always, per leads-api), URL and numeric custom fields refuse
values of another kind.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.amocrm.common import MAX_PATCH, account, is_url, paging, problem, with_
from sandbox.amocrm.state import AmoAccount

bp = Blueprint("amocrm_leads", __name__)


def _lead_view(lead: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    """A lead as the API shows it: contacts only when ``with=contacts`` was asked."""
    view = copy.deepcopy(lead)
    if "contacts" not in wanted:
        view["_embedded"].pop("contacts", None)
    return view


@bp.get("/api/v4/leads/<int:lead_id>")
def get_lead(lead_id: int) -> Any:
    acc = account()
    lead = acc.leads.get(lead_id)
    if lead is None:
        return Response(status=204)
    return jsonify(_lead_view(lead, with_()))


@bp.get("/api/v4/leads")
def list_leads() -> Any:
    acc = account()
    page, limit = paging()
    ids = sorted(acc.leads)
    chunk = ids[(page - 1) * limit : page * limit]
    if not chunk:
        return Response(status=204)
    wanted = with_()
    links: dict[str, Any] = {"self": {"href": f"/api/v4/leads?page={page}&limit={limit}"}}
    if page * limit < len(ids):
        links["next"] = {"href": f"/api/v4/leads?page={page + 1}&limit={limit}"}
    return jsonify(
        {
            "_page": page,
            "_links": links,
            "_embedded": {"leads": [_lead_view(acc.leads[i], wanted) for i in chunk]},
        }
    )


@bp.post("/api/v4/leads")
def add_leads() -> Any:
    acc = account()
    items = request.get_json(silent=True)
    if not isinstance(items, list) or not items or len(items) > MAX_PATCH:
        return problem(400, "Request validation failed")
    created = []
    for n, item in enumerate(items):
        lead_id = acc.add_lead(
            str(item.get("name", "")),
            int(item.get("status_id", 10001)),
            int(item.get("pipeline_id", 7001)),
        )
        created.append({"id": lead_id, "request_id": str(n)})
    return jsonify({"_embedded": {"leads": created}})


@bp.patch("/api/v4/leads")
def patch_leads() -> Any:
    acc = account()
    items = request.get_json(silent=True)
    if not isinstance(items, list) or not items:
        return problem(400, "Request validation failed")
    if len(items) > MAX_PATCH:
        return problem(400, f"Too many entities: at most {MAX_PATCH} per request")
    errors = [e for n, item in enumerate(items) if (e := _lead_errors(acc, n, item))]
    if errors:
        return problem(400, "Request validation failed", errors)
    done = [_apply_patch(acc, item) for item in items]
    return jsonify({"_links": {"self": {"href": "/api/v4/leads"}}, "_embedded": {"leads": done}})


@bp.get("/api/v4/leads/pipelines")
def pipelines() -> Any:
    acc = account()
    return jsonify(
        {
            "_total_items": len(acc.pipelines),
            "_links": {"self": {"href": "/api/v4/leads/pipelines"}},
            "_embedded": {"pipelines": acc.pipelines},
        }
    )


@bp.get("/api/v4/leads/custom_fields")
def list_fields() -> Any:
    acc = account()
    fields = sorted(acc.custom_fields.values(), key=lambda f: f["id"])
    if not fields:
        return Response(status=204)
    return jsonify(
        {
            "_total_items": len(fields),
            "_page": 1,
            "_links": {"self": {"href": "/api/v4/leads/custom_fields"}},
            "_embedded": {"custom_fields": fields},
        }
    )


@bp.post("/api/v4/leads/custom_fields")
def add_fields() -> Any:
    acc = account()
    items = request.get_json(silent=True)
    if not isinstance(items, list) or not items:
        return problem(400, "Request validation failed")
    created = []
    for n, item in enumerate(items):
        if not item.get("name") or item.get("type") not in {"text", "url", "date", "numeric"}:
            return problem(
                400,
                "Request validation failed",
                [
                    {
                        "request_id": str(n),
                        "errors": [
                            {"code": "NotSupportedChoice", "path": "type", "detail": "bad type"}
                        ],
                    }
                ],
            )
        field_id = acc.new_id()
        spec = {
            "id": field_id,
            "name": item["name"],
            "type": item["type"],
            "code": item.get("code"),
            "sort": item.get("sort", 500),
            "entity_type": "leads",
            "is_api_only": bool(item.get("is_api_only", False)),
            "account_id": acc.account_id,
            "request_id": str(n),
        }
        acc.custom_fields[field_id] = spec
        created.append(spec)
    return jsonify({"_embedded": {"custom_fields": created}})


@bp.get("/api/v4/leads/<int:lead_id>/notes")
def lead_notes(lead_id: int) -> Any:
    """GET /api/v4/{entity_type}/{entity_id}/notes (events-and-notes page): 204 when none."""
    acc = account()
    notes = [n for n in acc.notes if int(n.get("entity_id", 0)) == lead_id]
    if not notes:
        return Response(status=204)
    return jsonify(
        {
            "_page": 1,
            "_links": {"self": {"href": f"/api/v4/leads/{lead_id}/notes"}},
            "_embedded": {"notes": notes},
        }
    )


@bp.post("/api/v4/leads/notes")
def add_notes() -> Any:
    acc = account()
    return _create(acc, "notes", acc.notes, lambda i: i.get("note_type") == "common")


@bp.post("/api/v4/tasks")
def add_tasks() -> Any:
    acc = account()
    return _create(acc, "tasks", acc.tasks, lambda i: bool(i.get("text")) and "complete_till" in i)


def _create(
    acc: AmoAccount, name: str, store: list[dict[str, Any]], valid: Callable[[Any], bool]
) -> Response:
    items = request.get_json(silent=True)
    if not isinstance(items, list) or not items or len(items) > MAX_PATCH:
        return problem(400, "Request validation failed")
    bad = [n for n, item in enumerate(items) if not isinstance(item, dict) or not valid(item)]
    if bad or any(int(i.get("entity_id", 0)) not in acc.leads for i in items):
        return problem(400, "Request validation failed")
    out = []
    for n, item in enumerate(items):
        row = {**item, "id": acc.new_id(), "request_id": str(n)}
        with acc._lock:
            store.append(row)
        out.append({"id": row["id"], "entity_id": item.get("entity_id"), "request_id": str(n)})
    return jsonify({"_embedded": {name: out}})


def _lead_errors(acc: AmoAccount, n: int, item: Any) -> dict[str, Any] | None:
    def err(path: str, detail: str) -> dict[str, Any]:
        code = "NotSupportedChoice"
        return {"request_id": str(n), "errors": [{"code": code, "path": path, "detail": detail}]}

    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        return err("id", "This value should be of type int.")
    lead = acc.leads.get(item["id"])
    if lead is None:
        return err("id", "Entity not found")
    if "status_id" in item:
        pipeline = int(item.get("pipeline_id", lead["pipeline_id"]))
        if item["status_id"] not in acc.status_ids(pipeline):
            return err("status_id", "The value you selected is not a valid choice.")
    for n_field, value in enumerate(item.get("custom_fields_values") or []):
        spec = acc.custom_fields.get(value.get("field_id"))
        if spec is None:
            return err("custom_fields_values.field_id", "The field does not exist.")
        for n_value, entry in enumerate(value.get("values") or []):
            problem = _value_problem(spec["type"], entry.get("value"))
            if problem:
                path = f"custom_fields_values.{n_field}.values.{n_value}.value"
                return err(path, problem)
    return None


def _value_problem(field_type: str, value: Any) -> str:
    """Why amoCRM would refuse ``value`` for a field of ``field_type`` ("" if it would not):
    url fields take a URL, numeric ones a number, text ones a string
    (https://www.amocrm.ru/developers/content/crm_platform/custom-fields, values by type)."""
    if field_type == "url" and not (isinstance(value, str) and is_url(value)):
        return "This value is not a valid URL."
    if field_type == "numeric":
        try:
            float(str(value))
        except ValueError:
            return "This value should be a number."
    if field_type == "text" and not isinstance(value, str | int | float):
        return "This value should be of type string."
    return ""


def _apply_patch(acc: AmoAccount, item: dict[str, Any]) -> dict[str, Any]:
    with acc._lock:
        lead = acc.leads[item["id"]]
        for key in ("name", "price", "status_id", "pipeline_id", "responsible_user_id"):
            if key in item:
                lead[key] = item[key]
        if item.get("custom_fields_values"):
            current = {v["field_id"]: v for v in lead.get("custom_fields_values") or []}
            for value in item["custom_fields_values"]:
                current[value["field_id"]] = {
                    "field_id": value["field_id"],
                    "field_name": acc.custom_fields[value["field_id"]]["name"],
                    "field_code": acc.custom_fields[value["field_id"]].get("code"),
                    "field_type": acc.custom_fields[value["field_id"]]["type"],
                    "values": value["values"],
                }
            lead["custom_fields_values"] = list(current.values())
        lead["updated_at"] = int(acc.clock())
        return {"id": lead["id"], "updated_at": lead["updated_at"], "_links": {}}
