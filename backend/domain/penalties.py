"""Late-payment penalties (пени): what accrued, what stays on the lease, what to invoice.

A rent invoice unpaid after its due date accrues the lease's rate (% per day) on the unpaid
amount of each day, from the day after the due date. A payment lowers the unpaid amount from
the day after it: the day of payment still counts in full (Пленум ВС РФ от 24.03.2016 № 7,
п. 48: the day of actual payment is included in the period of the penalty). What accrued up
to the payment stays owed once the invoice is paid: paying the rent late does not wipe the
penalty out, it only stops it growing. Penalty invoices accrue nothing themselves (no penalty
on a penalty), and penalties carry no VAT (they pay for no service: письмо Минфина России от
04.11.2022 № 03-07-11/107580).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.documents import DocumentPurpose, InvoiceStatus, IssuedDocument
from backend.domain.lease import Lease
from backend.domain.money import Money, round_money

Paid = tuple[date, Money]  # a payment's date and the part of it on the invoice


def accrues_penalty(invoice: IssuedDocument) -> bool:
    """A rent invoice, not cancelled, with a due date: the kind a penalty runs on."""
    return (
        invoice.kind is DocumentKind.INVOICE
        and invoice.purpose is DocumentPurpose.RENT
        and invoice.status != InvoiceStatus.CANCELLED
        and invoice.due_on is not None
    )


def accrued_penalty(
    invoice: IssuedDocument, paid: Sequence[Paid], until: date, rate_per_day: Decimal | None
) -> Money:
    """The penalty ``invoice`` accrued from the day after its due date up to ``until``
    (inclusive): each day, the amount unpaid at its start x rate / 100. ``paid`` are the
    payments placed on the invoice with their dates. Rounded once, to the kopeck."""
    zero = Money.zero(invoice.total.currency)
    if rate_per_day is None or not accrues_penalty(invoice) or invoice.due_on is None:
        return zero
    first = invoice.due_on + timedelta(days=1)
    if until < first:
        return zero
    # debt steps down the day after each payment; sum debt x days over the constant runs
    steps = sorted((on + timedelta(days=1), money.amount) for on, money in paid)
    debt, day, total = invoice.total.amount, first, Decimal(0)
    for change_on, amount in steps:
        if change_on <= day:
            debt -= amount
            continue
        if change_on > until:
            break
        total += max(debt, Decimal(0)) * (change_on - day).days
        debt -= amount
        day = change_on
    total += max(debt, Decimal(0)) * ((until - day).days + 1)
    return Money(round_money(total * rate_per_day / 100), invoice.total.currency)


def lease_penalty(
    invoices: Iterable[IssuedDocument],
    paid: dict[int, list[Paid]],
    until: date,
    rate_per_day: Decimal | None,
) -> Money:
    """Everything the lease's rent invoices accrued up to ``until``, paid or not (a late
    payment stops the penalty growing; it does not take back what accrued)."""
    total: Money | None = None
    for invoice in invoices:
        if not accrues_penalty(invoice):
            continue
        part = accrued_penalty(invoice, paid.get(invoice.id or 0, []), until, rate_per_day)
        total = part if total is None else total + part
    return total if total is not None else Money.zero()


def invoiced_penalties(documents: Iterable[IssuedDocument]) -> list[IssuedDocument]:
    """The lease's penalty invoices (not cancelled), by period."""
    found = [
        d
        for d in documents
        if d.kind is DocumentKind.INVOICE
        and d.purpose is DocumentPurpose.PENALTY
        and d.status != InvoiceStatus.CANCELLED
    ]
    return sorted(found, key=lambda d: d.period.start)


def penalty_invoice(
    lease: Lease,
    documents: Sequence[IssuedDocument],
    paid: dict[int, list[Paid]],
    until: date,
    today: date,
    due_days: int,
) -> IssuedDocument | None:
    """The invoice for the penalty accrued up to ``until`` and not invoiced yet, dated
    ``today`` and due ``due_days`` later; None when nothing is left to invoice.

    Its period runs from the day after the last penalty invoice (or the first day any
    invoice was late) to ``until``, so penalty invoices never overlap."""
    if lease.id is None:
        return None
    accrued = lease_penalty(documents, paid, until, lease.penalty_rate_per_day)
    earlier = invoiced_penalties(documents)
    invoiced = sum((d.total.amount for d in earlier), Decimal(0))
    amount = Money(accrued.amount - invoiced, accrued.currency)
    if not amount.is_positive():
        return None
    if earlier:
        start = earlier[-1].period.next_day()
    else:
        dues = [d.due_on for d in documents if accrues_penalty(d) and d.due_on is not None]
        start = min(dues) + timedelta(days=1)
    if start > until:
        return None
    period = BillingPeriod(start, until)
    line = DocumentLine(
        description=(
            f"Пени за просрочку оплаты по договору аренды № {lease.number}"
            f" от {lease.signed_on:%d.%m.%Y} за {period.start:%d.%m.%Y}–{period.end:%d.%m.%Y}"
        ),
        period=period,
        quantity=1,
        unit="усл.",
        price=amount,
        amount=amount,
        vat=Money.zero(amount.currency),
    )
    return IssuedDocument(
        lease_id=lease.id,
        kind=DocumentKind.INVOICE,
        number="",
        issued_on=today,
        period=period,
        lines=(line,),
        net=amount,
        vat=Money.zero(amount.currency),
        total=amount,
        due_on=today + timedelta(days=due_days),
        purpose=DocumentPurpose.PENALTY,
    )
