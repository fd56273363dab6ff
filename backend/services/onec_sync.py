"""Polling 1C:Бухгалтерия's OData for incoming payments (поступления на расчётный счёт).

The poll reads posted, not-deleted ``Document_ПоступлениеНаРасчетныйСчет`` of kind
``ОплатаПокупателя`` since a date, and their ``РасшифровкаПлатежа`` rows: a row naming an
invoice (``СчетНаОплату_Key``) pays our invoice with the same number; what no row places is
matched like a bank statement payment (``backend.domain.matching``). Payments are unique by
their 1C ``Ref_Key``, so re-reading a window twice adds nothing; the poll always re-reads the
last ``days`` days, which is how a poll missed while 1C was down is caught up.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from backend.domain.errors import stored_id
from backend.domain.matching import PlannedAllocation, twin_key
from backend.domain.money import Money
from backend.domain.payments import Payment
from backend.ports import Clock
from backend.services.lease_events import EventQueue
from backend.services.ledger import Ledger
from backend.services.payment_news import NewsQueue, PaymentNews, payment_line
from backend.services.payments import move_paid_deals
from backend.services.unit_of_work import UnitOfWork

PAYMENTS = "Document_ПоступлениеНаРасчетныйСчет"
BREAKDOWN = f"{PAYMENTS}_РасшифровкаПлатежа"
INVOICES = "Document_СчетНаОплатуПокупателю"
COUNTERPARTIES = "Catalog_Контрагенты"
EMPTY_REF = "00000000-0000-0000-0000-000000000000"


class OneCReader(Protocol):
    """What the poll needs of an OData client (``backend.onec.odata.ODataClient``)."""

    def query(
        self, entity_set: str, *, filter: str | None = None, select: str | None = None
    ) -> list[dict[str, Any]]: ...
    def get(self, entity_set: str, ref_key: str) -> dict[str, Any]: ...


@dataclass
class PollSummary:
    """What one poll found and did."""

    read: int = 0
    added: int = 0
    duplicates: int = 0
    to_review: int = 0
    invoices_paid: list[str] = field(default_factory=list)
    invoices_partially_paid: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _filter_since(since: date) -> str:
    # the literal form of backend.onec.odata.datetime_literal, kept here: services stay
    # free of the HTTP client
    return (
        "Posted eq true and DeletionMark eq false and ВидОперации eq 'ОплатаПокупателя'"
        f" and Date ge datetime'{since:%Y-%m-%d}T00:00:00'"
    )


class _Lookups:
    """Counterparties and invoices of 1C, fetched once per poll."""

    def __init__(self, onec: OneCReader) -> None:
        self.onec = onec
        self.counterparties: dict[str, Mapping[str, Any]] = {}
        self.invoices: dict[str, Mapping[str, Any]] = {}

    def counterparty(self, key: str) -> Mapping[str, Any]:
        if not key or key == EMPTY_REF:
            return {}
        if key not in self.counterparties:
            self.counterparties[key] = self.onec.get(COUNTERPARTIES, key)
        return self.counterparties[key]

    def invoice(self, key: str) -> Mapping[str, Any]:
        if key not in self.invoices:
            self.invoices[key] = self.onec.get(INVOICES, key)
        return self.invoices[key]


def payment_from_odata(entity: Mapping[str, Any], payer: Mapping[str, Any]) -> Payment:
    """A 1C ``ПоступлениеНаРасчетныйСчет`` as a ``Payment`` keyed by its ``Ref_Key``."""
    return Payment(
        number=str(entity.get("НомерВходящегоДокумента") or entity.get("Number", ""))[:64],
        paid_on=datetime.fromisoformat(str(entity["Date"])).date(),
        amount=Money(Decimal(str(entity["СуммаДокумента"]))),
        payer_name=str(payer.get("Description", "")),
        payer_inn=str(payer.get("ИНН", ""))[:12],
        purpose=str(entity.get("НазначениеПлатежа", "")),
        source="odata",
        external_id=str(entity["Ref_Key"]),
    )


def poll_payments(
    uow: UnitOfWork,
    clock: Clock,
    onec: OneCReader,
    *,
    days: int = 31,
    queue: EventQueue | None = None,
    news_queue: NewsQueue | None = None,
) -> PollSummary:
    """Read the last ``days`` days of incoming payments from 1C and allocate the new ones.

    The caller commits; the deal moves of paid invoices are queued through ``queue`` then,
    the deals' debt and notes through ``news_queue``.
    ``OneCUnavailable`` from the client propagates (the task retries).
    """
    since = date.fromordinal(clock.today().toordinal() - days)
    lookups, ledger, summary = _Lookups(onec), Ledger(uow, clock, actor="1c"), PollSummary()
    added: dict[int, Payment] = {}
    # the same money imported from a bank statement is not added again
    twins = uow.payments.twin_keys(since, date.max, exclude_source="odata")
    for entity in onec.query(PAYMENTS, filter=_filter_since(since)):
        summary.read += 1
        payer = lookups.counterparty(str(entity.get("Контрагент_Key", "")))
        payment = payment_from_odata(entity, payer)
        if twin_key(payment) in twins:
            summary.duplicates += 1
            continue
        stored = uow.payments.add(payment, clock.now())
        if stored is None or stored.id is None:
            summary.duplicates += 1
            continue
        summary.added += 1
        added[stored.id] = stored
        left = _apply_breakdown(onec, lookups, ledger, stored)
        if left.is_positive() and ledger.allocate(stored, available=left).needs_review:
            summary.to_review += 1
    ledger.flush()
    summary.invoices_paid = [i.number for i in ledger.paid]
    summary.invoices_partially_paid = [i.number for i in ledger.partially_paid.values()]
    move_paid_deals(uow, clock, queue, ledger.paid)
    news = PaymentNews()
    for payment_id, planned in ledger.placed:
        line = payment_line(added[payment_id], planned.amount, ledger.number_of(planned.invoice_id))
        news.add(planned.lease_id, line)
    news.send_after_commit(uow, news_queue)
    return summary


def _apply_breakdown(
    onec: OneCReader, lookups: _Lookups, ledger: Ledger, payment: Payment
) -> Money:
    """Allocate the rows that name an invoice we issued; return what is left."""
    payment_id = stored_id(payment.id, "payment")
    left = payment.amount
    ref = uuid.UUID(payment.external_id)  # a GUID, never text spliced into the filter
    rows = onec.query(BREAKDOWN, filter=f"Ref_Key eq guid'{ref}'")
    for row in rows:
        key = str(row.get("СчетНаОплату_Key") or EMPTY_REF)
        if key == EMPTY_REF or not left.is_positive():
            continue
        ours = ledger.by_number(str(lookups.invoice(key).get("Number", "")))
        if not ours:
            continue
        invoice = ours[0]
        amount = min(Money(Decimal(str(row.get("СуммаПлатежа", 0)))), left, invoice.outstanding)
        if amount.is_positive() and invoice.id is not None:
            ledger.record(payment_id, PlannedAllocation(amount, invoice.lease_id, invoice.id))
            left = left - amount
    return left
