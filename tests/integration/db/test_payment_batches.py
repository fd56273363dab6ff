"""The batch doors of the payment repository: add_many and allocate_many."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.money import Money
from backend.domain.payments import Allocation, Payment
from tests.payments_world import build_world

pytestmark = pytest.mark.both_databases  # the database's behaviour is the point


def _payment(number: str, amount: str = "100.00") -> Payment:
    return Payment(number=number, paid_on=date(2026, 2, 9), amount=Money(Decimal(amount)),
                   payer_inn="7728168971", payee_account="40702810938000000001")  # fmt: skip


def test_add_many_skips_known_payments_and_repeats_within_the_batch(container: Container) -> None:
    world = build_world(container)
    with container.uow(world.portal_id) as uow:
        assert uow.payments.add(_payment("1")) is not None
        stored = uow.payments.add_many([_payment("1"), _payment("2"), _payment("2"), _payment("3")])
        uow.commit()
    assert [p is not None for p in stored] == [False, True, False, True]
    assert all(p.id for p in stored if p is not None)


def test_allocate_many_moves_payment_and_invoice_totals(container: Container) -> None:
    world = build_world(container)
    invoice_id = world.invoices["БП-000101"]
    with container.uow(world.portal_id) as uow:
        first, second = uow.payments.add_many([_payment("1", "300.00"), _payment("2", "50.00")])
        assert first is not None
        assert first.id is not None
        assert second is not None
        assert second.id is not None
        uow.payments.allocate_many([
            Allocation(first.id, Money(Decimal("200.00")), invoice_id, world.lease_id),
            Allocation(first.id, Money(Decimal("100.00")), None, world.lease_id),
            Allocation(second.id, Money(Decimal("50.00")), invoice_id, world.lease_id),
        ])  # fmt: skip
        uow.commit()
    with container.uow(world.portal_id) as uow:
        assert uow.payments.allocated(first.id) == Money(Decimal("300.00"))
        assert uow.documents.get(invoice_id).paid == Money(Decimal("250.00"))
        assert len(uow.payments.allocations(invoice_id=invoice_id)) == 2
        assert [p.number for p in uow.payments.not_fully_allocated()] == []
