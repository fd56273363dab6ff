"""The lease card: everything about one lease a manager or accountant looks at, read in one
transaction and handed to the page as plain values.

Parties, premises and terms; the schedule as planned and as issued side by side, each period
with its proration (a part of a month is billed days/days-of-month, seed 000); the documents
with their PDF links; the payments placed on them; the debt and the late-payment penalty
(пени); what needs attention; and the history of changes from the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from backend.domain.attention import PlannedDocument, Snapshot, needs_attention
from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import InvoiceStatus, outstanding_debt
from backend.domain.lease import Lease
from backend.domain.parties import Premises
from backend.domain.penalties import accrued_penalty
from backend.domain.periods import calendar_months
from backend.domain.schedule import terms_in_force
from backend.domain.status import effective_status
from backend.services.document_links import link_urls
from backend.services.penalties import PenaltyState, payments_by_invoice, penalty_state
from backend.services.unit_of_work import UnitOfWork

HISTORY_DOCUMENTS = 60  # the history lists the changes of the lease's latest documents


@dataclass(frozen=True)
class MonthShare:
    """A part of a calendar month a period covers: ``days`` of ``of_days`` (proration)."""

    month: date
    days: int
    of_days: int


@dataclass(frozen=True)
class ScheduleRow:
    """One period of the schedule: planned (not issued yet) or issued (with its number)."""

    kind: str
    start: date
    end: date
    issue_on: date
    due_on: date | None
    total: Decimal
    state: str  # planned | issued | cancelled
    number: str = ""
    document_id: int | None = None
    whole_months: int = 0
    parts: tuple[MonthShare, ...] = ()


@dataclass(frozen=True)
class DocumentView:
    id: int
    kind: str
    number: str
    issued_on: date
    start: date
    end: date
    due_on: date | None
    total: Decimal
    paid: Decimal
    outstanding: Decimal
    status: str
    purpose: str
    penalty: Decimal
    pdf: str  # the link a person opens: the invoice with its QR code, or the act
    links: dict[str, str] = field(default_factory=dict)
    has_payments: bool = False


@dataclass(frozen=True)
class PaymentView:
    paid_on: date | None
    number: str
    payer: str
    amount: Decimal
    invoice_number: str  # "" when kept on the lease as an advance
    on_cancelled: bool  # placed on an invoice that was cancelled since: to move


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str
    actor: str
    details: dict[str, Any]


@dataclass(frozen=True)
class LeaseCard:
    lease: Lease
    status: str  # as a person sees it today (active / expired derived from the dates)
    deal_id: str | None
    schedule: list[ScheduleRow]
    documents: list[DocumentView]
    payments: list[PaymentView]
    debt: Decimal
    penalty: PenaltyState
    attention: list[tuple[str, str]]
    history: list[HistoryEntry]
    monthly_rent: Decimal  # in force today (``terms_in_force``), not the one first typed
    currency: str
    rent_changes: tuple[tuple[date, Decimal], ...] = ()  # later changes: from, new rent
    premises: tuple[Premises, ...] = ()  # in force today

    @property
    def acts_to_sign(self) -> list[DocumentView]:
        return [
            d for d in self.documents if d.kind == "act" and d.status in {"issued", "on_signing"}
        ]

    @property
    def attention_counts(self) -> list[tuple[str, int]]:
        """Each rule that flags the lease once, with how many of its items it flags, in the
        order the rules first flag it (three unissued invoices are one line, not three)."""
        counts: dict[str, int] = {}
        for rule, _ in self.attention:
            counts[rule] = counts.get(rule, 0) + 1
        return list(counts.items())

    @property
    def invoices_to_cancel(self) -> list[DocumentView]:
        return [d for d in self.documents if d.kind == "invoice" and d.status != "cancelled"]


def proration(period: BillingPeriod) -> tuple[int, tuple[MonthShare, ...]]:
    """How many whole calendar months ``period`` covers, and the parts of the others."""
    whole, parts = 0, []
    for month in calendar_months(period.start, period.end):
        covered = BillingPeriod(max(month.start, period.start), min(month.end, period.end))
        if covered == month:
            whole += 1
        else:
            parts.append(MonthShare(month.start, covered.days, month.days))
    return whole, tuple(parts)


def lease_card(
    uow: UnitOfWork, lease_id: int, today: date, link_url: Callable[[str], str]
) -> LeaseCard:
    """The card of ``lease_id`` (``NotFound`` for another portal's lease)."""
    lease = uow.leases.get(lease_id)
    deal_id, _pipeline = uow.leases.deal_of(lease_id)
    documents = uow.documents.for_lease(lease_id)
    links = uow.links.for_documents(uow.portal_id or 0, [d.id or 0 for d in documents])
    paid = payments_by_invoice(uow, lease_id)
    allocations = uow.payments.allocations(lease_id=lease_id)
    paid_invoices = {a.invoice_id for a in allocations if a.invoice_id is not None}
    views = []
    for d in documents:
        urls = link_urls(links.get(d.id or 0, []), link_url)
        pdf = urls.get("invoice_qr") or urls.get("invoice") or urls.get("act") or ""
        penalty = accrued_penalty(d, paid.get(d.id or 0, []), today, lease.penalty_rate_per_day)
        views.append(DocumentView(
            id=d.id or 0, kind=str(d.kind), number=d.number, issued_on=d.issued_on,
            start=d.period.start, end=d.period.end, due_on=d.due_on, total=d.total.amount,
            paid=(d.paid.amount if d.paid is not None else Decimal(0)),
            outstanding=d.outstanding.amount, status=str(d.status), purpose=str(d.purpose),
            penalty=penalty.amount, pdf=pdf, links=urls, has_payments=d.id in paid_invoices,
        ))  # fmt: skip
    planned = uow.schedule.for_lease(lease_id)
    due = [PlannedDocument(lease_id, i) for i in planned if i.issue_on <= today]
    flags = needs_attention(Snapshot([lease], documents, due), today)
    return LeaseCard(
        lease=lease, status=str(effective_status(lease, today)), deal_id=deal_id,
        schedule=_schedule(planned, documents), documents=views,
        payments=_payments(uow, allocations, {d.id: d for d in documents}),
        debt=outstanding_debt(documents), penalty=penalty_state(lease, documents, paid, today),
        attention=[(str(f.rule), f.detail) for f in flags],
        history=_history(uow, lease_id, [d.id or 0 for d in documents]),
        currency=lease.currency, **_terms(lease, today),
    )  # fmt: skip


def _terms(lease: Lease, today: date) -> dict[str, Any]:
    """The rent and premises in force today and the rent's later changes (addenda,
    indexation), as the schedule bills them: never the rent first typed."""
    terms = terms_in_force(lease, today)
    return {
        "monthly_rent": terms.monthly.amount,
        "rent_changes": tuple((on, rent.amount) for on, rent in terms.changes),
        "premises": terms.premises,
    }


def _schedule(planned: list[Any], documents: list[Any]) -> list[ScheduleRow]:
    rows = []
    for item in planned:
        whole, parts = proration(item.period)
        rows.append(ScheduleRow(
            kind=str(item.kind), start=item.period.start, end=item.period.end,
            issue_on=item.issue_on, due_on=item.due_on, total=item.total.amount,
            state="planned", whole_months=whole, parts=parts,
        ))  # fmt: skip
    for d in documents:
        if str(d.purpose) != "rent":
            continue
        whole, parts = proration(d.period)
        state = "cancelled" if d.status == InvoiceStatus.CANCELLED else "issued"
        rows.append(ScheduleRow(
            kind=str(d.kind), start=d.period.start, end=d.period.end, issue_on=d.issued_on,
            due_on=d.due_on, total=d.total.amount, state=state, number=d.number,
            document_id=d.id, whole_months=whole, parts=parts,
        ))  # fmt: skip
    return sorted(rows, key=lambda r: (r.start, r.kind != DocumentKind.INVOICE, r.state))


def _payments(
    uow: UnitOfWork, allocations: list[Any], documents: dict[Any, Any]
) -> list[PaymentView]:
    out = []
    payments: dict[int, Any] = {}
    for a in allocations:
        if a.payment_id not in payments:
            payments[a.payment_id] = uow.payments.get(a.payment_id)
        payment = payments[a.payment_id]
        invoice = documents.get(a.invoice_id)
        out.append(PaymentView(
            paid_on=payment.paid_on, number=payment.number, payer=payment.payer_name,
            amount=a.amount.amount, invoice_number=invoice.number if invoice else "",
            on_cancelled=invoice is not None and invoice.status == InvoiceStatus.CANCELLED,
        ))  # fmt: skip
    return sorted(out, key=lambda p: (p.paid_on or date.min, p.number))


def _history(uow: UnitOfWork, lease_id: int, document_ids: list[int]) -> list[HistoryEntry]:
    entries = list(uow.audit.entries("lease", lease_id))
    for document_id in sorted(document_ids)[-HISTORY_DOCUMENTS:]:
        entries += uow.audit.entries("document", document_id)
    return sorted(
        (HistoryEntry(e["at"], e["action"], e["actor"], dict(e["details"] or {})) for e in entries),
        key=lambda h: h.at,
        reverse=True,
    )
