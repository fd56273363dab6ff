"""The CRM's parties a lease form reads: companies, contacts and their requisites.

Shapes from the EN REST docs (bitrix24/b24restdocs): api-reference/crm/companies/
crm-company-get and crm/contacts/crm-contact-get (``EMAIL`` a multifield list; an unknown
id is 400 ``Not found``), crm/requisites/universal/crm-requisite-list (``filter`` by
``ENTITY_TYPE_ID`` 4 = company and ``ENTITY_ID``; ``RQ_INN``, ``RQ_KPP``, ``RQ_COMPANY_NAME``).
"""

from __future__ import annotations

from typing import Any

from sandbox.bitrix24.methods import Page, RestError, int_param, method, page_of
from sandbox.bitrix24.state import PortalState


def _one(table: dict[int, dict[str, Any]], params: dict[str, Any]) -> Any:
    found = table.get(int_param(params, "id"))
    if found is None:
        raise RestError(400, "", "Not found")
    return dict(found)


@method("crm.company.get")
def company_get(portal: PortalState, params: dict[str, Any]) -> Any:
    return _one(portal.companies, params)


@method("crm.contact.get")
def contact_get(portal: PortalState, params: dict[str, Any]) -> Any:
    return _one(portal.contacts, params)


@method("crm.requisite.list")
def requisite_list(portal: PortalState, params: dict[str, Any]) -> Any:
    wanted = {str(k): str(v) for k, v in (params.get("filter") or {}).items()}
    rows = [r for r in portal.requisites if all(str(r.get(k)) == v for k, v in wanted.items())]
    chunk, total, nxt = page_of(rows, params)
    return Page(chunk, total, nxt)
