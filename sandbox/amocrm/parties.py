"""Editing companies and contacts in the emulated amoCRM account (the tenant cabinet's
contact changes): ``PATCH /api/v4/companies/{id}`` and ``PATCH /api/v4/contacts/{id}``
(https://www.amocrm.ru/developers/content/crm_platform/companies-api#company-edit,
.../contacts-api#contact-edit). ``name`` and ``custom_fields_values`` addressed by
``field_code`` (or ``field_id``); the values given replace the field's values. The answer is
the entity's ``id``, ``updated_at`` and ``_links``; an unknown id is 404."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, jsonify, request

from sandbox.amocrm.common import account, problem

bp = Blueprint("amocrm_emulator_parties", __name__)


def _apply(entity: dict[str, Any], body: dict[str, Any]) -> str | None:
    """Change ``entity`` as the PATCH body says; the reason it is refused, or None."""
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"].strip():
            return "name: must be a non-empty string"
        entity["name"] = body["name"]
    fields = body.get("custom_fields_values")
    if fields is None:
        return None
    if not isinstance(fields, list):
        return "custom_fields_values: must be an array"
    current = list(entity.get("custom_fields_values") or [])
    for item in fields:
        code, values = item.get("field_code"), item.get("values")
        if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
            return f"custom_fields_values[{code}].values: must be an array of objects"
        known = next((f for f in current if f.get("field_code") == code), None)
        if known is None:
            kind = "multitext" if code in {"PHONE", "EMAIL"} else "text"
            known = {"field_id": 710_000 + len(current), "field_name": code,
                     "field_code": code, "field_type": kind}  # fmt: skip
            current.append(known)
        known["values"] = [dict(v) for v in values]
    entity["custom_fields_values"] = [f for f in current if f.get("values")] or None
    return None


def _patch(kind: str, entity_id: int) -> Any:
    acc = account()
    store = acc.companies if kind == "companies" else acc.contacts
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Request validation failed")
    with acc._lock:
        entity = store.get(entity_id)
        if entity is None:
            return problem(404, f"{kind[:-1]} {entity_id} not found")
        reason = _apply(entity, body)
        if reason:
            return problem(400, reason)
        entity["updated_at"] = int(time.time())
    return jsonify({"id": entity_id, "updated_at": entity["updated_at"],
                    "_links": {"self": {"href": f"/api/v4/{kind}/{entity_id}"}}})  # fmt: skip


@bp.patch("/api/v4/companies/<int:company_id>")
def patch_company(company_id: int) -> Any:
    return _patch("companies", company_id)


@bp.patch("/api/v4/contacts/<int:contact_id>")
def patch_contact(contact_id: int) -> Any:
    return _patch("contacts", contact_id)
