"""What a tenant sees of their leases: the landlord's figures, scoped to the tenant, read with
a fixed number of statements however many leases and documents there are (no N+1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from backend.bootstrap import Container
from backend.domain.cabinet import TenantRef
from backend.domain.documents import outstanding_debt
from backend.services import cabinet_account, cabinet_documents, cabinet_statement
from backend.services.cabinet_contacts import ContactForm, push_contacts, update_contacts
from crm_mappings.port import Deal
from tests.cabinet_world import EMAIL, STRANGER, CabinetWorld, build_world
from tests.fakes import FakeCrm
from tests.sql_counting import counting

TODAY = date(2026, 2, 11)


def _ref(world: CabinetWorld, portal: int, lease_id: int, email: str = EMAIL) -> TenantRef:
    """The choice the cabinet offers ``email`` that covers the lease's tenant."""
    with world.container.uow(world.portals[portal]) as uow:
        tenant = uow.leases.get(lease_id).tenant.id
        refs = uow.cabinet.tenants_with_email(email)
    (ref,) = [r for r in refs if tenant in r.ids]
    return ref


def _statements(world: CabinetWorld, read: Callable[[TenantRef], object], ref: TenantRef) -> int:
    with counting(world.container) as statements:
        read(ref)
    return len(statements)


def test_pages_read_as_many_statements_for_five_leases_as_for_one(container: Container) -> None:
    world = build_world(container, extra_leases=4)  # the tenant: 5 leases at Romashka
    five = _ref(world, 0, world.leases[0])
    one = _ref(world, 0, world.stranger_lease, STRANGER)  # 1 lease, same landlord
    uow = container.uow
    pages: list[Callable[[TenantRef], object]] = [
        lambda ref: cabinet_account.tenant_leases(uow, ref, TODAY),  # type: ignore[arg-type]
        lambda ref: cabinet_documents.tenant_documents(uow, ref, TODAY),  # type: ignore[arg-type]
    ]
    with container.uow(world.portals[0]) as work:
        assert len(work.leases.list()) == 6

    for page in pages:
        assert _statements(world, page, five) == _statements(world, page, one)
    assert len(cabinet_account.tenant_leases(uow, five, TODAY)) == 5  # type: ignore[arg-type]


def test_the_balance_is_the_debt_the_landlord_sees(container: Container) -> None:
    world = build_world(container)
    ref = _ref(world, 0, world.leases[0])

    (card,) = cabinet_account.tenant_leases(container.uow, ref, TODAY)  # type: ignore[arg-type]

    with container.uow(world.portals[0]) as uow:
        landlord_sees = outstanding_debt(uow.documents.for_lease(world.leases[0]))
    assert card.balance.debt == landlord_sees == Decimal("100000.00")
    assert card.balance.net == -landlord_sees
    assert card.to_pay == 1


def test_the_statement_of_a_period_starts_where_the_earlier_one_ends(
    container: Container,
) -> None:
    world = build_world(container)
    ref = _ref(world, 0, world.leases[0])
    build = cabinet_statement.reconciliation

    january = build(container.uow, ref, world.leases[0], date(2026, 1, 1), date(2026, 1, 31))  # type: ignore[arg-type]
    february = build(container.uow, ref, world.leases[0], date(2026, 2, 1), date(2026, 2, 28))  # type: ignore[arg-type]

    assert january.closing == february.opening == Decimal("100000.00")
    assert february.lines == ()
    assert february.closing == january.closing


def test_contacts_reach_each_deals_company_once(container: Container) -> None:
    world = build_world(container)
    ref = _ref(world, 0, world.leases[0])
    crm = FakeCrm(deals={"142": Deal("142", "", "0", "NEW", company_id="77")})
    queued: list[tuple[int, int]] = []
    form = ContactForm('ООО "Василёк"', "г. Москва", "+7 912 345 67 89", EMAIL)

    changes = update_contacts(container.uow, container.clock, ref, EMAIL, form,  # type: ignore[arg-type]
                              lambda p, t: queued.append((p, t)))  # fmt: skip
    written = push_contacts(container.uow, crm, ref.portal_id, ref.ids)  # type: ignore[arg-type]

    assert set(changes) == {"phone", "address", "emails"}
    assert queued == [(ref.portal_id, list(ref.ids))]
    assert written == 1
    (party,) = crm.party_updates
    assert (party.kind, party.id, party.phone) == ("company", "77", "+79123456789")
    assert party.emails == (EMAIL,)
