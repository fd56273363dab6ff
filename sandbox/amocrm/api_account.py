"""The emulator's account endpoints: the account, its users, companies, contacts, webhooks.

Shapes: https://www.amocrm.ru/developers/content/crm_platform/account-info,
https://www.amocrm.ru/developers/content/crm_platform/users-api (a user with its ``rights``,
``rights.is_admin`` among them; the official client reads the same keys:
github:amocrm/amocrm-api-php src/AmoCRM/Models/UserModel.php and Rights/RightModel.php
``fromArray``), https://www.amocrm.ru/developers/content/crm_platform/companies-api,
.../contacts-api, https://www.amocrm.ru/developers/content/crm_platform/webhooks-api
(webhooks set by API).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.amocrm.common import account, is_url, paging, problem

bp = Blueprint("amocrm_account", __name__)

# webhooks-format: the events a webhook may subscribe to (the ones about leads here)
WEBHOOK_EVENTS = frozenset({
    "add_lead", "update_lead", "delete_lead", "restore_lead", "status_lead",
    "responsible_lead", "note_lead", "add_contact", "update_contact", "add_company",
    "update_company", "add_task", "update_task",
})  # fmt: skip


@bp.get("/api/v4/account")
def account_info() -> Any:
    acc = account()
    return jsonify(
        {
            "id": acc.account_id,
            "name": "Sandbox",
            "subdomain": acc.subdomain,
            "country": "RU",
            "currency": "RUB",
        }
    )


@bp.get("/api/v4/companies/<int:company_id>")
def get_company(company_id: int) -> Any:
    """GET /api/v4/companies/{id} (https://www.amocrm.ru/developers/content/crm_platform/
    companies-api); 204 when there is none, as for leads."""
    company = account().companies.get(company_id)
    return jsonify(company) if company is not None else Response(status=204)


@bp.get("/api/v4/contacts/<int:contact_id>")
def get_contact(contact_id: int) -> Any:
    """GET /api/v4/contacts/{id} (https://www.amocrm.ru/developers/content/crm_platform/
    contacts-api)."""
    contact = account().contacts.get(contact_id)
    return jsonify(contact) if contact is not None else Response(status=204)


@bp.get("/api/v4/webhooks")
def list_webhooks() -> Any:
    """The account's webhooks, ``filter[destination]`` an exact address (webhooks-api)."""
    acc = account()
    wanted = request.args.get("filter[destination]")
    with acc._lock:
        hooks = [dict(h) for h in acc.webhooks if wanted is None or h["destination"] == wanted]
    if not hooks:
        return Response(status=204)
    return jsonify({"_total_items": len(hooks), "_embedded": {"webhooks": hooks}})


@bp.post("/api/v4/webhooks")
def add_webhook() -> Any:
    """Subscribe: ``{"destination": <valid URL>, "settings": [events], "sort": n}``."""
    acc = account()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Request validation failed")
    destination, events = body.get("destination"), body.get("settings")
    errors = []
    if not isinstance(destination, str) or not is_url(destination):
        errors.append({"code": "InvalidValue", "path": "destination", "detail": "Invalid URL"})
    if not isinstance(events, list) or not events or not set(events) <= WEBHOOK_EVENTS:
        errors.append({"code": "NotSupportedChoice", "path": "settings", "detail": "Bad events"})
    if errors or not isinstance(events, list):
        return problem(400, "Request validation failed", [{"request_id": "0", "errors": errors}])
    try:
        hook = acc.add_webhook(
            str(destination), [str(e) for e in events], int(body.get("sort", 10))
        )
    except ValueError as exc:
        return problem(400, str(exc))
    return jsonify(hook)


@bp.delete("/api/v4/webhooks")
def delete_webhook() -> Any:
    """Unsubscribe ``{"destination": <url>}``: 204 (webhooks-api)."""
    acc = account()
    body = request.get_json(silent=True)
    destination = body.get("destination") if isinstance(body, dict) else None
    if not isinstance(destination, str) or not destination:
        return problem(400, "Request validation failed")
    acc.remove_webhook(destination)
    return Response(status=204)


@bp.get("/api/v4/users")
def list_users() -> Any:
    """The account's users, paged (users-api: ``_embedded.users``, ``_links.next``)."""
    acc = account()
    page, limit = paging()
    with acc._lock:
        everyone = list(acc.users)
    users = everyone[(page - 1) * limit : page * limit]
    if not users:
        return Response(status=204)
    links: dict[str, Any] = {"self": {"href": f"/api/v4/users?page={page}&limit={limit}"}}
    if page * limit < len(everyone):
        links["next"] = {"href": f"/api/v4/users?page={page + 1}&limit={limit}"}
    return jsonify({"_total_items": len(everyone), "_page": page, "_links": links,
                    "_embedded": {"users": users}})  # fmt: skip


@bp.get("/api/v4/users/<int:user_id>")
def get_user(user_id: int) -> Any:
    """One user with its rights; 204 when there is none, as for leads."""
    user = account().user(user_id)
    return jsonify(user) if user is not None else Response(status=204)
