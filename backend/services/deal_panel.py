"""What a CRM card panel shows for a deal: its lease, schedule, documents with links, payments,
debt and needs-attention flags (seed 000).

Shared by the amoCRM lead-card widget and the Bitrix24 deal tab: both call ``deal_panel``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from backend.domain.attention import PlannedDocument, Snapshot, needs_attention
from backend.domain.documents import outstanding_debt
from backend.domain.penalties import accrued_penalty
from backend.domain.status import effective_status
from backend.services.document_links import document_urls
from backend.services.lease_list import rent_in_force
from backend.services.penalties import payments_by_invoice, penalty_state
from backend.services.unit_of_work import UnitOfWork


def deal_panel(
    uow: UnitOfWork, today: date, deal_id: str, link_url: Callable[[str], str]
) -> dict[str, Any]:
    """The panel of one deal as JSON-ready data; ``{"lease": None}`` when it has no lease.

    Each document carries its public links by role and ``url``, the one a manager opens (the
    QR invoice, or the act); rent invoices paid late or still unpaid show the late-payment
    penalty (пени) they accrued, and the lease its total, what was invoiced of it and what
    is left to invoice."""
    lease = uow.leases.by_deal(deal_id)
    if lease is None or lease.id is None:
        return {
            "deal_id": deal_id,
            "lease": None,
            "schedule": [],
            "documents": [],
            "payments": [],
            "debt": "0.00",
            "attention": [],
        }
    documents = uow.documents.for_lease(lease.id)
    planned = [
        PlannedDocument(lease_id, item)
        for lease_id, item in uow.schedule.due(today)
        if lease_id == lease.id
    ]
    flags = needs_attention(Snapshot([lease], documents, planned), today)
    debt = outstanding_debt(documents)
    numbers = {d.id: d.number for d in documents if d.id is not None}  # people see numbers
    paid = payments_by_invoice(uow, lease.id)
    penalties = penalty_state(lease, documents, paid, today)
    rate = lease.penalty_rate_per_day
    rent, changes = rent_in_force(lease, today)  # as the lease card shows it
    return {
        "deal_id": deal_id,
        "lease": {
            "id": lease.id,
            "number": lease.number,
            "status": str(lease.status),
            "effective_status": str(effective_status(lease, today)),
            "start": lease.start.isoformat(),
            "end": lease.effective_end().isoformat(),
            "tenant": lease.tenant.name,
            "monthly_rent": None if rent is None else str(rent),
            "currency": lease.currency,
            "rent_changes": [[on.isoformat(), str(amount)] for on, amount in changes],
        },
        "schedule": [
            {
                "kind": str(item.kind),
                "period": [item.period.start.isoformat(), item.period.end.isoformat()],
                "issue_on": item.issue_on.isoformat(),
                "total": str(item.total.amount),
            }
            for item in uow.schedule.for_lease(lease.id)
        ],
        "documents": [
            {
                "kind": str(d.kind),
                "number": d.number,
                "issued_on": d.issued_on.isoformat(),
                "period": [d.period.start.isoformat(), d.period.end.isoformat()],
                "total": str(d.total.amount),
                "status": str(d.status),
                "outstanding": str(d.outstanding.amount),
                "penalty": str(accrued_penalty(d, paid.get(d.id or 0, []), today, rate).amount),
                "purpose": str(d.purpose),
                **_links(uow, d.id or 0, link_url),
            }
            for d in documents
        ],
        "payments": [
            {
                "payment_id": a.payment_id,
                "invoice_id": a.invoice_id,
                "invoice_number": numbers.get(a.invoice_id or 0, ""),
                "amount": str(a.amount.amount),
            }
            for a in uow.payments.allocations(lease_id=lease.id)
        ],
        "debt": str(debt),
        # accrued up to today, paid invoices included: a late payment does not undo it
        "penalty": str(penalties.accrued.amount),
        "penalty_invoiced": str(penalties.invoiced.amount),
        "penalty_to_invoice": str(penalties.to_invoice.amount),
        "attention": [{"rule": str(f.rule), "detail": f.detail} for f in flags],
    }


def _links(uow: UnitOfWork, document_id: int, link_url: Callable[[str], str]) -> dict[str, Any]:
    urls = document_urls(uow, document_id, link_url)
    main = urls.get("invoice_qr") or urls.get("invoice") or urls.get("act") or ""
    return {"url": main, "links": urls}
