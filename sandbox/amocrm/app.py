"""The amoCRM emulator as a Flask app: OAuth token endpoint and API v4 endpoints rentflow uses.

Shapes: https://www.amocrm.ru/developers/content/crm_platform/leads-api (leads, PATCH of a
list, ``_links.next`` pagination, 204 when nothing is found),
https://www.amocrm.ru/developers/content/crm_platform/custom-fields,
https://www.amocrm.ru/developers/content/crm_platform/events-and-notes (notes),
https://www.amocrm.ru/developers/content/crm_platform/tasks-api,
https://www.amocrm.ru/developers/content/crm_platform/api-reference (errors are
``application/problem+json`` with ``validation-errors``),
https://www.amocrm.ru/developers/content/crm_platform/webhooks-api (webhooks set by API),
https://www.amocrm.ru/developers/content/oauth/step-by-step (the authorization page hands
``code``, ``referer`` and ``state`` to the integration's redirect_uri).

As strict as the real API where rentflow could get it wrong: ``with`` is honoured (a lead's
``_embedded.contacts`` only with ``with=contacts``; companies always, per leads-api), URL
and numeric custom fields refuse values of another kind, the token endpoint checks the
client and the ``redirect_uri``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, request
from markupsafe import escape

from sandbox.amocrm.state import AmoAccount, OAuthRejected

MAX_PATCH = 50  # leads per PATCH call (leads-api: "не более 50 сделок")
MAX_LIMIT = 250
# webhooks-format: the events a webhook may subscribe to (the ones about leads here)
WEBHOOK_EVENTS = frozenset({
    "add_lead", "update_lead", "delete_lead", "restore_lead", "status_lead",
    "responsible_lead", "note_lead", "add_contact", "update_contact", "add_company",
    "update_company", "add_task", "update_task",
})  # fmt: skip


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> Response:
    body: dict[str, Any] = {
        "title": {400: "Bad Request", 401: "Unauthorized", 429: "Too Many Requests"}.get(
            status, "Error"
        ),
        "type": f"https://httpstatus.es/{status}",
        "status": status,
        "detail": detail,
    }
    if errors:
        body["validation-errors"] = errors
    answer = jsonify(body)
    answer.status_code = status
    answer.mimetype = "application/problem+json"
    return answer


def create_emulator(account: AmoAccount | None = None) -> Flask:
    """A WSGI app emulating one amoCRM account (``app.config["AMO_ACCOUNT"]``)."""
    app = Flask(__name__)
    app.config["AMO_ACCOUNT"] = account or AmoAccount()
    app.register_blueprint(bp)
    from sandbox.amocrm.tasks import bp as tasks_bp

    app.register_blueprint(tasks_bp)
    return app


bp = Blueprint("amocrm_emulator", __name__)


def _acc() -> AmoAccount:
    account: AmoAccount = current_app.config["AMO_ACCOUNT"]
    return account


@bp.before_app_request
def _guard() -> Response | None:
    acc = _acc()
    if not request.path.startswith("/api/v4/"):
        return None
    if not acc.admit():
        return _problem(429, "Too many requests")
    if acc.faults:
        return _problem(acc.faults.popleft(), "Injected fault")
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not acc.access_ok(token):
        return _problem(401, "Unauthorized")
    return None


@bp.after_app_request
def _log(answer: Response) -> Response:
    acc = _acc()
    if request.path.startswith(("/api/v4/", "/oauth2/")):
        with acc._lock:
            acc.calls.append((request.method, request.path, answer.status_code))
    return answer


@bp.get("/")
def index() -> Response:
    """What a newcomer sees at /sandbox/amocrm/: the account, its pipelines and leads, and how
    to install rentflow on it (the API lives under /api/v4/, OAuth at /oauth and
    /oauth2/access_token)."""
    acc = _acc()
    rows = "".join(
        f"<li>{lead['id']}: {escape(str(lead.get('name', '')))}"
        f" — status {lead.get('status_id')}</li>"
        for lead in list(acc.leads.values())[:50]
    )
    statuses = "".join(
        f"<li>{escape(p['name'])}: "
        + ", ".join(f"{st['id']} {escape(st['name'])}" for st in p["_embedded"]["statuses"])
        + "</li>"
        for p in acc.pipelines
    )
    html = (
        "<!doctype html><meta charset='utf-8'><title>amoCRM sandbox</title>"
        f"<h1>amoCRM sandbox account {acc.account_id} ({escape(acc.base_url_host)})</h1>"
        f"<h2>Pipelines</h2><ul>{statuses}</ul><h2>Leads</h2><ul>{rows or '<li>none yet</li>'}</ul>"
        "<h2>Install rentflow</h2><p>Run rentflow with "
        "<code>AMOCRM_BASE_URL=http://127.0.0.1:8000/sandbox/amocrm</code> and open "
        f"<a href='{escape(_rentflow_install(acc))}'>rentflow's install page</a>: it sends "
        "you to this account's authorization page, which hands a fresh code back to "
        "rentflow with the state, as amoCRM's does.</p>"
    )
    return Response(html, mimetype="text/html")


def _rentflow_install(acc: AmoAccount) -> str:
    parts = urlsplit(acc.redirect_uri)
    return f"{parts.scheme}://{parts.netloc}/amocrm/install"


@bp.get("/oauth")
def authorize() -> Any:
    """The authorization page after the admin allowed access: redirect to the integration's
    redirect_uri with ``code``, ``referer``, ``state`` and ``platform`` (step-by-step)."""
    acc = _acc()
    if request.args.get("client_id") != acc.client_id:
        return Response("Unknown integration", status=400, mimetype="text/plain")
    query = {
        "code": acc.issue_code(),
        "referer": acc.base_url_host,
        "state": request.args.get("state", ""),
        "platform": "1",
    }
    return redirect(f"{acc.redirect_uri}?{urlencode(query)}")


@bp.post("/oauth2/access_token")
def access_token() -> Any:
    acc = _acc()
    data = request.get_json(silent=True) or request.form.to_dict()
    try:
        return jsonify(acc.grant({k: str(v) for k, v in data.items()}))
    except OAuthRejected as exc:
        answer = jsonify(exc.body)
        answer.status_code = exc.status
        answer.mimetype = "application/problem+json"
        return answer


def _with() -> set[str]:
    return {part.strip() for part in request.args.get("with", "").split(",") if part.strip()}


def _lead_view(lead: dict[str, Any], with_: set[str]) -> dict[str, Any]:
    """A lead as the API shows it: contacts only when ``with=contacts`` was asked."""
    view = copy.deepcopy(lead)
    if "contacts" not in with_:
        view["_embedded"].pop("contacts", None)
    return view


@bp.get("/api/v4/account")
def account_info() -> Any:
    acc = _acc()
    return jsonify(
        {
            "id": acc.account_id,
            "name": "Sandbox",
            "subdomain": acc.subdomain,
            "country": "RU",
            "currency": "RUB",
        }
    )


@bp.get("/api/v4/leads/<int:lead_id>")
def get_lead(lead_id: int) -> Any:
    acc = _acc()
    lead = acc.leads.get(lead_id)
    if lead is None:
        return Response(status=204)
    return jsonify(_lead_view(lead, _with()))


@bp.get("/api/v4/companies/<int:company_id>")
def get_company(company_id: int) -> Any:
    """GET /api/v4/companies/{id} (https://www.amocrm.ru/developers/content/crm_platform/
    companies-api); 204 when there is none, as for leads."""
    company = _acc().companies.get(company_id)
    return jsonify(company) if company is not None else Response(status=204)


@bp.get("/api/v4/contacts/<int:contact_id>")
def get_contact(contact_id: int) -> Any:
    """GET /api/v4/contacts/{id} (https://www.amocrm.ru/developers/content/crm_platform/
    contacts-api)."""
    contact = _acc().contacts.get(contact_id)
    return jsonify(contact) if contact is not None else Response(status=204)


@bp.get("/api/v4/webhooks")
def list_webhooks() -> Any:
    """The account's webhooks, ``filter[destination]`` an exact address (webhooks-api)."""
    acc = _acc()
    wanted = request.args.get("filter[destination]")
    with acc._lock:
        hooks = [dict(h) for h in acc.webhooks if wanted is None or h["destination"] == wanted]
    if not hooks:
        return Response(status=204)
    return jsonify({"_total_items": len(hooks), "_embedded": {"webhooks": hooks}})


@bp.post("/api/v4/webhooks")
def add_webhook() -> Any:
    """Subscribe: ``{"destination": <valid URL>, "settings": [events], "sort": n}``."""
    acc = _acc()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _problem(400, "Request validation failed")
    destination, events = body.get("destination"), body.get("settings")
    errors = []
    if not isinstance(destination, str) or not _is_url(destination):
        errors.append({"code": "InvalidValue", "path": "destination", "detail": "Invalid URL"})
    if not isinstance(events, list) or not events or not set(events) <= WEBHOOK_EVENTS:
        errors.append({"code": "NotSupportedChoice", "path": "settings", "detail": "Bad events"})
    if errors or not isinstance(events, list):
        return _problem(400, "Request validation failed", [{"request_id": "0", "errors": errors}])
    try:
        hook = acc.add_webhook(
            str(destination), [str(e) for e in events], int(body.get("sort", 10))
        )
    except ValueError as exc:
        return _problem(400, str(exc))
    return jsonify(hook)


@bp.delete("/api/v4/webhooks")
def delete_webhook() -> Any:
    """Unsubscribe ``{"destination": <url>}``: 204 (webhooks-api)."""
    acc = _acc()
    body = request.get_json(silent=True)
    destination = body.get("destination") if isinstance(body, dict) else None
    if not isinstance(destination, str) or not destination:
        return _problem(400, "Request validation failed")
    acc.remove_webhook(destination)
    return Response(status=204)


@bp.get("/api/v4/leads")
def list_leads() -> Any:
    acc = _acc()
    page = max(int(request.args.get("page", 1)), 1)
    limit = min(max(int(request.args.get("limit", 50)), 1), MAX_LIMIT)
    ids = sorted(acc.leads)
    chunk = ids[(page - 1) * limit : page * limit]
    if not chunk:
        return Response(status=204)
    with_ = _with()
    links: dict[str, Any] = {"self": {"href": f"/api/v4/leads?page={page}&limit={limit}"}}
    if page * limit < len(ids):
        links["next"] = {"href": f"/api/v4/leads?page={page + 1}&limit={limit}"}
    return jsonify(
        {
            "_page": page,
            "_links": links,
            "_embedded": {"leads": [_lead_view(acc.leads[i], with_) for i in chunk]},
        }
    )


@bp.post("/api/v4/leads")
def add_leads() -> Any:
    acc = _acc()
    items = request.get_json(silent=True)
    if not isinstance(items, list) or not items or len(items) > MAX_PATCH:
        return _problem(400, "Request validation failed")
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
    acc = _acc()
    items = request.get_json(silent=True)
    if not isinstance(items, list) or not items:
        return _problem(400, "Request validation failed")
    if len(items) > MAX_PATCH:
        return _problem(400, f"Too many entities: at most {MAX_PATCH} per request")
    errors = [e for n, item in enumerate(items) if (e := _lead_errors(acc, n, item))]
    if errors:
        return _problem(400, "Request validation failed", errors)
    done = [_apply_patch(acc, item) for item in items]
    return jsonify({"_links": {"self": {"href": "/api/v4/leads"}}, "_embedded": {"leads": done}})


@bp.get("/api/v4/leads/pipelines")
def pipelines() -> Any:
    acc = _acc()
    return jsonify(
        {
            "_total_items": len(acc.pipelines),
            "_links": {"self": {"href": "/api/v4/leads/pipelines"}},
            "_embedded": {"pipelines": acc.pipelines},
        }
    )


@bp.get("/api/v4/leads/custom_fields")
def list_fields() -> Any:
    acc = _acc()
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
    acc = _acc()
    items = request.get_json(silent=True)
    if not isinstance(items, list) or not items:
        return _problem(400, "Request validation failed")
    created = []
    for n, item in enumerate(items):
        if not item.get("name") or item.get("type") not in {"text", "url", "date", "numeric"}:
            return _problem(
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
    acc = _acc()
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
    acc = _acc()
    return _create(acc, "notes", acc.notes, lambda i: i.get("note_type") == "common")


@bp.post("/api/v4/tasks")
def add_tasks() -> Any:
    acc = _acc()
    return _create(acc, "tasks", acc.tasks, lambda i: bool(i.get("text")) and "complete_till" in i)


def _create(
    acc: AmoAccount, name: str, store: list[dict[str, Any]], valid: Callable[[Any], bool]
) -> Response:
    items = request.get_json(silent=True)
    if not isinstance(items, list) or not items or len(items) > MAX_PATCH:
        return _problem(400, "Request validation failed")
    bad = [n for n, item in enumerate(items) if not isinstance(item, dict) or not valid(item)]
    if bad or any(int(i.get("entity_id", 0)) not in acc.leads for i in items):
        return _problem(400, "Request validation failed")
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
    if field_type == "url" and not (isinstance(value, str) and _is_url(value)):
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
