"""The tenant of a lead, from its company and contacts in amoCRM.

- The lead names its company in ``_embedded.companies`` and, only when asked with
  ``?with=contacts``, its contacts in ``_embedded.contacts`` (``is_main`` first)
  (https://www.amocrm.ru/developers/content/crm_platform/leads-api, "with" parameters).
- ``GET /api/v4/companies/{id}`` and ``GET /api/v4/contacts/{id}``
  (https://www.amocrm.ru/developers/content/crm_platform/companies-api, .../contacts-api):
  ``name`` and ``custom_fields_values``; e-mails are the multitext field coded ``EMAIL``.
- INN/KPP: the company's "legal entity" field (``field_type`` ``legal_entity``, value an
  object with ``name``, ``vat_id`` = ИНН, ``kpp`` = КПП — github:amocrm/amocrm-api-php,
  src/AmoCRM/Models/CustomFieldsValues/ValueModels/LegalEntityCustomFieldValueModel.php),
  else a plain field coded or named INN/ИНН, KPP/КПП, as accounts often add.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from crm_mappings.amocrm.client import AmoClient
from crm_mappings.port import CrmNotFound

_INN = {"INN", "ИНН"}
_KPP = {"KPP", "КПП"}


@dataclass(frozen=True)
class TenantRequisites:
    """What amoCRM knows of a lead's tenant (Арендатор): empty strings when unknown."""

    name: str = ""
    inn: str = ""
    kpp: str = ""
    emails: tuple[str, ...] = ()

    def as_lease_json(self) -> dict[str, Any]:
        """The ``tenant`` block of the lease JSON (docs/lease-input.md)."""
        return {"name": self.name, "inn": self.inn, "kpp": self.kpp, "emails": list(self.emails)}


def tenant_of_lead(client: AmoClient, lead_id: str) -> TenantRequisites:
    """Read the lead with its contacts, then its company and contacts."""
    lead = client.request("GET", f"/api/v4/leads/{int(lead_id)}", params={"with": "contacts"})
    if lead is None:
        raise CrmNotFound(f"amoCRM lead {lead_id} not found")
    embedded = lead.get("_embedded") or {}
    company = _read(client, "companies", embedded.get("companies") or [])
    contacts = sorted(embedded.get("contacts") or [], key=lambda c: not c.get("is_main"))
    people = [p for c in contacts if (p := _read(client, "contacts", [c])) is not None]
    emails = _emails([company, *people] if company else people)
    if company is not None:
        inn, kpp = _inn_kpp(company.get("custom_fields_values") or [])
        return TenantRequisites(str(company.get("name", "")), inn, kpp, emails)
    name = str(people[0].get("name", "")) if people else ""
    return TenantRequisites(name, "", "", emails)


def _read(client: AmoClient, kind: str, linked: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not linked:
        return None
    found: dict[str, Any] | None = client.request("GET", f"/api/v4/{kind}/{int(linked[0]['id'])}")
    return found


def _inn_kpp(values: Iterable[dict[str, Any]]) -> tuple[str, str]:
    inn = kpp = ""
    for field in values:
        first = (field.get("values") or [{}])[0].get("value")
        if field.get("field_type") == "legal_entity" and isinstance(first, dict):
            return str(first.get("vat_id") or ""), str(first.get("kpp") or "")
        names = {str(field.get("field_code") or "").upper(), str(field.get("field_name") or "")}
        if names & _INN and not inn:
            inn = str(first or "")
        if names & _KPP and not kpp:
            kpp = str(first or "")
    return inn, kpp


def _emails(parties: Iterable[dict[str, Any] | None]) -> tuple[str, ...]:
    found: list[str] = []
    for party in parties:
        for field in (party or {}).get("custom_fields_values") or []:
            if field.get("field_code") == "EMAIL":
                for entry in field.get("values") or []:
                    email = str(entry.get("value") or "").strip()
                    if email and email not in found:
                        found.append(email)
    return tuple(found)
