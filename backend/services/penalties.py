"""Late-payment penalties (пени) of a lease: what accrued, and their invoice.

The rules are ``backend.domain.penalties``; here the lease's documents and the dates of the
payments on them are read, and a penalty invoice is issued like any billing-run document:
numbered in the landlord's invoice series, rendered with its own QR code, published, and
then part of the lease's debt (the panel's and the CRM deal's debt field). A lease whose
terms say ``penalty_invoicing: monthly`` gets it from the billing run for what accrued up to
each month's end; any lease gets it on demand (``rentflow invoices penalty``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from backend.domain.documents import IssuedDocument
from backend.domain.errors import DomainError
from backend.domain.lease import DueAnchor, Lease, PenaltyInvoicing
from backend.domain.money import Money
from backend.domain.penalties import Paid, invoiced_penalties, lease_penalty, penalty_invoice
from backend.services.billing_ports import BillingPorts, PortalRun, pages
from backend.services.billing_publish import publish_document_files
from backend.services.ledger import payments_by_invoice
from backend.services.numbering import next_document_number

DEFAULT_DUE_DAYS = 5  # a penalty invoice of a lease due by a day of the period


@dataclass(frozen=True)
class PenaltyState:
    """A lease's penalties on a day: accrued in all, already invoiced, still to invoice."""

    accrued: Money
    invoiced: Money
    to_invoice: Money


def penalty_state(
    lease: Lease, documents: list[IssuedDocument], paid: dict[int, list[Paid]], today: date
) -> PenaltyState:
    """What the lease's penalties stand at on ``today``."""
    accrued = lease_penalty(documents, paid, today, lease.penalty_rate_per_day)
    invoiced = Money.zero(accrued.currency)
    for document in invoiced_penalties(documents):
        invoiced = invoiced + document.total
    rest = accrued - invoiced
    return PenaltyState(accrued, invoiced, rest if rest.is_positive() else Money.zero())


def invoice_penalty(
    ports: BillingPorts, portal_id: int, lease_id: int, today: date, until: date | None = None
) -> int | None:
    """Issue the lease's penalty invoice for what accrued up to ``until`` (default: today)
    and is not invoiced yet; returns its id, or None when nothing is owed. Dated ``today``,
    due as the lease's payment term says (N days after issue; 5 days for a lease paying by a
    day of the period). ``DomainError`` for a lease whose documents cannot be made."""
    with ports.uow(portal_id) as uow:
        lease = uow.leases.get(lease_id)
        if lease.landlord.id is None:
            raise DomainError(f"lease {lease.number} has no stored landlord")
        rule = lease.due_rule
        due_days = rule.days if rule.anchor is DueAnchor.AFTER_ISSUE else DEFAULT_DUE_DAYS
        draft = penalty_invoice(
            lease, uow.documents.for_lease(lease_id), payments_by_invoice(uow, lease_id),
            until or today, today, due_days,
        )  # fmt: skip
        if draft is None:
            return None
        ports.rendering.check(lease, replace(draft, number="0"))
        number = next_document_number(uow, lease.landlord.id, draft.kind, today)
        document = uow.documents.add(
            replace(draft, number=number), now=ports.clock.now(), summary_pending=True
        )
        if document.id is None:
            return None
        details = {"lease": lease.number, "number": number, "period": str(draft.period)}
        details["amount"] = f"{draft.total.amount:.2f}"
        uow.audit.record(ports.clock.now(), "penalty.invoiced", "document", document.id, details)
        uow.commit()
    publish_document_files(ports, portal_id, document.id)
    return document.id


def previous_month_end(today: date) -> date:
    """The last day of the month before ``today``'s."""
    return today.replace(day=1) - timedelta(days=1)


def invoice_monthly_penalties(
    ports: BillingPorts,
    portal_id: int,
    today: date,
    result: PortalRun,
    leases: Collection[int] | None = None,
) -> None:
    """The billing run's share: leases with ``penalty_invoicing: monthly`` get an invoice
    for what accrued up to the end of last month, once (a later run the same month finds
    that month invoiced already); of ``leases`` only, when given (a chunk's). Failures are
    reported, the other leases go on. Their documents are read a page of leases at a time
    (``billing_ports.pages``)."""
    until = previous_month_end(today)
    with ports.uow(portal_id) as uow:
        ids = uow.leases.with_terms(leases, penalty_invoicing=PenaltyInvoicing.MONTHLY)
    for page in pages(ids):
        with ports.uow(portal_id) as uow:
            documents = uow.documents.for_leases(page)
        wanted = [
            lease_id
            for lease_id, of_lease in documents.items()
            if not (done := invoiced_penalties(of_lease)) or done[-1].period.end < until
        ]
        _invoice_each(ports, portal_id, today, until, wanted, result)


def _invoice_each(
    ports: BillingPorts,
    portal_id: int,
    today: date,
    until: date,
    wanted: Sequence[int],
    result: PortalRun,
) -> None:
    """Each lease's penalty invoice into ``result``; a failure is reported, the next goes on."""
    for lease_id in wanted:
        try:
            document_id = invoice_penalty(ports, portal_id, lease_id, today, until)
        except DomainError as err:
            result.failed.append({"lease_id": str(lease_id), "error": f"пени: {err}"})
            continue
        if document_id is not None:
            result.issued.append(document_id)


__all__ = ["PenaltyState", "invoice_monthly_penalties", "invoice_penalty", "payments_by_invoice"]
