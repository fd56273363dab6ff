"""What an accountant checks after a statement: the invoices with what is paid and owed.

``rentflow invoices list`` prints it; amounts are the store's, as allocations left them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.domain.billing import DocumentKind
from backend.domain.documents import InvoiceStatus
from backend.domain.money import Money
from backend.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice as the list shows it."""

    id: int
    number: str
    issued_on: date
    lease_id: int
    lease_number: str
    tenant: str
    period_start: date
    period_end: date
    due_on: date | None
    total: Money
    paid: Money
    outstanding: Money
    status: str
    purpose: str  # rent, or penalty (пени)


def list_invoices(
    uow: UnitOfWork, *, lease_id: int | None = None, status: InvoiceStatus | None = None
) -> list[InvoiceLine]:
    """The portal's invoices (of one lease, in one status), by issue date then number."""
    if lease_id is not None:
        documents = uow.documents.for_lease(lease_id, DocumentKind.INVOICE)
    else:
        documents = uow.documents.list(kind=DocumentKind.INVOICE)
    if status is not None:
        documents = [d for d in documents if d.status == status]
    leases = uow.leases.get_many(sorted({d.lease_id for d in documents}))
    lines = []
    for d in documents:
        lease = leases.get(d.lease_id)
        paid = d.paid if d.paid is not None else Money.zero(d.total.currency)
        lines.append(
            InvoiceLine(
                id=d.id or 0, number=d.number, issued_on=d.issued_on, lease_id=d.lease_id,
                lease_number=lease.number if lease else "",
                tenant=lease.tenant.name if lease else "",
                period_start=d.period.start, period_end=d.period.end, due_on=d.due_on,
                total=d.total, paid=paid, outstanding=d.outstanding, status=str(d.status),
                purpose=str(d.purpose),
            )
        )  # fmt: skip
    return sorted(lines, key=lambda line: (line.issued_on, line.id))
