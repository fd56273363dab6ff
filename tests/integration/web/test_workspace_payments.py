"""The workspace's payments section over HTTP: an uploaded statement's result is the page
answered (each payment with what became of it), a broken file names its lines and stores
nothing, money is placed by a typed invoice number (a wrong one answered next to its field),
an allocation is undone, the deal's push is queued, and a manager is kept out."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from backend.domain.billing import DocumentKind
from backend.services.leases import register_lease
from tests import factories
from tests.payments_world import doc, make_invoice, statement_file
from tests.security.bitrix24_world import World, token_of, world

__all__ = ["world"]  # the fixture
MANAGER = 7


@pytest.fixture
def queued(world: World) -> list[tuple[str, tuple[Any, ...]]]:
    sent: list[tuple[str, tuple[Any, ...]]] = []
    world.container.task_sender = lambda name, *args: sent.append((name, args))
    return sent


def _portal_with_invoices(world: World) -> int:
    portal = world.installed()
    with world.container.uow(portal.id) as uow:
        lease_id = register_lease(
            uow, world.container.clock, factories.lease(), crm_deal_id="42", crm_pipeline_id="0"
        ).lease_id
        for number, month in (("БП-000101", 2), ("БП-000102", 3)):
            uow.documents.add(make_invoice(lease_id, number, month, "100000.00"))
        uow.commit()
    return portal.id or 0


def _token(world: World, user_id: int = 1) -> str:
    return token_of(world.open("/bitrix24/app", user_id, PLACEMENT="DEFAULT"))


def _upload(world: World, token: str, data: bytes, lang: str = "ru") -> Any:
    return world.web.post(
        f"/workspace/payments/statement?t={token}&LANG={lang}",
        data={"t": token, "lang": lang, "file": (io.BytesIO(data), "kl_to_1c.txt")},
        content_type="multipart/form-data",
    )


def test_an_uploaded_statement_shows_each_payment_and_queues_the_deals_debt(
    world: World, queued: list[tuple[str, tuple[Any, ...]]]
) -> None:
    _portal_with_invoices(world)
    token = _token(world)
    data = statement_file(docs=[
        doc("11", "100000.00", "Оплата по счету № 101"),
        doc("12", "40000.00", "Оплата по сч. БП-000102"),
        doc("14", "5000.00", "Возврат займа", payer_inn="500100732259", payer="ИП Смирнов"),
        doc("15", "777.00", "Оплата поставщику", payee_account="40702810900000000999"),
    ])  # fmt: skip

    answer = _upload(world, token, data)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    rows = re.findall(r'<tr class="outcome-(\w+)">', html)
    assert rows == ["matched", "partial", "review"]
    assert 'id="count-not-ours">1<' in html
    assert "Счёт оплачен частично" in html
    assert "40\u00a0000,00\u00a0₽" in html
    assert [name for name, _ in queued].count("jobs.tasks.crm_payment_news") == 1
    (news,) = [args for name, args in queued if name == "jobs.tasks.crm_payment_news"]
    assert "БП-000102" in str(news)
    assert "№ 14" in html  # the review queue lists the unplaced payment


def test_a_broken_statement_names_its_lines_and_stores_nothing(world: World) -> None:
    portal_id = _portal_with_invoices(world)
    token = _token(world)
    broken = statement_file(docs=[doc("11", "100000.00", "Оплата")]).replace(
        "Сумма=100000.00".encode("cp1251"), "Сумма=сто".encode("cp1251")
    )

    answer = _upload(world, token, broken, "en")

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "The statement has errors, so nothing of it was taken." in html
    assert re.search(r"<li>Line \d+: the document from line \d+ is broken: ", html)
    assert "is not an amount in roubles and kopecks" in html
    russian = _upload(world, token, broken, "ru").get_data(as_text=True)
    assert re.search(r"<li>Строка \d+: документ со строки \d+ испорчен: .*№ 11: Сумма", russian)
    assert "не сумма в рублях и копейках" in russian
    with world.container.uow(portal_id) as uow:
        assert uow.payments.not_fully_allocated() == []


def _review_form(html: str) -> str:
    found = re.search(r'name="payment" value="(\d+)"', html)
    assert found is not None
    return found.group(1)


def test_money_is_placed_by_invoice_number_a_wrong_number_answered_by_its_field_and_undone(
    world: World, queued: list[tuple[str, tuple[Any, ...]]]
) -> None:
    portal_id = _portal_with_invoices(world)
    token = _token(world)
    page = _upload(world, token, statement_file(docs=[
        doc("14", "100000.00", "Аренда", payer_inn="500100732259", payer="ИП Смирнов"),
    ])).get_data(as_text=True)  # fmt: skip
    payment = _review_form(page)
    url = f"/workspace/payments/allocate?t={token}&LANG=ru"

    check = f"/workspace/payments/check?t={token}&LANG=ru"  # the inline check: nothing written
    inline = world.web.post(check, data={"t": token, "payment": payment, "target": "СЧ-999",
                                         "amount": "двести"})  # fmt: skip
    assert inline.get_json() == {"errors": {
        "amount": "Введите сумму больше нуля, например 60000 или 60 000,50.",
        "target": "Нет открытого счёта или договора с номером СЧ-999.",
    }}  # fmt: skip
    over = world.web.post(check, data={"t": token, "payment": payment, "target": "БП-000101",
                                       "amount": "100 000,01"})  # fmt: skip
    assert list(over.get_json()["errors"]) == ["amount"]
    fine = world.web.post(check, data={"t": token, "payment": payment, "target": "БП-000101",
                                       "amount": "100 000"})  # fmt: skip
    assert fine.get_json() == {"errors": {}}
    with world.container.uow(portal_id) as uow:
        assert uow.payments.journal() == []

    wrong = world.web.post(url, data={"t": token, "lang": "ru", "payment": payment,
                                      "target": "СЧ-999", "amount": "100000"})  # fmt: skip
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    assert "Нет открытого счёта или договора с номером СЧ-999." in html
    assert 'value="СЧ-999"' in html  # what was typed is kept

    right = world.web.post(url, data={"t": token, "lang": "ru", "payment": payment,
                                      "target": "БП-000101", "amount": "100 000,00"})  # fmt: skip
    assert right.status_code == 200
    assert "Разнесено: счёт № БП-000101." in right.get_data(as_text=True)
    with world.container.uow(portal_id) as uow:
        paid = [
            d.number for d in uow.documents.list(kind=DocumentKind.INVOICE) if d.status == "paid"
        ]
        (entry,) = uow.payments.journal()
    assert paid == ["БП-000101"]

    form = {"t": token, "lang": "ru", "allocation": str(entry.id)}
    undone = world.web.post(f"/workspace/payments/undo?t={token}&LANG=ru", data=form)
    assert undone.status_code == 200
    assert "свободны для разноски" in undone.get_data(as_text=True)
    with world.container.uow(portal_id) as uow:
        assert uow.documents.get(entry.invoice_id or 0).status == "issued"
    assert [n for n, _ in queued].count("jobs.tasks.crm_payment_news") == 2


def test_a_manager_who_is_not_an_admin_cannot_open_payments(world: World) -> None:
    world.installed()
    token = _token(world, MANAGER)
    answer = world.web.get(f"/workspace/payments?t={token}&LANG=en")
    assert answer.status_code == 403
