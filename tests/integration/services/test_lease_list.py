"""The leases list: filters, search, a manager's own leases, pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from backend.bootstrap import Container
from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.lease import LeaseStatus
from backend.domain.money import Money
from backend.domain.parties import Person
from backend.services import lease_list
from backend.services.lease_list import LeaseFilter, list_leases
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from tests import factories

TODAY = date(2026, 3, 1)


def _portal(container: Container) -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m-1")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        for n in range(30):
            lease = factories.lease(
                number=f"Л-{n:02d}", signed_on=date(2026, 1, 1 + n % 28),
                status=LeaseStatus.SIGNED if n % 2 else LeaseStatus.DRAFT,
                tenant=replace(factories.tenant(), name=f"Арендатор {n}"),
                manager=Person(name=f"Менеджер {n % 3}", crm_user_id=f"1{n % 3}"),
            )  # fmt: skip
            registered = register_lease(uow, container.clock, lease)
            if n == 5:
                uow.documents.add(IssuedDocument(
                    lease_id=registered.lease_id, kind=DocumentKind.INVOICE, number="С-5",
                    issued_on=date(2026, 2, 1),
                    period=BillingPeriod(date(2026, 2, 1), date(2026, 2, 28)), lines=(),
                    net=Money(Decimal(500)), vat=Money(Decimal(0)), total=Money(Decimal(500)),
                ))  # fmt: skip
        uow.commit()
    return portal.id


def test_filters_search_and_pages(container: Container) -> None:
    portal_id = _portal(container)
    with container.uow(portal_id) as uow:
        first = list_leases(uow, TODAY, LeaseFilter())
        second = list_leases(uow, TODAY, LeaseFilter(page=2))
        active = list_leases(uow, TODAY, LeaseFilter(status="active"))
        debt = list_leases(uow, TODAY, LeaseFilter(with_debt=True))
        found = list_leases(uow, TODAY, LeaseFilter(search="арендатор 12"))
        managed = list_leases(uow, TODAY, LeaseFilter(manager="11"))
        own = list_leases(uow, TODAY, LeaseFilter(only_manager="12", manager="11"))

    assert (first.total, first.pages, len(first.lines)) == (30, 2, lease_list.PAGE_SIZE)
    assert len(second.lines) == 30 - lease_list.PAGE_SIZE
    assert {line.status for line in active.lines} == {"active"}
    assert active.total == 15
    assert [(line.number, line.debt) for line in debt.lines] == [("Л-05", Decimal("500.00"))]
    assert [line.number for line in found.lines] == ["Л-12"]
    assert managed.total == 10
    assert own.total == 0  # a manager cannot widen their view to another manager's leases
    assert [name for _, name in first.managers] == ["Менеджер 0", "Менеджер 1", "Менеджер 2"]
