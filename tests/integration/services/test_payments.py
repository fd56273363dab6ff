"""Importing bank statements end to end on SQLite and PostgreSQL: matching, invoice states,
advances, manual review, idempotency and deal moves through a fake CRM port."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.bootstrap import Container
from backend.domain.billing import DocumentKind
from backend.domain.money import Money
from backend.onec.bank_statement import StatementRefused, StatementTooLarge
from backend.services.payments import (
    AllocationRefused,
    allocate_manually,
    import_statement,
    review_list,
)
from tests.fakes import FakeCrm
from tests.payments_world import QueuedMoves, World, build_world, doc, statement_file


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


def _stored_nothing(world: World) -> None:
    with world.container.uow(world.portal_id) as uow:
        assert uow.payments.not_fully_allocated() == []
        assert uow.payments.allocations(lease_id=world.lease_id) == []
        assert {d.status for d in uow.documents.list(kind=DocumentKind.INVOICE)} == {"issued"}


def test_a_broken_document_refuses_the_whole_statement_naming_its_line(world: World) -> None:
    data = statement_file().replace(
        "Сумма=40000.00".encode("cp1251"), "Сумма=сорок".encode("cp1251")
    )
    with pytest.raises(StatementRefused) as refused:
        _import(world, data)
    (issue,) = refused.value.issues
    assert "сорок" in issue.message
    assert "сорок" in str(refused.value)
    assert f"line {issue.line}:" in str(refused.value)
    _stored_nothing(world)


def test_a_statement_cut_short_is_refused_and_nothing_is_stored(world: World) -> None:
    data = statement_file()
    cut = data[: data.index("КонецФайла".encode("cp1251"))]
    with pytest.raises(StatementRefused, match="КонецФайла"):
        _import(world, cut)
    _stored_nothing(world)


def test_a_garbage_amount_refuses_the_statement(world: World) -> None:
    data = statement_file().replace(
        "Сумма=130000.00".encode("cp1251"), "Сумма=85O00.OO".encode("cp1251")
    )
    with pytest.raises(StatementRefused, match=r"85O00\.OO"):
        _import(world, data)
    _stored_nothing(world)


def test_one_payment_for_two_invoices_named_with_dates_pays_both(world: World) -> None:
    # 150 000 for № 101 (100 000) and № 102 (100 000): 101 paid, 50 000 on 102
    purpose = "Оплата по счетам № 101 от 01.02.2026 и № 102 от 01.03.2026 за аренду"
    summary = _import(world, statement_file(docs=[doc("31", "150000.00", purpose)]))
    assert summary["invoices_paid"] == ["БП-000101"]
    assert summary["invoices_partially_paid"] == ["БП-000102"]
    assert summary["advances"] == "0.00"
    with world.container.uow(world.portal_id) as uow:
        second = uow.documents.get(world.invoices["БП-000102"])
    assert second.outstanding == Money(Decimal("50000.00"))


def test_a_payer_naming_another_tenants_invoice_waits_for_review_with_the_reason(
    world: World,
) -> None:
    other = doc("32", "100000.00", "Оплата по счету № 101", payer_inn="7719617469")
    summary = _import(world, statement_file(docs=[other]))
    assert summary["to_review"] == 1
    assert summary["invoices_paid"] == []
    (reason,) = summary["review_reasons"]
    assert "payment № 32" in reason
    assert "БП-000101" in reason
    with world.container.uow(world.portal_id) as uow:
        (item,) = review_list(uow)
    assert item.unallocated == Money(Decimal("100000.00"))
    assert "another tenant" in item.reason


_CORRUPTIONS = ("Сумма=1E+50", "Сумма=0.001", "Дата=31.02.2026", "ПолучательСчет=123")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    amounts=st.lists(st.integers(1, 500_000), min_size=1, max_size=6),
    broken=st.sets(st.integers(0, 5), max_size=2),
    corruption=st.sampled_from(_CORRUPTIONS),
    cut=st.booleans(),
)
def test_a_statement_is_imported_whole_or_not_at_all(
    world: World, amounts: list[int], broken: set[int], corruption: str, cut: bool
) -> None:
    """Any error anywhere (a bad amount, date or account, a cut file) stores nothing; a
    clean file stores every incoming document."""
    with world.container.uow(world.portal_id) as uow:
        before = len(uow.payments.not_fully_allocated()), uow.payments.allocations()
    tag = uuid.uuid4().hex[:8]
    docs = [
        doc(f"{tag}{n}", f"{amount}.00", "Оплата аренды", payer_inn="500100732259")
        for n, amount in enumerate(amounts)
    ]
    data = statement_file(docs=docs)
    lines = data.split(b"\r\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("Номер=".encode("cp1251"))]
    faulty = [n for n in sorted(broken) if n < len(docs)]
    for n in faulty:
        key = corruption.split("=")[0].encode("cp1251") + b"="
        at = next(i for i in range(starts[n], len(lines)) if lines[i].startswith(key))
        lines[at] = corruption.encode("cp1251")
    data = b"\r\n".join(lines)
    if cut:
        data = data[: data.index("КонецФайла".encode("cp1251"))]
    if faulty or cut:
        with pytest.raises(StatementRefused):
            _import(world, data)
        with world.container.uow(world.portal_id) as uow:
            after = len(uow.payments.not_fully_allocated()), uow.payments.allocations()
        assert after == before
    else:
        summary = _import(world, data)
        assert summary["added"] == len(docs)


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
