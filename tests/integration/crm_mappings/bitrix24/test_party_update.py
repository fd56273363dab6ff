"""A tenant's new contacts written to its Bitrix24 company and contact (the emulated portal)."""

from __future__ import annotations

from crm_mappings.bitrix24.adapter import Bitrix24Adapter
from crm_mappings.bitrix24.client import Bitrix24Client
from crm_mappings.port import PartyUpdate
from sandbox.bitrix24.state import PortalState


def test_the_company_gets_the_new_title_phone_and_emails(
    client: Bitrix24Client, portal: PortalState
) -> None:
    company = client.call("crm.company.add", {"fields": {
        "TITLE": "Василёк", "PHONE": [{"VALUE": "+74950000000", "VALUE_TYPE": "WORK"}],
        "EMAIL": [{"VALUE": "old@vasilek.example", "VALUE_TYPE": "WORK"},
                  {"VALUE": "gone@vasilek.example", "VALUE_TYPE": "HOME"}],
    }}).result  # fmt: skip

    Bitrix24Adapter(client).update_party(
        PartyUpdate(
            "company",
            str(company),
            name='ООО "Василёк"',
            phone="+79123456789",
            emails=("buh@vasilek.example",),
            address="г. Москва",
        )
    )

    stored = portal.companies[int(company)]
    assert stored["TITLE"] == 'ООО "Василёк"'
    assert [p["VALUE"] for p in stored["PHONE"]] == ["+79123456789"]
    assert [e["VALUE"] for e in stored["EMAIL"]] == ["buh@vasilek.example"]


def test_a_contact_gains_a_phone_and_keeps_its_name(
    client: Bitrix24Client, portal: PortalState
) -> None:
    contact = client.call("crm.contact.add", {"fields": {"NAME": "Анна"}}).result

    Bitrix24Adapter(client).update_party(
        PartyUpdate(
            "contact",
            str(contact),
            name="ignored",
            phone="+79123456789",
            emails=("a@vasilek.example", "b@vasilek.example"),
        )
    )

    stored = portal.contacts[int(contact)]
    assert stored["NAME"] == "Анна"
    assert [p["VALUE"] for p in stored["PHONE"]] == ["+79123456789"]
    assert [e["VALUE"] for e in stored["EMAIL"]] == ["a@vasilek.example", "b@vasilek.example"]
