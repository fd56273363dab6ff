"""Importing bank statements end to end on SQLite and PostgreSQL: matching, invoice states,
advances, manual review, idempotency and deal moves through a fake CRM port."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.billing import DocumentKind
from backend.domain.money import Money
from backend.onec.bank_statement import StatementTooLarge
from backend.services.payments import (
    AllocationRefused,
    allocate_manually,
    import_statement,
    review_list,
)
from tests.fakes import FakeCrm
from tests.payments_world import QueuedMoves, World, build_world, statement_file


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def _import(world: World, data: bytes, crm: FakeCrm | None = None, **kwargs: int) -> dict:  # type: ignore[type-arg]
    moves = QueuedMoves()
    with world.container.uow(world.portal_id) as uow:
        summary = import_statement(
            uow, world.container.clock, io.BytesIO(data), queue=moves, **kwargs
        )
        uow.commit()
    if crm is not None:  # the queued deal moves, as the worker runs them
        moves.run(world.container, crm)
    return summary.as_dict()


@pytest.mark.parametrize("encoding", ["Windows", "DOS"])
def test_a_statement_pays_invoices_partly_fully_and_over_and_moves_the_deal(
    world: World, encoding: str
) -> None:
    crm = FakeCrm(holds_every_deal=True)
    summary = _import(world, statement_file(encoding), crm)
    assert summary["incoming"] == 4
    assert summary["not_ours"] == 1
    assert summary["added"] == 4
    assert summary["to_review"] == 1
    assert summary["invoices_paid"] == ["БП-000101", "БП-000103"]
    assert summary["invoices_partially_paid"] == ["БП-000102"]
    assert summary["advances"] == "30000.00"
    with world.container.uow(world.portal_id) as uow:
        docs = {d.number: d for d in uow.documents.list(kind=DocumentKind.INVOICE)}
        advances = uow.payments.allocations(lease_id=world.lease_id)
    assert docs["БП-000101"].status == "paid"
    assert docs["БП-000102"].status == "partially_paid"
    assert docs["БП-000102"].outstanding == Money(Decimal("60000.00"))
    assert docs["БП-000103"].status == "paid"
    assert [a.amount.amount for a in advances if a.invoice_id is None] == [Decimal("30000.00")]
    assert crm.stages == {"42": "WON"}
    assert summary["deal_moves_queued"] == ["БП-000101", "БП-000103"]


def test_a_file_imported_twice_adds_nothing(world: World) -> None:
    _import(world, statement_file())
    again = _import(world, statement_file())
    assert again["added"] == 0
    assert again["duplicates"] == 4
    with world.container.uow(world.portal_id) as uow:
        paid = uow.documents.get(world.invoices["БП-000101"]).paid
    assert paid == Money(Decimal("100000.00"))


def test_a_broken_document_is_named_and_the_others_are_imported(world: World) -> None:
    data = statement_file().replace(
        "Сумма=40000.00".encode("cp1251"), "Сумма=сорок".encode("cp1251")
    )
    summary = _import(world, data)
    assert summary["added"] == 3
    assert len(summary["errors"]) == 1
    assert summary["errors"][0].startswith("line ")
    assert "сорок" in summary["errors"][0]


def test_a_huge_file_is_refused_and_nothing_is_stored(world: World) -> None:
    with pytest.raises(StatementTooLarge):
        _import(world, statement_file(), max_bytes=2000)
    with world.container.uow(world.portal_id) as uow:
        assert uow.payments.not_fully_allocated() == []


def test_unmatched_money_is_listed_for_review_and_allocated_by_hand(world: World) -> None:
    crm = FakeCrm(holds_every_deal=True)
    _import(world, statement_file(), crm)
    with world.container.uow(world.portal_id) as uow:
        (item,) = review_list(uow)
    assert item.payment.payer_inn == "500100732259"
    assert item.unallocated == Money(Decimal("5000.00"))
    assert item.payment.id is not None
    moves = QueuedMoves()
    with world.container.uow(world.portal_id) as uow:
        too_much = Money(Decimal("6000.00"))
        with pytest.raises(AllocationRefused):
            allocate_manually(uow, world.container.clock, item.payment.id, too_much, lease_id=1)
        allocate_manually(
            uow, world.container.clock, item.payment.id, Money(Decimal("5000.00")),
            invoice_id=world.invoices["БП-000102"], queue=moves,
        )  # fmt: skip
        uow.commit()
    assert moves.queued == []  # partly paid: the deal stays where it is
    with world.container.uow(world.portal_id) as uow:
        assert review_list(uow) == []
        invoice = uow.documents.get(world.invoices["БП-000102"])
    assert invoice.outstanding == Money(Decimal("55000.00"))
    assert invoice.status == "partially_paid"
