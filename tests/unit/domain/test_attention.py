"""Needs attention: each of seed 000's checks finds what it should and nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from backend.domain.attention import (
    PlannedDocument,
    ReceivedPayment,
    Rule,
    Snapshot,
    counts,
    is_overdue,
    needs_attention,
)
from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import ActStatus, InvoiceStatus, IssuedDocument
from backend.domain.lease import Lease, LeaseStatus
from backend.domain.money import Money
from backend.domain.payments import Payment
from backend.domain.schedule import plan
from tests import factories

TODAY = date(2026, 3, 10)
S = LeaseStatus


def rub(text: str) -> Money:
    return Money(Decimal(text))


def lease(lease_id: int, **overrides: object) -> Lease:
    built = factories.lease(**overrides)
    built.id = lease_id
    return built


def doc(
    doc_id: int,
    kind: DocumentKind = DocumentKind.INVOICE,
    *,
    due_on: date | None = date(2026, 3, 5),
    paid: str = "0",
    status: str = InvoiceStatus.ISSUED,
    lease_id: int = 1,
) -> IssuedDocument:
    total = rub("100000.00")
    return IssuedDocument(
        lease_id=lease_id,
        kind=kind,
        number=str(doc_id),
        issued_on=date(2026, 2, 25),
        period=BillingPeriod(date(2026, 3, 1), date(2026, 3, 31)),
        lines=(),
        net=total,
        vat=rub("0"),
        total=total,
        due_on=due_on,
        status=status,
        paid=rub(paid),
        id=doc_id,
    )


def rules(snapshot: Snapshot) -> list[tuple[Rule, int | None]]:
    return [
        (i.rule, i.document_id or i.payment_id or i.lease_id)
        for i in needs_attention(snapshot, TODAY)
    ]


def test_leases_being_drafted_are_not_active_but_future_signed_ones_are_not_flagged() -> None:
    leases = [
        lease(1, status=S.DRAFT),
        lease(2, status=S.BOOKED),
        lease(3, status=S.ON_SIGNING),
        lease(4, status=S.SIGNED, start=date(2026, 6, 1), original_received=True),
        lease(5, status=S.CANCELLED),
    ]
    found = rules(Snapshot(leases=leases))
    assert found == [
        (Rule.LEASE_NOT_ACTIVE, 1),
        (Rule.LEASE_NOT_ACTIVE, 2),
        (Rule.LEASE_NOT_ACTIVE, 3),
    ]


def test_active_leases_without_original_and_needing_registration() -> None:
    short = {"start": date(2026, 1, 1), "end": date(2026, 11, 30)}
    long = {"start": date(2026, 1, 1), "end": date(2027, 12, 31)}
    leases = [
        lease(1, status=S.SIGNED, original_received=False, **short),
        lease(2, status=S.SIGNED, original_received=True, **short),
        lease(3, status=S.SIGNED, original_received=True, **long),
        lease(4, status=S.REGISTERED, original_received=True, **long),
        lease(
            5,
            status=S.SIGNED,
            original_received=False,
            start=date(2025, 1, 1),
            end=date(2025, 12, 31),
        ),
    ]
    found = rules(Snapshot(leases=leases))
    assert found == [(Rule.LEASE_WITHOUT_ORIGINAL, 1), (Rule.LEASE_NEEDS_REGISTRATION, 3)]


def test_overdue_debt_is_summed_per_lease() -> None:
    documents = [
        doc(1, paid="40000.00"),
        doc(2, due_on=date(2026, 3, 1)),
        doc(3, due_on=date(2026, 3, 10), lease_id=2),  # due today: not overdue yet
        doc(4, paid="100000.00", lease_id=3),
    ]
    items = [
        i
        for i in needs_attention(Snapshot(documents=documents), TODAY)
        if i.rule is Rule.LEASE_OVERDUE_DEBT
    ]
    assert [(i.lease_id, i.detail) for i in items] == [(1, "160000.00 RUB")]


def test_unpaid_invoices_past_due_or_without_due_date() -> None:
    documents = [
        doc(1),  # past due
        doc(2, due_on=None),  # no due date
        doc(3, due_on=date(2026, 3, 20)),  # not due yet
        doc(4, paid="100000.00", status=InvoiceStatus.PAID),
        doc(5, status=InvoiceStatus.CANCELLED),
    ]
    unpaid = [d for r, d in rules(Snapshot(documents=documents)) if r is Rule.INVOICE_UNPAID]
    assert unpaid == [1, 2]
    assert is_overdue(documents[0], TODAY)
    assert not is_overdue(documents[1], TODAY)


def test_cancelled_invoices_with_payments() -> None:
    documents = [
        doc(1, status=InvoiceStatus.CANCELLED, paid="10.00"),
        doc(2, status=InvoiceStatus.CANCELLED),
    ]
    assert rules(Snapshot(documents=documents)) == [(Rule.INVOICE_CANCELLED_WITH_PAYMENTS, 1)]


def test_planned_documents_due_today_or_earlier_and_not_issued() -> None:
    items = plan(factories.lease(start=date(2026, 2, 1), end=date(2026, 6, 30)))
    planned = [PlannedDocument(7, item) for item in items]
    snapshot = Snapshot(planned=planned)
    found = needs_attention(snapshot, TODAY)
    invoice_periods = [i.detail for i in found if i.rule is Rule.INVOICE_NOT_ISSUED]
    act_periods = [i.detail for i in found if i.rule is Rule.ACT_NOT_ISSUED]
    # invoices 5 days before the month: Feb (27.01) and Mar (24.02) are due; Apr (27.03) not
    assert invoice_periods == [
        "01.02.2026–28.02.2026 (27.01.2026)",
        "01.03.2026–31.03.2026 (24.02.2026)",
    ]
    # February's act is dated the period's last day, 28.02, on or before TODAY
    assert act_periods == ["01.02.2026–28.02.2026 (28.02.2026)"]
    assert {i.lease_id for i in found} == {7}


def test_acts_on_signing() -> None:
    documents = [
        doc(1, DocumentKind.ACT, status=ActStatus.ON_SIGNING, due_on=None),
        doc(2, DocumentKind.ACT, status=ActStatus.SIGNED, due_on=None),
    ]
    assert rules(Snapshot(documents=documents)) == [(Rule.ACT_ON_SIGNING, 1)]


def test_money_not_fully_allocated() -> None:
    payment = Payment("15", date(2026, 3, 2), rub("150000.00"), id=9)
    payments = [
        ReceivedPayment(payment, rub("100000.00")),
        ReceivedPayment(replace(payment, id=10), rub("150000.00")),
    ]
    found = needs_attention(Snapshot(payments=payments), TODAY)
    assert [(i.rule, i.payment_id, i.detail) for i in found] == [
        (Rule.MONEY_NOT_ALLOCATED, 9, "№ 15: 50000.00 RUB of 150000.00 RUB")
    ]


def test_counts_list_every_rule() -> None:
    found = needs_attention(Snapshot(leases=[lease(1, status=S.DRAFT)], documents=[doc(2)]), TODAY)
    tally = counts(found)
    assert len(tally) == 10
    assert tally[Rule.LEASE_NOT_ACTIVE] == 1
    assert tally[Rule.INVOICE_UNPAID] == 1
    assert tally[Rule.LEASE_OVERDUE_DEBT] == 1
    assert tally[Rule.MONEY_NOT_ALLOCATED] == 0
