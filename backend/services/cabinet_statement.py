"""The reconciliation statement (акт сверки взаимных расчётов) of one lease for a period.

From the landlord's books as the cabinet shows them: invoices (not cancelled) are the
landlord's debit on their issue date, payments placed on the lease or its invoices the
credit on their payment date. The opening balance sums everything before the period; the
closing one is opening + debit − credit, which ``Statement.check`` proves before a PDF is
drawn. Positive balances are the tenant's debt.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backend.domain.billing import DocumentKind
from backend.domain.cabinet import TenantRef
from backend.domain.documents import DocumentPurpose, InvoiceStatus
from backend.domain.errors import DomainError, NotFound
from backend.domain.reconciliation import ZERO, Statement, StatementLine
from backend.services.cabinet_ports import CabinetUnitOfWorkFactory

MAX_DAYS = 366 * 10


class PeriodRefused(DomainError):
    """A period that is not one: end before start, or longer than ten years."""


def reconciliation(
    uow_factory: CabinetUnitOfWorkFactory, ref: TenantRef, lease_id: int, start: date, end: date
) -> Statement:
    """The statement of the tenant's lease ``lease_id`` for [start, end]; ``NotFound`` when the
    lease is not theirs, ``PeriodRefused`` for a period that is not one."""
    if end < start or (end - start).days > MAX_DAYS:
        raise PeriodRefused("the period must start before it ends and span at most ten years")
    with uow_factory(ref.portal_id) as uow:
        data = uow.cabinet.data
        if lease_id not in data.lease_ids(ref.portal_id, ref.ids):
            raise NotFound(f"lease {lease_id}")
        lease = uow.leases.get_many([lease_id])[lease_id]
        documents = [
            d
            for d in data.documents(ref.portal_id, [lease_id])
            if d.kind is DocumentKind.INVOICE and d.status != InvoiceStatus.CANCELLED
        ]
        payments = data.payments(ref.portal_id, [lease_id], [d.id for d in documents if d.id])
    movements = [
        StatementLine(
            d.issued_on,
            "penalty" if d.purpose is DocumentPurpose.PENALTY else "invoice",
            d.number,
            d.total.amount,
            ZERO,
        )
        for d in documents
    ]
    credited: dict[tuple[date, str], Decimal] = {}
    for payment in payments:  # a payment split over invoices is one credit line
        key = (payment.paid_on, payment.number)
        credited[key] = credited.get(key, ZERO) + payment.amount
    movements += [StatementLine(on, "payment", no, ZERO, amt) for (on, no), amt in credited.items()]
    movements.sort(key=lambda m: (m.on, m.kind == "payment", m.number))
    before = [m for m in movements if m.on < start]
    inside = tuple(m for m in movements if start <= m.on <= end)
    opening = sum((m.debit - m.credit for m in before), ZERO)
    debit = sum((m.debit for m in inside), ZERO)
    credit = sum((m.credit for m in inside), ZERO)
    return Statement(
        lease_number=lease.number, lease_signed_on=lease.signed_on,
        landlord=lease.landlord.name, landlord_inn=lease.landlord.inn,
        tenant=lease.tenant.name, tenant_inn=lease.tenant.inn, start=start, end=end,
        currency=lease.rent.currency, opening=opening, lines=inside, debit=debit,
        credit=credit, closing=opening + debit - credit,
    ).check()  # fmt: skip
