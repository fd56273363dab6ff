"""Allocation under concurrency: two imports paying the same invoice at the same moment
never place more than it owes (PostgreSQL; SQLite serialises write transactions)."""

from __future__ import annotations

import io
import threading
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.money import Money
from backend.services.payments import ImportSummary, import_statement
from tests.payments_world import World, build_world, doc, statement_file

pytestmark = pytest.mark.both_databases  # the database's behaviour is the point


class _TogetherStream(io.BytesIO):
    """A statement whose first read waits for the other import's: both imports have read
    the open invoices (what they owe) before either places any money."""

    def __init__(self, data: bytes, barrier: threading.Barrier) -> None:
        super().__init__(data)
        self._barrier: threading.Barrier | None = barrier

    def read(self, size: int | None = -1) -> bytes:
        if self._barrier is not None:
            barrier, self._barrier = self._barrier, None
            barrier.wait(timeout=60)  # a guard against a hang, not a timing
        return super().read(size)


@pytest.fixture
def world(container: Container, db_url: str) -> World:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite begins every transaction IMMEDIATE: writers cannot interleave")
    return build_world(container)


def test_two_imports_paying_the_same_invoice_at_once_do_not_over_allocate_it(
    container: Container, world: World
) -> None:
    barrier = threading.Barrier(2)
    summaries: list[ImportSummary] = []
    errors: list[BaseException] = []

    def run(number: str) -> None:
        paying = doc(number, "100000.00", "Оплата по счету № 101 от 01.02.2026")
        stream = _TogetherStream(statement_file(docs=[paying]), barrier)
        try:
            with container.uow(world.portal_id) as uow:
                summaries.append(import_statement(uow, container.clock, stream))
                uow.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("71", "72")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with container.uow(world.portal_id) as uow:
        paid = {n: uow.documents.get(i).paid for n, i in world.invoices.items()}
    assert paid["БП-000101"] == Money(Decimal("100000.00"))
    assert paid["БП-000102"] == Money(Decimal("100000.00"))  # the second payment: oldest open
    assert sorted(s.invoices_paid[0] for s in summaries) == ["БП-000101", "БП-000102"]


def test_two_managers_placing_the_same_payment_at_once_place_it_once(
    container: Container, world: World
) -> None:
    from backend.services.payments import AllocationRefused, allocate_manually, review_list

    stranger = doc("81", "5000.00", "Перевод", payer_inn="500100732259", payer="ИП Смирнов")
    with container.uow(world.portal_id) as uow:
        import_statement(uow, container.clock, io.BytesIO(statement_file(docs=[stranger])))
        uow.commit()
    with container.uow(world.portal_id) as uow:
        (item,) = review_list(uow)
    payment_id, five = item.payment.id or 0, Money(Decimal("5000.00"))
    outcome: list[str] = []

    def second_manager() -> None:
        try:
            with container.uow(world.portal_id) as uow:
                allocate_manually(uow, container.clock, payment_id, five, lease_id=world.lease_id)
                uow.commit()
            outcome.append("placed")
        except AllocationRefused:
            outcome.append("refused")

    with container.uow(world.portal_id) as first:
        allocate_manually(first, container.clock, payment_id, five, lease_id=world.lease_id)
        thread = threading.Thread(target=second_manager)
        thread.start()
        thread.join(timeout=2)  # it waits on the payment's lock (or, unlocked, has finished)
        first.commit()
    thread.join()
    assert outcome == ["refused"]
    with container.uow(world.portal_id) as uow:
        assert uow.payments.allocated(payment_id) == five
