"""Companies and contacts of the emulated portal: ``crm.company.add|get|update`` and
``crm.contact.add|get|update`` (EN apidocs: api-reference/crm/companies/crm-company-*.md,
crm/contacts/crm-contact-*.md). PHONE and EMAIL are crm_multifield lists: an entry with an
``ID`` and a ``VALUE`` changes that value, with ``DELETE: "Y"`` (or an empty ``VALUE``) removes
it, without ``ID`` adds one (tutorials/crm/how-to-edit-crm-objects/how-to-change-email-or-
phone.md). An unknown id is 400 "Not found"; an invalid e-mail is ERROR_CORE, as the page
lists. Fields the method does not know are ignored, as the page says.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.bitrix24.methods import RestError, int_param, method
from sandbox.bitrix24.state import PortalState

_FIELDS = {
    "company": ("TITLE", "COMMENTS", "ASSIGNED_BY_ID", "PHONE", "EMAIL"),
    "contact": ("NAME", "LAST_NAME", "SECOND_NAME", "COMMENTS", "ASSIGNED_BY_ID", "PHONE", "EMAIL"),
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _multifield(portal: PortalState, type_id: str, old: list[dict[str, Any]],
                given: Any) -> list[dict[str, Any]]:  # fmt: skip
    if not isinstance(given, list):
        raise RestError(400, "ERROR_CORE", f"{type_id} must be an array of crm_multifield")
    rows = [dict(r) for r in old]
    for entry in given:
        value = str(entry.get("VALUE", ""))
        if type_id == "EMAIL" and value and not _EMAIL.fullmatch(value):
            raise RestError(400, "ERROR_CORE", "The E-mail field contains an invalid address")
        if entry.get("ID"):
            found = next((r for r in rows if str(r["ID"]) == str(entry["ID"])), None)
            if found is None:
                continue
            if entry.get("DELETE") == "Y" or not value:
                rows.remove(found)
            else:
                found["VALUE"] = value
        elif value:
            kind = entry.get("VALUE_TYPE", "WORK")
            new_id = str(_next_multifield_id(portal, rows))
            rows.append({"ID": new_id, "VALUE": value, "VALUE_TYPE": kind, "TYPE_ID": type_id})
    return rows


def _next_multifield_id(portal: PortalState, pending: list[dict[str, Any]]) -> int:
    """Multifield ids are unique across the portal's companies and contacts."""
    ids = [int(e["ID"]) for e in pending]
    for rows in portal.parties.values():
        for row in rows.values():
            ids += [int(e["ID"]) for name in ("PHONE", "EMAIL") for e in row.get(name) or []]
    return max(ids, default=1000) + 1


def _write(portal: PortalState, kind: str, row: dict[str, Any], fields: Any) -> None:
    if not isinstance(fields, dict):
        raise RestError(400, "", "Parameter 'fields' must be an array")
    for name in _FIELDS[kind]:
        if name not in fields:
            continue
        if name in {"PHONE", "EMAIL"}:
            row[name] = _multifield(portal, name, row.get(name) or [], fields[name])
        else:
            row[name] = fields[name]


def _find(portal: PortalState, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    row = portal.parties[kind].get(int_param(params, "id" if "id" in params else "ID"))
    if row is None:
        raise RestError(400, "", f"{kind.capitalize()} is not found")
    return row


def _add(portal: PortalState, kind: str, params: dict[str, Any]) -> Any:
    with portal.lock:
        new_id = max(portal.parties[kind], default=0) + 1
        row: dict[str, Any] = {"ID": str(new_id)}
        _write(portal, kind, row, params.get("fields") or params.get("FIELDS"))
        portal.parties[kind][new_id] = row
    return new_id


def _get(portal: PortalState, kind: str, params: dict[str, Any]) -> Any:
    with portal.lock:
        return dict(_find(portal, kind, params))


def _update(portal: PortalState, kind: str, params: dict[str, Any]) -> Any:
    with portal.lock:
        row = _find(portal, kind, params)
        _write(portal, kind, row, params.get("fields") or params.get("FIELDS"))
    return True


@method("crm.company.add")
def company_add(portal: PortalState, params: dict[str, Any]) -> Any:
    return _add(portal, "company", params)


@method("crm.company.get")
def company_get(portal: PortalState, params: dict[str, Any]) -> Any:
    return _get(portal, "company", params)


@method("crm.company.update")
def company_update(portal: PortalState, params: dict[str, Any]) -> Any:
    return _update(portal, "company", params)


@method("crm.contact.add")
def contact_add(portal: PortalState, params: dict[str, Any]) -> Any:
    return _add(portal, "contact", params)


@method("crm.contact.get")
def contact_get(portal: PortalState, params: dict[str, Any]) -> Any:
    return _get(portal, "contact", params)


@method("crm.contact.update")
def contact_update(portal: PortalState, params: dict[str, Any]) -> Any:
    return _update(portal, "contact", params)
