"""Adding and editing the emulated portal's companies and contacts (the tenant cabinet's
contact changes): ``crm.company.add|update``, ``crm.contact.add|update`` (EN apidocs:
api-reference/crm/companies/crm-company-{add,update}.md, crm/contacts/crm-contact-{add,
update}.md). PHONE and EMAIL are crm_multifield lists: an entry with an ``ID`` and a
``VALUE`` changes that value, with ``DELETE: "Y"`` (or an empty ``VALUE``) removes it, one
without ``ID`` is added (tutorials/crm/how-to-edit-crm-objects/how-to-change-email-or-
phone.md). An unknown id is 400 "Not found", an invalid e-mail ERROR_CORE "The E-mail field
contains an invalid address", as the update page lists; fields the method does not know are
ignored, as it says. Reading them is ``party_methods``.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.bitrix24.methods import RestError, int_param, method
from sandbox.bitrix24.state import PortalState

_FIELDS = {
    "company": ("TITLE", "COMMENTS", "ASSIGNED_BY_ID", "ADDRESS", "PHONE", "EMAIL"),
    "contact": ("NAME", "LAST_NAME", "SECOND_NAME", "COMMENTS", "ASSIGNED_BY_ID", "PHONE", "EMAIL"),
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _table(portal: PortalState, kind: str) -> dict[int, dict[str, Any]]:
    return portal.companies if kind == "company" else portal.contacts


def _next_multifield_id(portal: PortalState, pending: list[dict[str, Any]]) -> int:
    """Multifield ids are unique across the portal's companies and contacts."""
    ids = [int(e["ID"]) for e in pending]
    for table in (portal.companies, portal.contacts):
        for row in table.values():
            ids += [int(e["ID"]) for name in ("PHONE", "EMAIL") for e in row.get(name) or []]
    return max(ids, default=1000) + 1


def _multifield(
    portal: PortalState, type_id: str, old: list[dict[str, Any]], given: Any
) -> list[dict[str, Any]]:
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


def _write(portal: PortalState, kind: str, row: dict[str, Any], fields: Any) -> None:
    if not isinstance(fields, dict):
        raise RestError(400, "", "Parameter 'fields' must be an array")
    for name in _FIELDS[kind]:
        if name not in fields:
            continue
        if name in {"PHONE", "EMAIL"}:
            row[name] = _multifield(portal, name, row.get(name) or [], fields[name])
            row[f"HAS_{name}"] = "Y" if row[name] else "N"
        else:
            row[name] = fields[name]


def _add(portal: PortalState, kind: str, params: dict[str, Any]) -> Any:
    table = _table(portal, kind)
    with portal.lock:
        new_id = max(table, default=0) + 1
        row: dict[str, Any] = {"ID": str(new_id)}
        _write(portal, kind, row, params.get("fields") or params.get("FIELDS"))
        table[new_id] = row
    return new_id


def _update(portal: PortalState, kind: str, params: dict[str, Any]) -> Any:
    table = _table(portal, kind)
    with portal.lock:
        row = table.get(int_param(params, "id" if "id" in params else "ID"))
        if row is None:
            raise RestError(400, "", "Not found")
        _write(portal, kind, row, params.get("fields") or params.get("FIELDS"))
    return True


@method("crm.company.add")
def company_add(portal: PortalState, params: dict[str, Any]) -> Any:
    return _add(portal, "company", params)


@method("crm.company.update")
def company_update(portal: PortalState, params: dict[str, Any]) -> Any:
    return _update(portal, "company", params)


@method("crm.contact.add")
def contact_add(portal: PortalState, params: dict[str, Any]) -> Any:
    return _add(portal, "contact", params)


@method("crm.contact.update")
def contact_update(portal: PortalState, params: dict[str, Any]) -> Any:
    return _update(portal, "contact", params)
