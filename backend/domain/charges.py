"""A charge invoiced by hand beside the rent (seed 003: accruals "by purpose"): utilities
(коммунальные услуги) or another charge, one line with the landlord's description, priced in
the lease's VAT mode (the amount typed is gross when VAT is included, net when it is on top).

It is an invoice of its own purpose: it never touches the rent schedule, no penalty (пени)
runs on it (``penalties.accrues_penalty`` counts rent only), and a lease has one such invoice
per purpose and first day of its period (the documents' idempotency key)."""

from __future__ import annotations

from datetime import date, timedelta

from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.documents import DocumentPurpose, IssuedDocument
from backend.domain.errors import InvalidLease
from backend.domain.lease import DueAnchor, Lease
from backend.domain.money import Money
from backend.domain.periods import describe_period

CHARGES = (DocumentPurpose.UTILITIES, DocumentPurpose.OTHER)
DEFAULT_DUE_DAYS = 5  # a lease due by a day of the period: a charge is due 5 days after it
UTILITIES_LINE = "Коммунальные услуги"


def charge_invoice(
    lease: Lease, purpose: DocumentPurpose, description: str, amount: Money,
    period: BillingPeriod, today: date,
) -> IssuedDocument:  # fmt: skip
    """The invoice of ``amount`` for ``description`` over ``period``, dated ``today`` and due
    as the lease's payment term says (N days after issue). ``InvalidLease`` for a purpose
    that is not a charge or an amount that is not positive."""
    if purpose not in CHARGES:
        raise InvalidLease("purpose", f"{purpose} is not a charge invoiced by hand")
    if not amount.is_positive():
        raise InvalidLease("amount", "must be more than zero")
    net, vat, total = lease.vat.split(amount)
    what = description or UTILITIES_LINE
    line = DocumentLine(
        description=f"{what} за {describe_period(period)}", period=period, quantity=1,
        unit="усл.", price=amount, amount=amount, vat=vat,
    )  # fmt: skip
    rule = lease.due_rule
    days = rule.days if rule.anchor is DueAnchor.AFTER_ISSUE else DEFAULT_DUE_DAYS
    return IssuedDocument(
        lease_id=lease.id or 0, kind=DocumentKind.INVOICE, number="0", issued_on=today,
        period=period, lines=(line,), net=net, vat=vat, total=total,
        due_on=today + timedelta(days=days), purpose=purpose,
    )  # fmt: skip
