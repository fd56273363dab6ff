from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.documents import IssuedDocument
from backend.domain.errors import InvalidRequisites
from backend.domain.lease import VatMode
from backend.domain.money import Money
from backend.domain.parties import Person
from documents.errors import InvalidDocumentData
from documents.labels import format_amount, long_date, period_text, rent_line_text
from documents.view import build_view
from tests import factories

FEBRUARY = BillingPeriod(date(2026, 2, 1), date(2026, 2, 28))


def _invoice(total: str = "122000.00", vat: str = "22000.00") -> IssuedDocument:
    amount, tax = Money(Decimal(total)), Money(Decimal(vat))
    line = DocumentLine(rent_line_text("101", FEBRUARY, "ru"), FEBRUARY, 1, "мес.", amount,
                        amount, tax, "101")  # fmt: skip
    return IssuedDocument(
        lease_id=1, kind=DocumentKind.INVOICE, number="12", issued_on=date(2026, 2, 1),
        period=FEBRUARY, lines=(line,), net=amount - tax, vat=tax, total=amount,
        due_on=date(2026, 2, 5),
    )  # fmt: skip


def test_whole_month_is_named_and_a_part_is_given_by_dates() -> None:
    assert period_text(FEBRUARY, "ru") == "февраль 2026"
    assert period_text(BillingPeriod(date(2026, 2, 20), date(2026, 2, 28)), "ru") == (
        "20.02.2026–28.02.2026"
    )
    assert period_text(BillingPeriod(date(2026, 1, 1), date(2026, 2, 28)), "en") == (
        "01.01.2026–28.02.2026"
    )
    assert rent_line_text("101", FEBRUARY, "ru") == "Аренда помещения 101 за февраль 2026"


def test_dates_and_amounts_are_printed_the_russian_way() -> None:
    assert long_date(date(2026, 3, 8), "ru") == "«8» марта 2026 г."
    assert format_amount(Decimal("1234567.5"), "ru") == "1\u00a0234\u00a0567,50"
    assert format_amount(Decimal("1234567.5"), "en") == "1,234,567.50"


def test_invoice_view_holds_the_printed_strings() -> None:
    view = build_view(factories.lease(), _invoice())
    assert view.heading == "Счет на оплату № 12 от «1» февраля 2026 г."
    assert view.vat_label == "В том числе НДС (22%)"
    assert view.vat_amount == "22\u00a0000,00"
    assert view.amount_words == "Сто двадцать две тысячи рублей 00 копеек"
    assert view.due == "05.02.2026"
    assert view.basis == "Договор аренды № А-15/2026 от 15.01.2026"
    assert [s.role for s in view.signatories] == ["Руководитель", "Бухгалтер"]


def test_act_is_signed_by_both_parties() -> None:
    act = replace(_invoice(), kind=DocumentKind.ACT)
    view = build_view(
        factories.lease(), act, tenant_signatory=Person("Смирнов А. В.", position="Директор")
    )
    assert [(s.role, s.position, s.name) for s in view.signatories] == [
        ("Исполнитель", "Генеральный директор", "Иванов Иван Иванович"),
        ("Заказчик", "Директор", "Смирнов А. В."),
    ]


def test_untaxed_lease_says_so() -> None:
    view = build_view(factories.lease(vat=VatMode(None)), _invoice("100000.00", "0"))
    assert (view.vat_label, view.vat_amount) == ("Без налога (НДС)", "—")


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (_invoice("0.00", "0.00"), "lines[0].amount"),
        (replace(_invoice(), lines=()), "lines"),
        (replace(_invoice(), vat=Money(Decimal(1))), "total"),
    ],
)
def test_documents_without_a_positive_consistent_total_are_refused(
    document: IssuedDocument, field: str
) -> None:
    with pytest.raises(InvalidDocumentData) as caught:
        build_view(factories.lease(), document)
    assert caught.value.field == field


def test_rouble_invoice_to_a_tenant_with_a_bad_inn_or_kpp_is_refused() -> None:
    for tenant, field in (
        (factories.tenant(inn="7702070130"), "tenant.inn"),
        (factories.tenant(kpp="12"), "tenant.kpp"),
    ):
        with pytest.raises(InvalidRequisites) as caught:
            build_view(factories.lease(tenant=tenant), _invoice())
        assert caught.value.field == field


def test_rouble_invoice_of_a_landlord_with_a_bad_inn_is_refused() -> None:
    lease = factories.lease(landlord=factories.landlord(inn="7707083894"))
    with pytest.raises(InvalidRequisites) as caught:
        build_view(lease, _invoice())
    assert caught.value.field == "landlord.inn"
