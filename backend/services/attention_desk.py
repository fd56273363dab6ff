"""Needs attention as the workspace shows it: the ten rules of ``services.attention`` for
one portal, a manager's own leases only, each item with what a person reads (the lease's
number and tenant, the document's number, the amount, the date) and where to go (its lease
card, its deal in the CRM), never an internal id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from backend.domain.attention import AttentionItem, Rule, is_overdue
from backend.domain.billing import BillingPeriod, DocumentKind, ScheduleItem
from backend.domain.documents import IssuedDocument
from backend.domain.lease import Lease
from backend.domain.money import Money
from backend.domain.portal import Portal
from backend.services.attention import AttentionFilter, attention_report
from backend.services.unit_of_work import UnitOfWork

PLANNED_RULES = {
    Rule.INVOICE_NOT_ISSUED: DocumentKind.INVOICE,
    Rule.ACT_NOT_ISSUED: DocumentKind.ACT,
}


@dataclass(frozen=True)
class AttentionRow:
    """One item: ``on`` is the due date (invoices), the planned date (not issued), the
    issue date (acts), the payment's date (money); ``amount`` what is owed or unplaced."""

    rule: Rule
    lease_id: int | None = None
    lease_number: str = ""
    tenant: str = ""
    lease_status: str = ""
    deal_url: str = ""
    document_number: str = ""
    amount: Money | None = None
    on: date | None = None
    period: BillingPeriod | None = None
    payer: str = ""


@dataclass(frozen=True)
class AttentionBoard:
    """Every rule in order with its rows (an empty list: nothing to do there)."""

    rules: list[tuple[Rule, list[AttentionRow]]]

    @property
    def total(self) -> int:
        return sum(len(rows) for _, rows in self.rules)


def deal_url(portal: Portal, deal_id: str | None) -> str:
    """The deal's page in its CRM, or "" when the lease has no deal."""
    if not deal_id or not portal.domain:
        return ""
    if portal.kind == "amocrm":
        return f"{portal.web_base}/leads/detail/{deal_id}"
    return f"{portal.web_base}/crm/deal/details/{deal_id}/"  # its own origin and scheme


def attention_board(uow: UnitOfWork, today: date, manager: str = "") -> AttentionBoard:
    """The portal's items; ``manager`` (a CRM user id) narrows them to that manager's leases
    (unplaced money then belongs to nobody's lease and is left out)."""
    report = attention_report(uow, today, AttentionFilter(manager=manager))
    context = _context(uow, today, report.items)
    rows: dict[Rule, list[AttentionRow]] = {rule: [] for rule in Rule}
    for item in report.items:
        rows[item.rule].append(_row(uow, context, item))
    return AttentionBoard(list(rows.items()))


@dataclass(frozen=True)
class _Context:
    """What the items point at, read in batches once for the whole board. ``planned``: the
    planned documents not issued yet, by kind, taken in order by the "not issued" items."""

    portal: Portal
    today: date
    leases: Mapping[int, Lease]
    deals: Mapping[int, tuple[str | None, str]]
    docs: Mapping[int, IssuedDocument]
    lease_docs: Mapping[int, Sequence[IssuedDocument]]
    planned: Mapping[DocumentKind, list[tuple[int, ScheduleItem]]]


def _context(uow: UnitOfWork, today: date, items: Sequence[AttentionItem]) -> _Context:
    lease_ids = sorted({i.lease_id for i in items if i.lease_id is not None})
    leases = uow.leases.get_many(lease_ids)
    indebted = {i.lease_id or 0 for i in items if i.rule is Rule.LEASE_OVERDUE_DEBT}
    planned = {kind: [(lid, item) for lid, item in uow.schedule.due(today)
                      if lid in leases and item.kind is kind and item.issue_on <= today]
               for kind in PLANNED_RULES.values()}  # fmt: skip
    return _Context(
        portal=uow.portals.get(uow.portal_id or 0),
        today=today,
        leases=leases,
        deals=uow.leases.deals_of(lease_ids),
        docs=uow.documents.get_many(sorted({i.document_id for i in items if i.document_id})),
        lease_docs={lid: uow.documents.for_lease(lid) for lid in sorted(indebted - {0})},
        planned=planned,
    )


def _row(uow: UnitOfWork, context: _Context, item: AttentionItem) -> AttentionRow:
    """The item as a person reads it: its lease, then what the rule is about (the debt, the
    document, the planned date or the unplaced payment)."""
    lease_id = item.lease_id or 0
    deal = context.deals.get(lease_id, (None, ""))[0]
    row = _lease_part(item.rule, context.portal, context.leases.get(lease_id), deal)
    if item.rule is Rule.LEASE_OVERDUE_DEBT:
        return _with(row, amount=_overdue(context.lease_docs.get(lease_id, []), context.today))
    if item.document_id is not None:
        return _document_row(row, context.docs[item.document_id])
    if item.rule in PLANNED_RULES:
        _, planned_item = context.planned[PLANNED_RULES[item.rule]].pop(0)
        return _with(row, on=planned_item.issue_on, period=planned_item.period)
    if item.payment_id is not None:
        return _payment_row(uow, row, item.payment_id)
    return row


def _payment_row(uow: UnitOfWork, row: AttentionRow, payment_id: int) -> AttentionRow:
    payment = uow.payments.get(payment_id)
    left = payment.amount - uow.payments.allocated(payment_id)
    return _with(row, document_number=payment.number, amount=left, on=payment.paid_on,
                 payer=payment.payer_name or payment.payer_inn)  # fmt: skip


def _lease_part(rule: Rule, portal: Portal, lease: Lease | None, deal: str | None) -> AttentionRow:
    if lease is None:
        return AttentionRow(rule)
    return AttentionRow(
        rule, lease.id, lease.number, lease.tenant.name, lease.status.value, deal_url(portal, deal)
    )


def _with(row: AttentionRow, **values: object) -> AttentionRow:
    return replace(row, **values)  # type: ignore[arg-type]


def _document_row(row: AttentionRow, doc: IssuedDocument) -> AttentionRow:
    if row.rule is Rule.INVOICE_UNPAID:
        return _with(row, document_number=doc.number, amount=doc.outstanding, on=doc.due_on,
                     period=doc.period)  # fmt: skip
    if row.rule is Rule.INVOICE_CANCELLED_WITH_PAYMENTS:
        return _with(row, document_number=doc.number, amount=doc.paid, on=doc.issued_on)
    return _with(row, document_number=doc.number, on=doc.issued_on, period=doc.period)


def _overdue(documents: Sequence[IssuedDocument], today: date) -> Money | None:
    owed = [d.outstanding for d in documents if is_overdue(d, today)]
    return sum(owed[1:], owed[0]) if owed else None
