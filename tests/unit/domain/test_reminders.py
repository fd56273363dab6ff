"""Reminders (addendum start, lease end), the overdue chain and penalties (seed 000, 001)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import InvoiceStatus, IssuedDocument
from backend.domain.lease import Addendum
from backend.domain.money import Money
from backend.domain.reminders import (
    DEFAULT_CHAIN,
    GRACE_DAYS,
    Audience,
    ReminderKind,
    due_reminders,
    lease_reminders,
    overdue_reminders,
)
from tests import factories


def rub(text: str) -> Money:
    return Money(Decimal(text))


def test_lease_end_n_days_before_and_on_the_last_day() -> None:
    lease = factories.lease(end=date(2026, 12, 31), reminder_days=30)
    lease.id = 5
    before = lease_reminders(lease, date(2026, 12, 1))
    assert [(r.kind, r.days_left, r.audience) for r in before] == [
        (ReminderKind.LEASE_END, 30, (Audience.MANAGER, Audience.TENANT))
    ]
    last_day = lease_reminders(lease, date(2026, 12, 31))
    assert [r.days_left for r in last_day] == [0]
    assert before[0].key != last_day[0].key
    assert lease_reminders(lease, date(2026, 11, 30)) == []
    assert lease_reminders(lease, date(2027, 1, 1)) == []


def test_a_missed_night_is_caught_up_within_the_grace_days() -> None:
    lease = factories.lease(end=date(2026, 12, 31), reminder_days=30)
    caught = lease_reminders(lease, date(2026, 12, 1) + timedelta(days=GRACE_DAYS - 1))
    assert [r.days_left for r in caught] == [30]
    assert lease_reminders(lease, date(2026, 12, 1) + timedelta(days=GRACE_DAYS)) == []


def test_addendum_start_uses_its_own_lead_days() -> None:
    lease = factories.lease()
    lease.addenda.append(Addendum("ДС-1", date(2026, 6, 1), rent=None, reminder_days=10))
    assert [
        (r.kind, r.addendum, r.days_left) for r in lease_reminders(lease, date(2026, 5, 22))
    ] == [(ReminderKind.ADDENDUM_START, "ДС-1", 10)]
    assert [r.days_left for r in lease_reminders(lease, date(2026, 6, 1))] == [0]


def invoice(**overrides: object) -> IssuedDocument:
    total = rub("100000.00")
    values: dict[str, object] = {
        "lease_id": 1, "kind": DocumentKind.INVOICE, "number": "7", "issued_on": date(2026, 2, 25),
        "period": BillingPeriod(date(2026, 3, 1), date(2026, 3, 31)), "lines": (), "net": total,
        "vat": rub("0"), "total": total, "due_on": date(2026, 3, 5), "paid": rub("0"), "id": 70,
    }  # fmt: skip
    values.update(overrides)
    return IssuedDocument(**values)  # type: ignore[arg-type]


def test_the_default_chain_manager_then_supervisor_then_accountant() -> None:
    steps = {
        day: [
            (r.step, r.audience, r.crm_task)
            for r in overdue_reminders(invoice(), date(2026, 3, day))
        ]
        for day in (5, 6, 8, 12)
    }
    assert steps[5] == []  # due today: not overdue yet
    assert steps[6] == [(1, (Audience.MANAGER,), True)]
    assert (2, (Audience.SUPERVISOR,), False) in steps[8]
    assert (3, (Audience.ACCOUNTANT,), False) in steps[12]
    assert len({r.key for r in overdue_reminders(invoice(), date(2026, 3, 12))}) == 3
    assert [s.days_after_due for s in DEFAULT_CHAIN] == [1, 3, 7]


def test_the_chain_stops_when_the_invoice_is_paid_or_cancelled() -> None:
    paid = invoice(paid=rub("100000.00"), status=InvoiceStatus.PAID)
    assert overdue_reminders(paid, date(2026, 3, 8)) == []
    cancelled = invoice(status=InvoiceStatus.CANCELLED)
    assert overdue_reminders(cancelled, date(2026, 3, 8)) == []
    partly = invoice(paid=rub("1.00"), status=InvoiceStatus.PARTIALLY_PAID)
    assert overdue_reminders(partly, date(2026, 3, 6)) != []


def test_the_due_date_is_announced_three_days_before_and_on_the_day_only() -> None:
    # due 05.03: reminders on 02.03 (3 days before) and 05.03, none after
    days = {day: due_reminders(invoice(), date(2026, 3, day)) for day in (1, 2, 4, 5, 6)}
    assert days[1] == []
    assert [(r.days_left, r.audience) for r in days[2]] == [(3, (Audience.TENANT,))]
    assert [r.days_left for r in days[4]] == [3]  # a missed night still tells it
    assert [r.days_left for r in days[5]] == [0]
    assert days[6] == []
    assert days[2][0].key != days[5][0].key
    paid = invoice(paid=rub("100000.00"), status=InvoiceStatus.PAID)
    assert due_reminders(paid, date(2026, 3, 2)) == []
    assert [r.days_left for r in due_reminders(invoice(), date(2026, 2, 28), (5, 1))] == [5]
