"""Payment matching (разноска): invoice numbers, payer INN, contract, amount; properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import InvoiceStatus, IssuedDocument
from backend.domain.matching import (
    LeaseParty,
    MatchedBy,
    contract_reference,
    invoice_references,
    match_payment,
    normalise_number,
)
from backend.domain.money import Money
from backend.domain.payments import Payment

TENANT_INN = "7728168971"
LEASES = {
    1: LeaseParty(1, TENANT_INN, "А-15/2026"),
    2: LeaseParty(2, TENANT_INN, "А-16/2026"),
    3: LeaseParty(3, "7719617469", "Б-1/2026"),
}


def invoice(
    invoice_id: int,
    number: str,
    total: str,
    *,
    lease_id: int = 1,
    month: int = 2,
    paid: str = "0",
    status: str = InvoiceStatus.SENT,
) -> IssuedDocument:
    period = BillingPeriod(date(2026, month, 1), date(2026, month, 28))
    amount = Money(Decimal(total))
    return IssuedDocument(
        id=invoice_id,
        lease_id=lease_id,
        kind=DocumentKind.INVOICE,
        number=number,
        issued_on=date(2026, month, 1),
        period=period,
        lines=(),
        net=amount,
        vat=Money.zero(),
        total=amount,
        paid=Money(Decimal(paid)),
        status=status,
    )


def payment(amount: str, purpose: str, inn: str = TENANT_INN) -> Payment:
    return Payment(
        number="105", paid_on=date(2026, 2, 9), amount=Money(Decimal(amount)),
        payer_inn=inn, purpose=purpose,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("purpose", "numbers"),
    [
        ("Оплата по счету № 123 от 01.02.2026 за аренду", ["123"]),
        ("Оплата аренды по сч. 123. Без НДС", ["123"]),
        ("Оплата по счёт №БП-000123", ["123"]),
        ("Оплата по сч/ф 0123", ["123"]),
        ("Оплата по счетам № 12, 13 и 14", ["12", "13", "14"]),
        ("по счетам № 2 от 01.01.2026 и № 5 от 01.02.2026", ["2", "5"]),
        ("Оплата по счетам № 2 и № 5 за аренду", ["2", "5"]),
        ("Оплата по счетам №№ 2, 5", ["2", "5"]),
        ("Оплата по счетам 2, 5. НДС не облагается", ["2", "5"]),
        ("по счету № 2 от 01.01.2026г., по счету № 5 от 01.02.2026г.", ["2", "5"]),
        ("Оплата по счету № 5 от 01.02.2026 и № 2", ["5", "2"]),
        ("СЧЕТ НА ОПЛАТУ N 77 от 01.02.26", ["77"]),
        ("Перечисление на расчетный счет по договору", []),
        ("Возврат займа", []),
    ],
)
def test_invoice_numbers_are_found_in_the_ways_people_write_them(
    purpose: str, numbers: list[str]
) -> None:
    assert [r.number for r in invoice_references(purpose)] == numbers


def test_the_date_written_next_to_the_number_is_kept() -> None:
    (ref,) = invoice_references("Оплата по счету № 123 от 01.02.2026")
    assert ref.on == date(2026, 2, 1)


def test_each_number_of_a_list_keeps_its_own_date() -> None:
    refs = invoice_references("по счетам № 2 от 01.01.2026 и № 5 от 01.02.2026")
    assert [(r.number, r.on) for r in refs] == [("2", date(2026, 1, 1)), ("5", date(2026, 2, 1))]


def test_numbers_compare_without_prefixes_and_leading_zeros() -> None:
    assert normalise_number("БП-000123") == normalise_number("123") == "123"
    assert normalise_number("RF-0000") == "0"


def test_a_contract_number_is_read_from_the_purpose() -> None:
    assert contract_reference("Арендная плата по договору № А-15/2026, без НДС") == "А-15/2026"
    assert contract_reference("Оплата по дог. №Б-1/2026") == "Б-1/2026"


def test_an_exact_payment_by_number_pays_the_invoice() -> None:
    result = match_payment(
        payment("1000.00", "Оплата по счету № 123"), [invoice(10, "БП-000123", "1000.00")], LEASES
    )
    assert result.matched_by is MatchedBy.INVOICE_NUMBER
    assert [(a.invoice_id, a.amount.amount) for a in result.allocations] == [
        (10, Decimal("1000.00"))
    ]
    assert result.unallocated.is_zero()


def test_a_partial_payment_leaves_the_remainder_open() -> None:
    result = match_payment(payment("400.00", "по сч. 123"), [invoice(10, "123", "1000.00")], LEASES)
    assert [(a.invoice_id, a.amount.amount) for a in result.allocations] == [
        (10, Decimal("400.00"))
    ]
    assert result.advance is None


def test_an_overpayment_becomes_an_advance_on_the_lease() -> None:
    result = match_payment(
        payment("1500.00", "по сч. 123"), [invoice(10, "123", "1000.00")], LEASES
    )
    assert result.advance == Money(Decimal("500.00"))
    assert result.allocations[-1].lease_id == 1
    assert not result.needs_review


def test_one_payment_covers_several_invoices_named_in_the_purpose() -> None:
    invoices = [invoice(10, "12", "1000.00"), invoice(11, "13", "1000.00", month=3)]
    result = match_payment(payment("2000.00", "Оплата по счетам № 12, 13"), invoices, LEASES)
    assert [a.invoice_id for a in result.allocations] == [10, 11]


def test_the_same_number_of_another_tenant_is_not_taken() -> None:
    invoices = [invoice(10, "123", "1000.00", lease_id=3)]
    result = match_payment(payment("1000.00", "по сч. 123"), invoices, LEASES)
    assert result.allocations == ()
    assert result.needs_review


def test_one_payment_for_two_invoices_with_dates_pays_both_in_the_order_named() -> None:
    # issue 17 case 2: 225 000 for № 2 (100 000) and № 5 (100 000): both paid, 25 000 advance
    invoices = [
        invoice(20, "2", "100000.00", month=1),
        invoice(50, "5", "100000.00", month=2),
    ]
    result = match_payment(
        payment("225000.00", "по счетам № 2 от 01.01.2026 и № 5 от 01.02.2026"), invoices, LEASES
    )
    assert [(a.invoice_id, a.amount.amount) for a in result.allocations] == [
        (20, Decimal("100000.00")),
        (50, Decimal("100000.00")),
        (None, Decimal("25000.00")),
    ]
    assert result.matched_by is MatchedBy.INVOICE_NUMBER


def test_money_goes_to_the_invoices_in_the_order_the_purpose_names_them() -> None:
    invoices = [invoice(20, "2", "1000.00", month=1), invoice(50, "5", "1000.00", month=2)]
    result = match_payment(payment("1500.00", "по счетам № 5 и № 2"), invoices, LEASES)
    assert [(a.invoice_id, a.amount.amount) for a in result.allocations] == [
        (50, Decimal("1000.00")),
        (20, Decimal("500.00")),
    ]


def test_a_payer_naming_another_tenants_invoice_goes_to_review_with_the_reason() -> None:
    # issue 17 case 4: the payer (TENANT_INN) names № 7, which is open only for lease 3
    invoices = [invoice(10, "6", "1000.00", lease_id=1), invoice(11, "7", "1000.00", lease_id=3)]
    result = match_payment(payment("1000.00", "Оплата по счету № 7"), invoices, LEASES)
    assert result.allocations == ()
    assert result.unallocated == Money(Decimal("1000.00"))
    assert result.needs_review
    assert "№ 7" in result.reason
    assert "7719617469" in result.reason
    assert TENANT_INN in result.reason


def test_without_a_number_the_payer_inn_pays_the_oldest_open_invoice_first() -> None:
    invoices = [
        invoice(12, "3", "1000.00", month=4),
        invoice(10, "1", "1000.00", month=2, paid="600.00", status=InvoiceStatus.PARTIALLY_PAID),
        invoice(11, "2", "1000.00", month=3),
        invoice(9, "0", "1000.00", month=1, status=InvoiceStatus.PAID, paid="1000.00"),
    ]
    result = match_payment(
        payment("1200.00", "Арендная плата", inn=TENANT_INN), invoices, {1: LEASES[1]}
    )
    assert [(a.invoice_id, a.amount.amount) for a in result.allocations] == [
        (10, Decimal("400.00")),
        (11, Decimal("800.00")),
    ]
    assert result.matched_by is MatchedBy.PAYER_INN


def test_an_exact_amount_picks_that_invoice_before_older_ones() -> None:
    invoices = [invoice(10, "1", "1000.00"), invoice(11, "2", "750.00", month=3)]
    result = match_payment(payment("750.00", "Арендная плата"), invoices, {1: LEASES[1]})
    assert [a.invoice_id for a in result.allocations] == [11]


def test_the_contract_number_chooses_among_the_tenants_leases() -> None:
    invoices = [invoice(10, "1", "1000.00", lease_id=1), invoice(11, "2", "1000.00", lease_id=2)]
    result = match_payment(payment("1000.00", "Оплата по договору № А-16/2026"), invoices, LEASES)
    assert result.matched_by is MatchedBy.CONTRACT
    assert [a.invoice_id for a in result.allocations] == [11]


def test_money_of_a_tenant_with_two_leases_and_no_invoice_waits_for_a_manager() -> None:
    result = match_payment(payment("1000.00", "Арендная плата"), [], LEASES)
    assert result.allocations == ()
    assert result.unallocated == Money(Decimal("1000.00"))


def test_an_unknown_payer_goes_to_manual_review() -> None:
    result = match_payment(
        payment("1000.00", "Возврат займа", inn="500100732259"),
        [invoice(10, "1", "1000.00")],
        LEASES,
    )
    assert result.matched_by is MatchedBy.NOTHING
    assert result.needs_review


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@given(
    pay=amounts,
    totals=st.lists(st.tuples(amounts, st.integers(0, 100)), max_size=6),
    purpose=st.sampled_from(
        [
            "по сч. 1",
            "Оплата по счетам № 1, 2, 3",
            "Аренда",
            "по договору № А-15/2026",
            "по счетам № 3 от 01.03.2026 и № 1 от 01.01.2026",
            "Оплата по счетам №№ 2, 4",
            "по счетам 4, 1",
        ]
    ),
    inn=st.sampled_from([TENANT_INN, "", "7719617469"]),
)
def test_allocations_add_up_and_never_overpay_an_invoice(
    pay: Decimal, totals: list[tuple[Decimal, int]], purpose: str, inn: str
) -> None:
    invoices = [
        invoice(n, str(n), str(total), lease_id=1 + n % 3, month=1 + n % 12,
                paid=str((total * percent / 100).quantize(Decimal("0.01"))),
                status=InvoiceStatus.PARTIALLY_PAID if percent else InvoiceStatus.SENT)
        for n, (total, percent) in enumerate(totals, start=1)
    ]  # fmt: skip
    result = match_payment(payment(str(pay), purpose, inn=inn), invoices, LEASES)
    allocated = sum((a.amount.amount for a in result.allocations), Decimal(0))
    assert allocated + result.unallocated.amount == pay
    assert all(a.amount.is_positive() for a in result.allocations)
    assert not result.unallocated.is_negative()
    by_id = {i.id: i for i in invoices}
    for a in result.allocations:
        if a.invoice_id is not None:
            assert a.amount <= by_id[a.invoice_id].outstanding
    assert len({a.invoice_id for a in result.allocations}) == len(result.allocations)
