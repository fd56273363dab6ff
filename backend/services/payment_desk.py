"""The accountant's payments desk in the workspace: the review queue with a search, placing
money by an invoice's or a lease's number, the allocation journal, and undoing an allocation.

Numbers, not ids, are what a person types and reads; this module turns them into the
invoice or lease they name, and refuses with a ``DeskProblem`` naming the form field and
what is wrong (the page says it next to the field, in the viewer's language).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backend.domain.billing import DocumentKind
from backend.domain.documents import InvoiceStatus, IssuedDocument
from backend.domain.errors import DomainError
from backend.domain.matching import OPEN_STATUSES, normalise_number
from backend.domain.money import Money
from backend.domain.payments import AllocationEntry
from backend.domain.quantities import MONEY, QuantityProblem, read_quantity
from backend.ports import Clock
from backend.services.lease_events import EventQueue, take_back_paid
from backend.services.ledger import AllocationRefused
from backend.services.payment_news import NewsQueue, PaymentNews, payment_line
from backend.services.payments import ReviewItem, allocate_manually, review_list
from backend.services.unit_of_work import UnitOfWork

UNDO_ACTION = "payment.allocation_undone"
SHOWN = 300  # review rows and search suggestions a page lists at once


class DeskProblem(DomainError):
    """A desk form that cannot be done: ``field`` is the form field, ``code`` what is wrong
    (``amount``, ``too_large``, ``places``, ``over_payment``, ``over_invoice``,
    ``unknown_target``, ``ambiguous``, ``closed_invoice``, ``missing``, ``gone``), ``number``
    the number it is about, ``limit`` the amount (or places) it may not pass."""

    def __init__(self, field: str, code: str, number: str = "", limit: str = "") -> None:
        super().__init__(f"{field}: {code} {number} {limit}".strip())
        self.field, self.code, self.number, self.limit = field, code, number, limit


@dataclass(frozen=True)
class Target:
    """What money can be placed on: an open invoice (its rest) or a lease (an advance)."""

    number: str
    lease_number: str
    tenant: str
    outstanding: Money | None = None  # None: a lease
    invoice_id: int | None = None
    lease_id: int | None = None


def review_queue(uow: UnitOfWork, search: str = "", limit: int = SHOWN) -> list[ReviewItem]:
    """Payments with money not placed yet, oldest first, narrowed by ``search`` (number,
    payer, INN or words of the purpose, any case); at most ``limit``."""
    items = review_list(uow)
    words = search.strip().casefold()
    if not words:
        return items[:limit]
    return [
        i for i in items
        if words in " ".join((i.payment.number, i.payment.payer_name, i.payment.payer_inn,
                              i.payment.purpose)).casefold()
    ][:limit]  # fmt: skip


def targets(uow: UnitOfWork) -> list[Target]:
    """Every open invoice (newest first) and every lease, for the allocation search."""
    leases = {lease.id: lease for lease in uow.leases.list() if lease.id is not None}
    invoices = sorted(
        uow.documents.list(kind=DocumentKind.INVOICE, statuses=list(OPEN_STATUSES)),
        key=lambda d: (d.issued_on, d.id or 0),
        reverse=True,
    )
    found = [
        Target(d.number, leases[d.lease_id].number, leases[d.lease_id].tenant.name,
               d.outstanding, invoice_id=d.id, lease_id=d.lease_id)
        for d in invoices if d.lease_id in leases
    ]  # fmt: skip
    found += [
        Target(lease.number, lease.number, lease.tenant.name, lease_id=lease_id)
        for lease_id, lease in sorted(leases.items())
    ]
    return found


def resolve_target(uow: UnitOfWork, text: str) -> Target:
    """The open invoice or the lease a typed number names: an invoice's number as printed,
    or its digits alone when only one open invoice has them, else a lease number."""
    wanted = text.strip()
    if not wanted:
        raise DeskProblem("target", "missing")
    known = targets(uow)
    invoices = [t for t in known if t.invoice_id is not None]
    exact = [t for t in invoices if t.number.casefold() == wanted.casefold()]
    if not exact:
        exact = [t for t in invoices if normalise_number(t.number) == normalise_number(wanted)]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise DeskProblem("target", "ambiguous", wanted)
    leases = [t for t in known if t.invoice_id is None and t.number.casefold() == wanted.casefold()]
    if len(leases) == 1:
        return leases[0]
    closed = [d for d in uow.documents.list(kind=DocumentKind.INVOICE) if d.number == wanted]
    raise DeskProblem("target", "closed_invoice" if closed else "unknown_target", wanted)


def parse_amount(text: str) -> Money:
    """A typed amount: ``60000``, ``60 000,50``, ``60000.50`` (rubles, kopecks), above zero
    and within the bound of money (``too_large`` with the largest, ``places``)."""
    try:
        value = read_quantity(text, MONEY)
    except QuantityProblem as err:
        code = err.code if err.code in {"too_large", "places"} else "amount"
        raise DeskProblem("amount", code, limit=err.expected) from None
    if value == 0:
        raise DeskProblem("amount", "amount")
    return Money(value)


def allocate_by_number(
    uow: UnitOfWork,
    clock: Clock,
    payment_id: int,
    target_text: str,
    amount_text: str,
    *,
    by: str,
    queue: EventQueue | None = None,
    news_queue: NewsQueue | None = None,
) -> Target:
    """Place ``amount_text`` of the payment on the invoice or lease ``target_text`` names;
    the caller commits. ``DeskProblem`` says what to correct, nothing is written then."""
    target, amount = _checked(uow, payment_id, target_text, amount_text, lock=True)
    try:
        allocate_manually(
            uow, clock, payment_id, amount, invoice_id=target.invoice_id,
            lease_id=target.lease_id, by=by, queue=queue, news_queue=news_queue,
        )  # fmt: skip
    except AllocationRefused:  # paid by an import meanwhile
        raise DeskProblem("target", "closed_invoice", target.number) from None
    uow.audit.record(clock.now(), "payment.allocated_by_hand", "payment", payment_id,
                     {"amount": str(amount.amount), "to": target.number}, actor=by)  # fmt: skip
    return target


def _checked(
    uow: UnitOfWork, payment_id: int, target_text: str, amount_text: str, *, lock: bool
) -> tuple[Target, Money]:
    amount = parse_amount(amount_text)
    target = resolve_target(uow, target_text)
    _within_limits(uow, payment_id, target, amount, lock=lock)
    return target, amount


def _within_limits(
    uow: UnitOfWork, payment_id: int, target: Target, amount: Money, *, lock: bool
) -> None:
    """``amount`` is no more than the payment has left and the invoice still owes."""
    payment = uow.payments.get(payment_id)
    left = payment.amount - uow.payments.allocated(payment_id, lock=lock)
    if amount > left:
        raise DeskProblem("amount", "over_payment", payment.number, str(left.amount))
    if target.outstanding is not None and amount > target.outstanding:
        raise DeskProblem("amount", "over_invoice", target.number, str(target.outstanding.amount))


def allocation_problems(
    uow: UnitOfWork, payment_id: int, target_text: str, amount_text: str
) -> list[DeskProblem]:
    """What placing ``amount_text`` of the payment on ``target_text`` would be refused for,
    at most one problem a field, nothing written: the form's inline check, by the same rules
    as ``allocate_by_number`` (each field read once: resolving a target reads every lease
    and open invoice). ``NotFound`` for a payment that is not there."""
    found: list[DeskProblem] = []
    amount: Money | None = None
    target: Target | None = None
    try:
        amount = parse_amount(amount_text)
    except DeskProblem as problem:
        found.append(problem)
    try:
        target = resolve_target(uow, target_text)
    except DeskProblem as problem:
        found.append(problem)
    if amount is not None and target is not None:
        try:
            _within_limits(uow, payment_id, target, amount, lock=False)
        except DeskProblem as problem:
            found.append(problem)
    return found


def journal(uow: UnitOfWork, limit: int = 50) -> list[AllocationEntry]:
    """The latest allocations, newest first."""
    return uow.payments.journal(limit=limit)


def undo_allocation(
    uow: UnitOfWork,
    clock: Clock,
    allocation_id: int,
    *,
    by: str,
    queue: EventQueue | None = None,
    news_queue: NewsQueue | None = None,
) -> AllocationEntry:
    """Take an allocation back: the money is free to place again (the review queue shows
    it), the invoice owes it again and its status follows; the audit keeps what it was and
    who undid it, and the deal hears of it (debt, a note). An invoice no longer paid has its
    "paid" deal move taken back (``lease_events.take_back_paid``: a deal still at "paid" goes
    back, through ``queue``; paying again moves it again). The caller commits."""
    entry = uow.payments.remove_allocation(allocation_id)
    if entry.invoice_id is not None:
        invoice = uow.documents.get(entry.invoice_id)
        status = _status_after_undo(invoice)
        uow.documents.mark(invoice.id or 0, status=status)
        if status != InvoiceStatus.PAID:
            take_back_paid(uow, clock, invoice.id or 0, queue)
    uow.audit.record(
        clock.now(), UNDO_ACTION, "payment", entry.payment.id or 0,
        {"amount": str(entry.amount.amount), "invoice": entry.invoice_number,
         "lease": entry.lease_number, "placed_by": entry.by,
         "placed_at": entry.created_at.isoformat() if entry.created_at else ""},
        actor=by,
    )  # fmt: skip
    news = PaymentNews()
    line = payment_line(entry.payment, entry.amount, entry.invoice_number)
    news.add(entry.lease_id, f"Разноска отменена: {line}")
    news.send_after_commit(uow, news_queue)
    return entry


def _status_after_undo(invoice: IssuedDocument) -> str:
    if invoice.status == InvoiceStatus.CANCELLED:
        return invoice.status
    paid = invoice.paid.amount if invoice.paid is not None else Decimal(0)
    if paid > 0:
        return InvoiceStatus.PARTIALLY_PAID.value
    return (InvoiceStatus.SENT if invoice.sent_at else InvoiceStatus.ISSUED).value
