"""The workspace's payments desk: what an import shows per payment, the deal's debt and note
after every allocation (automatic, by hand, undone), placing money by a typed number, the
journal and undoing an allocation with its audit kept."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.money import Money
from backend.services.payment_desk import (
    UNDO_ACTION,
    DeskProblem,
    allocate_by_number,
    journal,
    parse_amount,
    review_queue,
    undo_allocation,
)
from backend.services.payment_news import push_payment_news
from backend.services.payments import import_statement
from crm_mappings.port import LeaseField
from tests.fakes import FakeCrm
from tests.payments_world import World, build_world, doc, statement_file


@dataclass
class QueuedNews:
    """Stands in for the queue of ``crm_payment_news`` tasks; ``run`` does what it does."""

    queued: list[tuple[int, list[tuple[int, str]]]] = field(default_factory=list)

    def __call__(self, portal_id: int, news: list[tuple[int, str]]) -> None:
        self.queued.append((portal_id, news))

    def run(self, container: Container, crm: FakeCrm) -> None:
        while self.queued:
            portal_id, news = self.queued.pop(0)
            push_payment_news(container.uow(portal_id), container.clock, crm, news)


@pytest.fixture
def world(container: Container) -> World:
    return build_world(container)


def _import(world: World, data: bytes, news: QueuedNews) -> list[tuple[str, str, tuple[str, ...]]]:
    with world.container.uow(world.portal_id) as uow:
        summary = import_statement(uow, world.container.clock, io.BytesIO(data), news_queue=news)
        uow.commit()
    return [(line.payment.number, line.outcome, line.invoices) for line in summary.lines]


def _debt(crm: FakeCrm) -> str:
    return crm.deals["42"].fields[LeaseField.DEBT]


def test_an_import_lists_each_payment_and_the_deal_gets_its_debt_and_a_note(
    world: World,
) -> None:
    news, crm = QueuedNews(), FakeCrm(holds_every_deal=True)

    lines = _import(world, statement_file(), news)

    assert lines == [
        ("11", "matched", ("БП-000101",)),
        ("12", "partial", ("БП-000102",)),
        ("13", "advance", ("БП-000103",)),
        ("14", "review", ()),
    ]
    assert len(news.queued) == 1  # one push for the import, after its commit
    news.run(world.container, crm)
    assert _debt(crm) == "60000.00"  # 102 owes 60 000 of 100 000; 101 and 103 paid
    (note,) = [c.text.replace("\xa0", " ") for c in crm.comments if c.deal_id == "42"]
    assert "Оплата № 12 от 09.02.2026" in note
    assert "40 000,00 ₽ по счёту № БП-000102" in note
    assert "30 000,00 ₽ авансом по договору" in note
    assert note.endswith("Долг по договору: 60 000,00 ₽")


def test_a_rolled_back_import_tells_no_deal(world: World) -> None:
    news = QueuedNews()
    with world.container.uow(world.portal_id) as uow:
        import_statement(uow, world.container.clock, io.BytesIO(statement_file()), news_queue=news)
    assert news.queued == []


def _review_payment(world: World, number: str) -> int:
    with world.container.uow(world.portal_id) as uow:
        (item,) = [i for i in review_queue(uow) if i.payment.number == number]
    return item.payment.id or 0


def test_money_placed_by_invoice_number_clears_the_debt_and_an_undo_brings_it_back(
    world: World,
) -> None:
    news, crm = QueuedNews(), FakeCrm(holds_every_deal=True)
    payment = doc("21", "100000.00", "Оплата аренды", payer_inn="500100732259", payer="ИП Смирнов")
    data = statement_file(docs=[payment])
    _import(world, data, news)
    payment_id = _review_payment(world, "21")
    c = world.container

    with c.uow(world.portal_id) as uow:
        target = allocate_by_number(
            uow, c.clock, payment_id, "бп-000102", "100 000,00", by="Анна", news_queue=news
        )
        uow.commit()

    assert target.number == "БП-000102"
    with c.uow(world.portal_id) as uow:
        assert uow.documents.get(world.invoices["БП-000102"]).status == "paid"
        assert review_queue(uow) == []
        (entry, *_) = journal(uow)
    assert (entry.invoice_number, entry.amount, entry.by) == (
        "БП-000102", Money(Decimal("100000.00")), "Анна",
    )  # fmt: skip
    news.run(c, crm)
    assert _debt(crm) == "200000.00"  # 101 and 103 still open

    with c.uow(world.portal_id) as uow:
        undone = undo_allocation(uow, c.clock, entry.id, by="Борис", news_queue=news)
        uow.commit()

    assert undone.payment.number == "21"
    with c.uow(world.portal_id) as uow:
        invoice = uow.documents.get(world.invoices["БП-000102"])
        assert (invoice.status, invoice.paid) == ("issued", Money(Decimal("0.00")))
        assert [i.payment.number for i in review_queue(uow)] == ["21"]
        assert [e.id for e in journal(uow)] == []
        (audit,) = [e for e in uow.audit.entries("payment", payment_id)
                    if e["action"] == UNDO_ACTION]  # fmt: skip
    assert audit["details"]["invoice"] == "БП-000102"
    assert audit["details"]["placed_by"] == "Анна"
    news.run(c, crm)
    assert _debt(crm) == "300000.00"
    assert "Разноска отменена: Оплата № 21" in crm.comments[-1].text.replace("\xa0", " ")


@pytest.mark.parametrize(
    ("target", "amount", "field_", "code"),
    [
        ("БП-000102", "abc", "amount", "amount"),
        ("БП-000102", "-5", "amount", "amount"),
        ("БП-000102", "10.001", "amount", "places"),
        ("БП-000102", "1e999", "amount", "amount"),
        ("БП-000102", "NaN", "amount", "amount"),
        ("БП-000102", "-0", "amount", "amount"),
        ("БП-000102", "1" * 40, "amount", "too_large"),
        ("БП-000102", "100000.01", "amount", "over_invoice"),
        ("БП-000102", "200000.01", "amount", "over_payment"),
        ("СЧ-9", "10", "target", "unknown_target"),
        ("", "10", "target", "missing"),
    ],
)
def test_a_wrong_desk_form_names_its_field_and_changes_nothing(
    world: World, target: str, amount: str, field_: str, code: str
) -> None:
    data = statement_file(docs=[doc("22", "200000.00", "Оплата", payer_inn="500100732259")])
    _import(world, data, QueuedNews())
    payment_id = _review_payment(world, "22")
    c = world.container
    with c.uow(world.portal_id) as uow, pytest.raises(DeskProblem) as raised:
        allocate_by_number(uow, c.clock, payment_id, target, amount, by="Анна")
    assert (raised.value.field, raised.value.code) == (field_, code)
    with c.uow(world.portal_id) as uow:
        assert journal(uow) == []


def test_money_can_go_to_a_lease_as_an_advance_by_the_lease_number(world: World) -> None:
    data = statement_file(docs=[doc("23", "5000.00", "Аванс", payer_inn="500100732259")])
    _import(world, data, QueuedNews())
    payment_id = _review_payment(world, "23")
    c = world.container
    with c.uow(world.portal_id) as uow:
        lease_number = uow.leases.get(world.lease_id).number
        target = allocate_by_number(uow, c.clock, payment_id, lease_number, "5000", by="Анна")
        uow.commit()
    assert target.invoice_id is None
    assert target.lease_id == world.lease_id
    with c.uow(world.portal_id) as uow:
        (entry,) = journal(uow)
    assert (entry.invoice_number, entry.lease_number) == ("", lease_number)


def test_the_review_queue_search_finds_by_payer_number_and_purpose(world: World) -> None:
    data = statement_file(docs=[
        doc("31", "10.00", "Аренда склада", payer_inn="500100732259", payer="ИП Смирнов А. П."),
        doc("32", "20.00", "Возврат займа", payer_inn="500100732260", payer="ООО Вектор"),
    ])  # fmt: skip
    _import(world, data, QueuedNews())
    with world.container.uow(world.portal_id) as uow:
        assert [i.payment.number for i in review_queue(uow, "смирнов")] == ["31"]
        assert [i.payment.number for i in review_queue(uow, "ЗАЙМА")] == ["32"]
        assert len(review_queue(uow, "")) == 2


def test_amounts_are_read_as_people_type_them() -> None:
    assert parse_amount("60 000,50") == Money(Decimal("60000.50"))
    assert parse_amount("60000") == Money(Decimal("60000"))
    with pytest.raises(DeskProblem):
        parse_amount("NaN")
