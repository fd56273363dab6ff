"""Deal moves that follow documents: recorded with the event, pushed once, never lost,
never pulling a deal back; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.money import Money
from backend.ports import FixedClock
from backend.services.lease_events import events_to_push, push_recorded_event
from backend.services.payment_desk import journal, undo_allocation
from backend.services.payments import allocate_manually, import_statement, review_list
from crm_mappings.mapping import LeaseEvent
from crm_mappings.port import CrmNotFound, CrmUnavailable, DealUpdate
from tests.fakes import FakeCrm
from tests.payments_world import (
    STATEMENT,
    QueuedMoves,
    World,
    build_world,
    doc,
    statement_file,
)


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


@dataclass
class FlakyCrm(FakeCrm):
    """Answers the first ``failures`` deal updates as a CRM answering 500 does."""

    holds_every_deal: bool = True
    failures: int = 1
    pushed: list[DealUpdate] = field(default_factory=list)

    def update_deals(self, updates: Sequence[DealUpdate]) -> None:
        if self.failures:
            self.failures -= 1
            raise CrmUnavailable("HTTP 500")
        self.pushed.extend(updates)
        super().update_deals(updates)


def _import(world: World, queue: QueuedMoves, docs: Sequence[object] = STATEMENT) -> None:
    with world.container.uow(world.portal_id) as uow:
        data = statement_file(docs=docs)  # type: ignore[arg-type]
        import_statement(uow, world.container.clock, io.BytesIO(data), queue=queue)
        uow.commit()


def _pending_after_grace(world: World, clock: FixedClock) -> list[tuple[int, str]]:
    clock.set(clock.now() + timedelta(minutes=31))
    return events_to_push(world.container.uow(world.portal_id), world.container.clock)


def test_a_crm_answering_500_then_ok_moves_the_deal_once(world: World, clock: FixedClock) -> None:
    moves, crm = QueuedMoves(), FlakyCrm()
    _import(world, moves)
    (first, second) = list(moves.queued)
    with pytest.raises(CrmUnavailable):  # the task retries on this
        moves.run(world.container, crm)
    moves.queued = [first, second]  # the retry, then a redelivery of the same tasks
    moves.run(world.container, crm)
    moves.queued = [first, second]
    moves.run(world.container, crm)
    assert [(u.deal_id, u.stage_id) for u in crm.pushed] == [("42", "WON"), ("42", "WON")]
    assert crm.stages == {"42": "WON"}
    assert _pending_after_grace(world, clock) == []


def test_a_lost_task_leaves_its_move_for_the_sweep(world: World, clock: FixedClock) -> None:
    _import(world, QueuedMoves())  # queued, but no worker ever runs it
    assert events_to_push(world.container.uow(world.portal_id), world.container.clock) == []
    pending = _pending_after_grace(world, clock)
    assert pending == [(world.invoices["БП-000101"], "paid"), (world.invoices["БП-000103"], "paid")]
    crm = FakeCrm(holds_every_deal=True)
    for document_id, event in pending:
        push_recorded_event(
            world.container.uow(world.portal_id), world.container.clock, crm, document_id,
            LeaseEvent(event),
        )  # fmt: skip
    assert crm.stages == {"42": "WON"}
    assert _pending_after_grace(world, clock) == []


def test_a_broker_down_does_not_undo_the_import(world: World, clock: FixedClock) -> None:
    def broker_down(portal_id: int, document_id: int, event: str) -> None:
        raise ConnectionError("broker unreachable")

    with world.container.uow(world.portal_id) as uow:
        data = io.BytesIO(statement_file())
        summary = import_statement(uow, world.container.clock, data, queue=broker_down)
        uow.commit()
    assert summary.invoices_paid == ["БП-000101", "БП-000103"]
    assert len(_pending_after_grace(world, clock)) == 2


def test_a_deal_the_crm_no_longer_has_is_recorded_and_left_alone(
    world: World, clock: FixedClock
) -> None:
    class Gone(FakeCrm):
        def update_deals(self, updates: Sequence[DealUpdate]) -> None:
            raise CrmNotFound("deal 42 not found")

    moves = QueuedMoves()
    _import(world, moves)
    moves.run(world.container, Gone())
    assert _pending_after_grace(world, clock) == []


def test_an_invoice_paid_before_its_email_arrived_keeps_its_deal_at_paid(world: World) -> None:
    from backend.services.lease_events import record_lease_events

    with world.container.uow(world.portal_id) as uow:
        uow.mappings.save("0", {}, {"paid": "WON", "invoice_sent": "SENT"})
        uow.commit()
    moves, crm = QueuedMoves(), FakeCrm(holds_every_deal=True)
    _import(world, moves)
    invoice = world.invoices["БП-000101"]
    with world.container.uow(world.portal_id) as uow:
        record_lease_events(uow, world.container.clock, [invoice], LeaseEvent.INVOICE_SENT, moves)
        uow.commit()
    moves.run(world.container, crm)
    assert crm.stages == {"42": "WON"}


def test_a_manual_allocation_that_pays_an_invoice_moves_its_deal(world: World) -> None:
    stranger = doc("21", "100000.00", "Перевод", payer_inn="500100732259", payer="ИП Смирнов")
    moves, crm = QueuedMoves(), FakeCrm(holds_every_deal=True)
    _import(world, moves, [stranger])
    _pay_by_hand(world, moves)
    moves.run(world.container, crm)
    assert crm.stages == {"42": "WON"}


def test_in_deal_per_period_mode_the_paid_move_goes_to_the_billing_deal(world: World) -> None:
    from dataclasses import replace

    from backend.services.crm_push import BILLING_DEAL

    invoice = world.invoices["БП-000101"]
    with world.container.uow(world.portal_id) as uow:
        portal = uow.portals.get(world.portal_id)
        settings = {**portal.settings, "billing_mode": "deal_per_period", "billing_pipeline": "7"}
        uow.portals.save(replace(portal, settings=settings))
        uow.mappings.save("7", {}, {"paid": "C7:WON"})
        issued = uow.documents.get(invoice)
        uow.documents.save(replace(issued, extra={**issued.extra, BILLING_DEAL: "900"}))
        uow.commit()
    moves, crm = QueuedMoves(), FakeCrm(holds_every_deal=True)
    _import(world, moves)
    moves.run(world.container, crm)
    assert crm.stages["900"] == "C7:WON"


def _pay_by_hand(world: World, moves: QueuedMoves) -> int:
    """Place the stranger's 100 000 on БП-000101 (paying it in full); the allocation's id."""
    with world.container.uow(world.portal_id) as uow:
        (item,) = review_list(uow)
        assert item.payment.id is not None
        allocate_manually(
            uow, world.container.clock, item.payment.id, Money(Decimal("100000.00")),
            invoice_id=world.invoices["БП-000101"], queue=moves,
        )  # fmt: skip
        uow.commit()
        (entry, *_) = journal(uow)
    return entry.id


def _undo(world: World, allocation_id: int, moves: QueuedMoves | None = None) -> None:
    with world.container.uow(world.portal_id) as uow:
        undo_allocation(uow, world.container.clock, allocation_id, by="Борис", queue=moves)
        uow.commit()


def _paid_by_hand(world: World, mapping: dict[str, str]) -> tuple[QueuedMoves, FakeCrm, int]:
    """The lease's pipeline mapped as ``mapping``; the stranger's payment placed on БП-000101
    and its move pushed: (the queue, the CRM, the allocation)."""
    with world.container.uow(world.portal_id) as uow:
        uow.mappings.save("0", {}, mapping)
        uow.commit()
    stranger = doc("21", "100000.00", "Перевод", payer_inn="500100732259", payer="ИП Смирнов")
    moves, crm = QueuedMoves(), FakeCrm(holds_every_deal=True)
    _import(world, moves, [stranger])
    allocation = _pay_by_hand(world, moves)
    moves.run(world.container, crm)
    assert crm.deals["42"].stage_id == "WON"
    return moves, crm, allocation


def _moves_to(crm: FakeCrm, stage: str) -> int:
    return sum(1 for update in crm.updates if update.stage_id == stage)


@pytest.mark.both_databases
def test_an_invoice_paid_again_after_an_undo_moves_its_deal_to_paid_again(world: World) -> None:
    stranger = doc("21", "100000.00", "Перевод", payer_inn="500100732259", payer="ИП Смирнов")
    moves, crm = QueuedMoves(), FakeCrm(holds_every_deal=True)
    _import(world, moves, [stranger])
    first = _pay_by_hand(world, moves)
    moves.run(world.container, crm)
    assert _moves_to(crm, "WON") == 1
    _undo(world, first)
    _pay_by_hand(world, moves)  # the same money placed again
    moves.run(world.container, crm)
    assert _moves_to(crm, "WON") == 2


def test_a_paid_move_still_queued_when_its_payment_is_undone_moves_nothing(
    world: World, clock: FixedClock
) -> None:
    stranger = doc("21", "100000.00", "Перевод", payer_inn="500100732259", payer="ИП Смирнов")
    moves, crm = QueuedMoves(), FakeCrm(holds_every_deal=True)
    _import(world, moves, [stranger])
    allocation = _pay_by_hand(world, moves)
    _undo(world, allocation)  # before any worker ran the move
    moves.run(world.container, crm)
    assert _moves_to(crm, "WON") == 0
    assert _pending_after_grace(world, clock) == []  # and the sweep has nothing to re-queue


MAPPED = {"paid": "WON", "invoice_issued": "ISSUED", "invoice_sent": "SENT", "overdue": "LATE"}


@pytest.mark.both_databases
def test_an_undone_payment_moves_its_deal_back_while_it_stands_at_paid(world: World) -> None:
    moves, crm, allocation = _paid_by_hand(world, MAPPED)
    _undo(world, allocation, moves)
    moves.run(world.container, crm)
    assert crm.deals["42"].stage_id == "ISSUED"  # БП-000101 was never emailed
    moves.run(world.container, crm)  # a redelivered task moves nothing more
    assert [u.stage_id for u in crm.updates] == ["WON", "ISSUED"]
    second = _pay_by_hand(world, moves)  # paid again, then undone again
    moves.run(world.container, crm)
    _undo(world, second, moves)
    moves.run(world.container, crm)
    assert [u.stage_id for u in crm.updates] == ["WON", "ISSUED", "WON", "ISSUED"]


def test_an_overdue_invoice_whose_payment_is_undone_goes_back_to_overdue(world: World) -> None:
    from backend.services.lease_events import record_lease_events

    moves, crm, allocation = _paid_by_hand(world, MAPPED)
    with world.container.uow(world.portal_id) as uow:  # its move to "overdue" on record
        invoice = world.invoices["БП-000101"]
        record_lease_events(uow, world.container.clock, [invoice], LeaseEvent.OVERDUE)
        uow.commit()
    _undo(world, allocation, moves)
    moves.run(world.container, crm)
    assert crm.deals["42"].stage_id == "LATE"


def test_a_deal_that_moved_on_since_the_payment_is_left_where_it_is(world: World) -> None:
    moves, crm, allocation = _paid_by_hand(world, MAPPED)
    crm.update_deals([DealUpdate("42", stage_id="PREPARATION")])  # the next invoice, a manager
    _undo(world, allocation, moves)
    moves.run(world.container, crm)
    assert crm.deals["42"].stage_id == "PREPARATION"
    assert [u.stage_id for u in crm.updates] == ["WON", "PREPARATION"]
