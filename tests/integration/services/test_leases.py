"""Lease use cases on SQLite and PostgreSQL: the stored schedule follows the lease."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.attention import Rule
from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.errors import InvalidLease, InvalidRequisites, NotFound
from backend.domain.lease import Addendum, LeaseStatus, Rent
from backend.domain.money import Money
from backend.domain.payments import Payment
from backend.domain.schedule import plan
from backend.services.attention import find_attention
from backend.services.leases import (
    add_addendum,
    refresh_schedule,
    register_lease,
    schedule_issued,
)
from backend.services.portals import install_portal
from tests import factories

TODAY = date(2026, 3, 10)


@pytest.fixture
def portal_id(container: Container) -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="amocrm", external_id="31337")
        uow.commit()
    assert portal.id is not None
    return portal.id


def _register(container: Container, portal_id: int, **overrides: object) -> int:
    with container.uow(portal_id) as uow:
        lease_id = register_lease(uow, container.clock, factories.lease(**overrides)).lease_id
        uow.commit()
    return lease_id


def test_a_signed_lease_stores_its_plan_and_a_draft_plans_nothing(
    container: Container, portal_id: int
) -> None:
    signed = _register(container, portal_id, status=LeaseStatus.SIGNED)
    draft = _register(container, portal_id, number="Б-2", status=LeaseStatus.DRAFT)
    with container.uow(portal_id) as uow:
        planned = uow.schedule.for_lease(signed)
        assert len(planned) == 22  # Feb-Dec 2026: 11 invoices and 11 acts
        assert planned[0].kind is DocumentKind.INVOICE
        assert planned[0].total == Money(Decimal("100000.00"))
        assert planned[0].lines[0].description == "Аренда помещения 101 за февраль 2026"
        assert uow.schedule.for_lease(draft) == []


def test_an_issued_document_leaves_the_plan(container: Container, portal_id: int) -> None:
    lease_id = _register(container, portal_id, status=LeaseStatus.SIGNED)
    with container.uow(portal_id) as uow:
        first = uow.schedule.for_lease(lease_id)[0]
        uow.documents.add(
            IssuedDocument(
                lease_id, first.kind, "1", first.issue_on, first.period, first.lines,
                first.net, first.vat, first.total, due_on=first.due_on,
            )
        )  # fmt: skip
        refresh_schedule(uow, lease_id)
        uow.commit()
    with container.uow(portal_id) as uow:
        periods = [(i.kind, i.period.start) for i in uow.schedule.for_lease(lease_id)]
    assert (DocumentKind.INVOICE, date(2026, 2, 1)) not in periods
    assert (DocumentKind.ACT, date(2026, 2, 1)) in periods


def _issue(container: Container, portal_id: int, lease_id: int, index: int) -> None:
    """Issue the lease's planned item ``index`` and bring the plan up with ``schedule_issued``."""
    with container.uow(portal_id) as uow:
        item = uow.schedule.for_lease(lease_id)[index]
        uow.documents.add(
            IssuedDocument(
                lease_id, item.kind, str(index), item.issue_on, item.period, item.lines,
                item.net, item.vat, item.total, due_on=item.due_on,
            )
        )  # fmt: skip
        schedule_issued(uow, lease_id, item)
        uow.commit()


def test_an_issued_item_leaves_the_same_plan_a_full_re_plan_would(
    container: Container, portal_id: int
) -> None:
    lease_id = _register(
        container, portal_id, status=LeaseStatus.SIGNED, start=date(2026, 2, 10),
        addenda=[Addendum("ДС-1", date(2026, 4, 17), rent=Rent(Decimal("130000.00")))],
    )  # fmt: skip
    for index in (0, 2, 0, 5):
        _issue(container, portal_id, lease_id, index)
    with container.uow(portal_id) as uow:
        stored = uow.schedule.for_lease(lease_id)
        replanned = plan(uow.leases.get(lease_id), uow.documents.issued_periods(lease_id))
    assert len(stored) == 22 - 4  # 10.02-31.12: 11 invoices and 11 acts, less the 4 issued
    assert stored == replanned


def test_an_issued_item_missing_from_the_stored_plan_re_plans_the_lease(
    container: Container, portal_id: int
) -> None:
    lease_id = _register(container, portal_id, status=LeaseStatus.SIGNED)
    with container.uow(portal_id) as uow:
        uow.schedule.replace(lease_id, [])  # a plan that went stale, say
        uow.commit()
    lease = factories.lease(status=LeaseStatus.SIGNED)
    first = plan(lease)[0]
    with container.uow(portal_id) as uow:
        uow.documents.add(
            IssuedDocument(
                lease_id, first.kind, "1", first.issue_on, first.period, first.lines,
                first.net, first.vat, first.total, due_on=first.due_on,
            )
        )  # fmt: skip
        schedule_issued(uow, lease_id, first)
        uow.commit()
    with container.uow(portal_id) as uow:
        stored = uow.schedule.for_lease(lease_id)
    assert stored == plan(lease, [(first.kind, first.period)])
    assert len(stored) == 21


def test_an_addendum_re_plans_the_rent_from_its_date(container: Container, portal_id: int) -> None:
    lease_id = _register(container, portal_id, status=LeaseStatus.SIGNED)
    with container.uow(portal_id) as uow:
        items = add_addendum(
            uow,
            container.clock,
            lease_id,
            Addendum("ДС-1", date(2026, 6, 1), rent=Rent(Decimal("120000"))),
        )
        uow.commit()
    assert {i.period.start: i.total for i in items if i.kind is DocumentKind.INVOICE}[
        date(2026, 6, 1)
    ] == Money(Decimal("120000.00"))
    with container.uow(portal_id) as uow:
        assert uow.leases.get(lease_id).addenda[0].number == "ДС-1"
        stored = {i.period.start: i.total for i in uow.schedule.for_lease(lease_id)}
    assert stored[date(2026, 5, 1)] == Money(Decimal("100000.00"))
    assert stored[date(2026, 6, 1)] == Money(Decimal("120000.00"))


def test_an_addendum_before_the_lease_is_refused_and_nothing_stored(
    container: Container, portal_id: int
) -> None:
    lease_id = _register(container, portal_id, status=LeaseStatus.SIGNED)
    with container.uow(portal_id) as uow, pytest.raises(InvalidLease, match="effective_from"):
        add_addendum(uow, container.clock, lease_id, Addendum("ДС-0", date(2025, 1, 1)))
    with container.uow(portal_id) as uow:
        assert uow.leases.get(lease_id).addenda == []


def test_needs_attention_reads_the_store(container: Container, portal_id: int) -> None:
    signed = _register(container, portal_id, status=LeaseStatus.SIGNED)
    draft = _register(container, portal_id, number="Б-2", status=LeaseStatus.DRAFT)
    with container.uow(portal_id) as uow:
        uow.payments.add(
            Payment("77", date(2026, 3, 2), Money(Decimal("5000.00")), payer_inn="7728168971")
        )
        uow.commit()
    with container.uow(portal_id) as uow:
        found = find_attention(uow, TODAY)
    by_rule: dict[Rule, list[object]] = {}
    for item in found:
        by_rule.setdefault(item.rule, []).append(item.lease_id or item.payment_id)
    assert by_rule[Rule.LEASE_NOT_ACTIVE] == [draft]
    assert by_rule[Rule.LEASE_WITHOUT_ORIGINAL] == [signed]
    # Feb and Mar invoices (issued 5 days before each month) and February's act are due
    assert by_rule[Rule.INVOICE_NOT_ISSUED] == [signed, signed]
    assert by_rule[Rule.ACT_NOT_ISSUED] == [signed]
    assert len(by_rule[Rule.MONEY_NOT_ALLOCATED]) == 1


def test_the_schedule_is_scoped_to_its_portal(container: Container, portal_id: int) -> None:
    lease_id = _register(container, portal_id, status=LeaseStatus.SIGNED)
    with container.uow() as uow:
        other = install_portal(uow, container.clock, kind="amocrm", external_id="other")
        uow.commit()
    assert other.id is not None
    with container.uow(other.id) as uow:
        assert uow.schedule.due(TODAY) == []
        with pytest.raises(NotFound, match="leases"):
            uow.schedule.replace(lease_id, [])
    with container.uow(portal_id) as uow:
        assert uow.schedule.due(TODAY) != []
        assert {p.start for p in [i.period for _, i in uow.schedule.due(TODAY)]} == {
            date(2026, 2, 1),
            date(2026, 3, 1),
        }
        assert BillingPeriod(date(2026, 2, 1), date(2026, 2, 28)) in [
            i.period for _, i in uow.schedule.due(TODAY)
        ]


def test_a_lease_with_a_wrong_tenant_inn_is_not_stored_whatever_form_it_came_from(
    container: Container, portal_id: int
) -> None:
    """The deal-tab and widget forms, the CLI and imports all register through here."""
    lease = factories.lease(tenant=factories.tenant(inn="7702070130"))
    with container.uow(portal_id) as uow, pytest.raises(InvalidRequisites) as refused:
        register_lease(uow, container.clock, lease)
    assert refused.value.field == "tenant.inn"
    with container.uow(portal_id) as uow:
        assert uow.leases.list() == []


def test_a_lease_naming_a_landlords_second_account_is_that_landlords_paid_to_it(
    container: Container, portal_id: int
) -> None:
    first = _register(container, portal_id)
    with container.uow(portal_id) as uow:
        landlord = uow.leases.get(first).landlord
        assert landlord.id is not None
        two = replace(landlord, accounts=(landlord.bank, factories.ALFA))
        uow.parties.update_landlord(landlord.id, two, uow.parties.landlord_settings(landlord.id))
        uow.commit()
    second = _register(
        container, portal_id, number="А-16/2026",
        landlord=factories.landlord(bank=replace(factories.ALFA, label="")),
    )  # fmt: skip
    with container.uow(portal_id) as uow:
        lease = uow.leases.get(second)
        assert len(uow.parties.landlords()) == 1  # the same company, not a second row
        assert uow.leases.get(first).landlord.bank.account == factories.SBER.account
    assert lease.landlord.id == landlord.id
    assert lease.landlord.bank.account == factories.ALFA.account
