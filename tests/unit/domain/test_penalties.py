"""Late-payment penalties (пени): accrued by day on the unpaid amount, kept once paid late,
invoiced on their own (issue 17 case 7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import DocumentPurpose, InvoiceStatus, IssuedDocument
from backend.domain.money import Money
from backend.domain.penalties import accrued_penalty, lease_penalty, penalty_invoice
from tests import factories

RATE = Decimal("0.1")  # % a day


def rub(text: str) -> Money:
    return Money(Decimal(text))


def invoice(invoice_id: int = 70, total: str = "255000.00", **overrides: object) -> IssuedDocument:
    amount = rub(total)
    values: dict[str, object] = {
        "lease_id": 1, "kind": DocumentKind.INVOICE, "number": str(invoice_id),
        "issued_on": date(2026, 2, 25),
        "period": BillingPeriod(date(2026, 3, 1), date(2026, 3, 31)),
        "lines": (), "net": amount, "vat": rub("0"), "total": amount, "due_on": date(2026, 3, 5),
        "paid": rub("0"), "id": invoice_id,
    }  # fmt: skip
    values.update(overrides)
    return IssuedDocument(**values)  # type: ignore[arg-type]


def test_an_unpaid_invoice_accrues_the_rate_on_its_amount_each_day_after_the_due_date() -> None:
    # 255 000 x 0.1% = 255.00 a day; 06.03..10.03 is 5 days
    assert accrued_penalty(invoice(), [], date(2026, 3, 10), RATE) == rub("1275.00")
    assert accrued_penalty(invoice(), [], date(2026, 3, 5), RATE) == rub("0")
    assert accrued_penalty(invoice(), [], date(2026, 3, 10), None) == rub("0")


def test_what_accrued_up_to_a_late_payment_stays_after_it() -> None:
    # the late tenant: paid in full 5 days late, on 10.03; the payment day counts (ВС РФ № 7
    # п. 48), so 5 days x 255.00 = 1 275.00, and no more afterwards
    paid = invoice(paid=rub("255000.00"), status=InvoiceStatus.PAID)
    payments = [(date(2026, 3, 10), rub("255000.00"))]
    assert accrued_penalty(paid, payments, date(2026, 3, 10), RATE) == rub("1275.00")
    assert accrued_penalty(paid, payments, date(2026, 12, 31), RATE) == rub("1275.00")


def test_a_partial_payment_lowers_the_daily_penalty_from_the_next_day() -> None:
    # 100 000 due 05.03; 40 000 paid 08.03: 06-08.03 on 100 000 (3 x 100.00) and
    # 09-15.03 on 60 000 (7 x 60.00) = 300.00 + 420.00 = 720.00
    partly = invoice(total="100000.00", paid=rub("40000.00"))
    payments = [(date(2026, 3, 8), rub("40000.00"))]
    assert accrued_penalty(partly, payments, date(2026, 3, 15), RATE) == rub("720.00")


def test_money_paid_before_the_due_date_never_accrues() -> None:
    # 30 000 of 100 000 paid on 01.03: 06-10.03 on 70 000 = 5 x 70.00 = 350.00
    payments = [(date(2026, 3, 1), rub("30000.00"))]
    assert accrued_penalty(invoice(total="100000.00"), payments, date(2026, 3, 10), RATE) == rub(
        "350.00"
    )


def test_penalty_and_cancelled_invoices_accrue_nothing() -> None:
    penalty = invoice(purpose=DocumentPurpose.PENALTY)
    cancelled = invoice(status=InvoiceStatus.CANCELLED)
    assert lease_penalty([penalty, cancelled], {}, date(2026, 4, 1), RATE) == rub("0")


def test_the_penalty_invoice_takes_what_is_not_invoiced_yet_and_the_next_one_the_rest() -> None:
    lease = factories.lease(penalty_rate_per_day=RATE)
    lease.id = 1
    rent = invoice()
    first = penalty_invoice(lease, [rent], {}, date(2026, 3, 10), date(2026, 3, 11), 5)
    assert first is not None
    assert first.purpose is DocumentPurpose.PENALTY
    assert first.period == BillingPeriod(date(2026, 3, 6), date(2026, 3, 10))
    assert (first.total, first.vat, first.due_on) == (rub("1275.00"), rub("0"), date(2026, 3, 16))
    assert "Пени" in first.lines[0].description
    issued = IssuedDocument(**{**first.__dict__, "number": "9", "id": 90})
    # by 15.03: 10 days x 255.00 = 2 550.00, of which 1 275.00 invoiced: 1 275.00 more
    second = penalty_invoice(lease, [rent, issued], {}, date(2026, 3, 15), date(2026, 3, 15), 5)
    assert second is not None
    assert second.period == BillingPeriod(date(2026, 3, 11), date(2026, 3, 15))
    assert second.total == rub("1275.00")
    assert (
        penalty_invoice(lease, [rent, issued], {}, date(2026, 3, 10), date(2026, 3, 15), 5) is None
    )


@given(
    total=st.integers(1, 10_000_000),
    parts=st.lists(st.tuples(st.integers(-10, 40), st.integers(1, 5_000_000)), max_size=5),
    days=st.integers(0, 60),
)
def test_a_payment_never_raises_the_penalty_and_none_is_negative(
    total: int, parts: list[tuple[int, int]], days: int
) -> None:
    due = date(2026, 3, 5)
    until = date.fromordinal(due.toordinal() + days)
    payments = [(date.fromordinal(due.toordinal() + d), rub(str(a))) for d, a in parts]
    bill = invoice(total=f"{total}.00")
    unpaid = accrued_penalty(bill, [], until, RATE)
    with_payments = accrued_penalty(bill, payments, until, RATE)
    assert rub("0") <= with_payments <= unpaid
