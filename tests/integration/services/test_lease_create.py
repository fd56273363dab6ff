"""Creating a lease from a deal with the lease form: prefilled from the CRM, every problem
at once with what was typed kept, the lease stored as typed, the deal told once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.lease import BillingFrequency, DueAnchor, PeriodUnit, RentBasis
from backend.domain.parties import PremisesKind
from backend.domain.portal import Portal
from backend.domain.premises import PremisesCard
from backend.services.lease_create import (
    DealHasLease,
    LeaseFormInvalid,
    create_lease_from_form,
    crm_card_link,
    new_lease_page,
    validate_lease_form,
)
from backend.services.portals import install_portal
from crm_mappings.port import CrmUser, Deal, DealParty, LeaseField
from tests import factories
from tests.fakes import FakeCrm

TODAY = date(2026, 2, 1)


@pytest.fixture
def portal_id(container: Container) -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m-1",
                                domain="rent.bitrix24.ru")  # fmt: skip
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        uow.parties.add_landlord(factories.landlord())
        uow.estate.upsert_premises([PremisesCard(
            building="БЦ Север", number="204", area_m2=Decimal("40.00"), floor="2",
            kind=PremisesKind.OFFICE, price_per_m2=Decimal("2500.00"),
        )])  # fmt: skip
        uow.commit()
    return portal.id


@pytest.fixture
def crm() -> FakeCrm:
    return FakeCrm(
        deals={"42": Deal("42", "Аренда офиса 204", "0", "NEW", responsible_user_id="7")},
        users=[
            CrmUser("7", "Михаил Менеджеров", "manager@portal.example"),
            CrmUser("9", "Ольга Руководитель", "boss@portal.example"),
        ],
        parties={
            "42": DealParty('ООО "Василёк"', "7728168971", "772801001", ("buh@vasilek.example",))
        },
    )


def _link(portal: Portal, lease_id: int, deal_id: str) -> str:
    return crm_card_link(portal, lease_id, deal_id, "vendor.rentflow")


def _typed(container: Container, portal_id: int, **changes: str) -> dict[str, str]:
    with container.uow(portal_id) as uow:
        landlord = uow.parties.landlords()[0].id
        premises = uow.estate.register()[0].id
    form = {
        "number": "А-7/2026", "signed_on": "2026-02-01", "start": "2026-02-01",
        "end": "2027-01-31", "landlord": str(landlord), "premises": str(premises),
        "rent_basis": "per_m2_month", "rent": "", "vat": "22", "vat_included": "1",
        "billing_unit": "quarter", "billing_every": "1", "issue_anchor": "before_start",
        "issue_days": "10", "due_anchor": "day_of_period", "due_days": "15",
        "auto_send": "1", "tenant_kind": "legal_entity", "tenant_name": 'ООО "Василёк"',
        "tenant_inn": "7728168971", "tenant_kpp": "772801001",
        "tenant_emails": "buh@vasilek.example\ndirector@vasilek.example",
        "manager": "7", "supervisor": "9",
    }  # fmt: skip
    form.update(changes)
    return form


def test_the_form_starts_from_the_deal_its_company_and_the_portal_defaults(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    page = new_lease_page(container.uow, crm, portal_id, "42", TODAY)
    v = page.form.values
    assert (v["tenant_name"], v["tenant_inn"], v["tenant_kpp"]) == (
        'ООО "Василёк"', "7728168971", "772801001",
    )  # fmt: skip
    assert v["tenant_emails"] == "buh@vasilek.example"
    assert v["manager"] == "7"  # the deal's responsible user
    assert (v["due_anchor"], v["due_days"]) == ("after_issue", "5")
    assert "auto_send" in page.form.flags
    assert [name for _, name in page.choices.landlords] == ['ООО "Ромашка"']
    assert [p.number for p in page.choices.premises] == ["204"]
    assert page.existing_lease is None


def test_a_lease_is_created_as_typed_and_the_deal_gets_its_status_and_card_link(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    created = create_lease_from_form(
        container.uow, container.clock, crm, portal_id, "42",
        _typed(container, portal_id), _link,
    )  # fmt: skip
    with container.uow(portal_id) as uow:
        lease = uow.leases.get(created.lease_id)
        premises_rows = uow.estate.register()
    assert created.deal_told
    assert lease.billing == BillingFrequency(PeriodUnit.QUARTER)
    assert lease.rent.basis is RentBasis.PER_M2_MONTH
    assert lease.rent.amount == Decimal("2500.00")  # the register's price per m²
    assert lease.rent.monthly(lease.total_area).amount == Decimal("100000.00")
    assert lease.due_rule.anchor is DueAnchor.DAY_OF_PERIOD
    assert lease.auto_send
    assert lease.tenant.emails == ("buh@vasilek.example", "director@vasilek.example")
    assert lease.manager is not None
    assert (lease.manager.name, lease.manager.email) == ("Михаил Менеджеров",
                                                         "manager@portal.example")  # fmt: skip
    assert lease.supervisor is not None
    assert lease.supervisor.email == "boss@portal.example"
    assert len(premises_rows) == 1  # the register's premises, not a copy
    fields = crm.deals["42"].fields
    assert fields[LeaseField.LEASE_URL] == (
        "https://rent.bitrix24.ru/marketplace/view/vendor.rentflow/"
        f"?params%5Blease%5D={created.lease_id}"
    )
    assert fields[LeaseField.LEASE_STATUS]
    with pytest.raises(DealHasLease):
        create_lease_from_form(container.uow, container.clock, crm, portal_id, "42",
                               _typed(container, portal_id), _link)  # fmt: skip
    assert new_lease_page(container.uow, crm, portal_id, "42", TODAY).existing_lease == (
        created.lease_id
    )


def test_a_monthly_rent_left_empty_is_the_registers_price_times_the_area(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    typed = _typed(container, portal_id, rent_basis="per_month", rent="")

    created = create_lease_from_form(
        container.uow, container.clock, crm, portal_id, "42", typed, _link
    )

    with container.uow(portal_id) as uow:
        lease = uow.leases.get(created.lease_id)
    assert lease.rent.basis is RentBasis.PER_MONTH
    assert lease.rent.amount == Decimal("100000.00")  # 40 m² × 2 500,00 ₽


def test_every_problem_is_reported_at_once_and_nothing_is_stored(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    bad = _typed(
        container, portal_id, tenant_inn="7728168972", end="2025-01-01", billing_every="0",
        manager="666", tenant_emails="buh@", rent_basis="per_month", premises="",
    )  # fmt: skip
    with pytest.raises(LeaseFormInvalid) as refused:
        create_lease_from_form(container.uow, container.clock, crm, portal_id, "42", bad, _link)
    problems = {k: p.code for k, p in refused.value.form.problems.items()}
    assert problems == {
        "tenant_inn": "control", "end": "before_start", "billing_every": "whole",
        "manager": "choice", "tenant_emails": "email", "rent": "missing",
    }  # fmt: skip
    assert refused.value.form.values["tenant_inn"] == "7728168972"  # what was typed is kept
    with container.uow(portal_id) as uow:
        assert uow.leases.list() == []
        assert validate_lease_form(uow, {**bad, "tenant_inn": "12"})["tenant_inn"].code == "length"
    assert crm.updates == []


def test_the_amocrm_card_link_opens_the_lead() -> None:
    portal = Portal(kind="amocrm", external_id="30000001", domain="rent.amocrm.ru", id=1)
    assert crm_card_link(portal, 5, "777", "") == "https://rent.amocrm.ru/leads/detail/777"


def test_the_store_refuses_a_second_lease_on_a_deal_by_its_key(
    container: Container, portal_id: int
) -> None:
    from backend.services.leases import register_lease

    with container.uow(portal_id) as uow:
        register_lease(uow, container.clock, factories.lease(), crm_deal_id="77")
        uow.commit()
    with container.uow(portal_id) as uow, pytest.raises(DealHasLease) as refused:
        register_lease(uow, container.clock, factories.lease(number="Б-2"), crm_deal_id="77")
    assert refused.value.deal_id == "77"


def test_the_lease_is_paid_to_the_account_picked_among_its_landlords_accounts(
    container: Container, portal_id: int, crm: FakeCrm
) -> None:
    with container.uow(portal_id) as uow:
        (landlord,) = uow.parties.landlords()
        assert landlord.id is not None
        two = replace(landlord, accounts=(landlord.bank, factories.ALFA))
        uow.parties.update_landlord(landlord.id, two, uow.parties.landlord_settings(landlord.id))
        other = uow.parties.add_landlord(factories.landlord(name="ООО «Лютик»", inn="7728168971"))
        uow.commit()
    with container.uow(portal_id) as uow:
        alfa_id = uow.parties.landlord(landlord.id).accounts[1].id
        others_id = uow.parties.landlord(other).accounts[0].id
    page = new_lease_page(container.uow, crm, portal_id, "42", TODAY)
    assert [(owner, a.account, a.default) for owner, a in page.choices.accounts] == [
        (landlord.id, landlord.bank.account, True),
        (landlord.id, factories.ALFA.account, False),
        (other, landlord.bank.account, True),
    ]
    theirs = _typed(container, portal_id, bank_account=str(others_id))
    with pytest.raises(LeaseFormInvalid) as refused:  # another landlord's account
        create_lease_from_form(container.uow, container.clock, crm, portal_id, "42", theirs, _link)
    assert refused.value.form.problems["bank_account"].code == "choice"

    ours = _typed(container, portal_id, bank_account=str(alfa_id))
    created = create_lease_from_form(
        container.uow, container.clock, crm, portal_id, "42", ours, _link
    )
    with container.uow(portal_id) as uow:
        assert uow.leases.get(created.lease_id).landlord.bank == replace(factories.ALFA, id=alfa_id)
