"""Cursor pages of a portal's leases, documents and payments for the public API: one indexed
query for the ids after the cursor, then the repositories' batched reads (no query per row)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.tables import DocumentRow, LeaseRow, PaymentRow
from backend.domain.money import Money
from backend.domain.payments import Payment

_TABLES: dict[str, Any] = {"leases": LeaseRow, "documents": DocumentRow, "payments": PaymentRow}
# the filters the API offers, per list: query name -> column
FILTERS = {
    "leases": {"status": "status", "tenant_id": "tenant_id", "landlord_id": "landlord_id"},
    "documents": {"kind": "kind", "status": "status", "lease_id": "lease_id"},
}


class PageRepository:
    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def ids(
        self,
        kind: str,
        *,
        after: int = 0,
        limit: int = 100,
        where: Mapping[str, object] | None = None,
    ) -> list[int]:
        """Ids of ``kind`` (leases, documents) after id ``after``, ascending; ``where`` maps
        a filterable column (``FILTERS``) to the value it must equal (empty values ignored)."""
        table = _TABLES[kind]
        query = select(table.id).where(table.portal_id == self.portal_id, table.id > after)
        for name, value in (where or {}).items():
            if value not in ("", None):
                query = query.where(getattr(table, FILTERS[kind][name]) == value)
        return list(self.session.scalars(query.order_by(table.id).limit(limit)))

    def payments(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        paid_from: date | None = None,
        paid_to: date | None = None,
    ) -> list[tuple[Payment, Money]]:
        """Payments after id ``after`` (paid within the dates given) with the amount
        allocated of each."""
        query = select(PaymentRow).where(
            PaymentRow.portal_id == self.portal_id, PaymentRow.id > after
        )
        if paid_from is not None:
            query = query.where(PaymentRow.paid_on >= paid_from)
        if paid_to is not None:
            query = query.where(PaymentRow.paid_on <= paid_to)
        rows = self.session.scalars(query.order_by(PaymentRow.id).limit(limit))
        return [
            (
                Payment(
                    number=row.number,
                    paid_on=row.paid_on,
                    amount=Money(row.amount, row.currency),
                    payer_name=row.payer_name,
                    payer_inn=row.payer_inn,
                    payer_account=row.payer_account,
                    payee_account=row.payee_account,
                    purpose=row.purpose,
                    source=row.source,
                    external_id=row.external_id,
                    id=row.id,
                ),
                Money(row.allocated, row.currency),
            )
            for row in rows
        ]
