"""A tenant's new contacts written to its amoCRM company (the emulated account, over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crm_mappings.amocrm.adapter import AmoCrm
from crm_mappings.port import CrmError, PartyUpdate
from crm_mappings.tokens import MemoryTokenStore
from sandbox.amocrm.app import create_emulator
from sandbox.amocrm.state import AmoAccount
from tests.integration.crm_mappings.test_amocrm_adapter import _client, _install
from tests.loopback import serve


@pytest.fixture
def account() -> AmoAccount:
    return AmoAccount(rate_limit=1000)


@pytest.fixture
def crm(account: AmoAccount) -> Iterator[AmoCrm]:
    with serve(create_emulator(account)) as url:
        store = MemoryTokenStore()
        _install(account, url, store)
        yield AmoCrm(_client(account, store), field_ids={})


def _values(entity: dict[str, object], code: str) -> list[str]:
    for field in entity.get("custom_fields_values") or []:  # type: ignore[attr-defined]
        if field["field_code"] == code:
            return [v["value"] for v in field["values"]]
    return []


def test_the_company_gets_the_new_name_phone_emails_and_address(
    crm: AmoCrm, account: AmoAccount
) -> None:
    lead = account.add_lead("Аренда 101")
    company = account.link_company(lead, "Василёк", EMAIL="old@vasilek.example", PHONE="+7495")

    crm.update_party(
        PartyUpdate(
            "company",
            str(company),
            name='ООО "Василёк"',
            phone="+79123456789",
            emails=("buh@vasilek.example", "dir@vasilek.example"),
            address="г. Москва, ул. Новая, д. 2",
        )
    )

    stored = account.companies[company]
    assert stored["name"] == 'ООО "Василёк"'
    assert _values(stored, "PHONE") == ["+79123456789"]
    assert _values(stored, "EMAIL") == ["buh@vasilek.example", "dir@vasilek.example"]
    assert _values(stored, "ADDRESS") == ["г. Москва, ул. Новая, д. 2"]


def test_a_company_gone_from_the_account_is_an_error(crm: AmoCrm) -> None:
    with pytest.raises(CrmError):
        crm.update_party(PartyUpdate("company", "424242", name="X"))
