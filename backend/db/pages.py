"""Cursor pages of a portal's leases, documents and payments for the public API: one indexed
query for the ids after the cursor, then the repositories' batched reads (no query per row)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.tables import DocumentRow, LeaseRow, PaymentRow
from backend.domain.money import Money
from backend.domain.payments import Payment

_TABLES: dict[str, Any] = {"leases": LeaseRow, "documents": DocumentRow, "payments": PaymentRow}


class PageRepository:
    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def ids(self, kind: str, *, after: int = 0, limit: int = 100) -> list[int]:
        """Ids of ``kind`` (leases, documents, payments) after id ``after``, ascending."""
        table = _TABLES[kind]
        return list(
            self.session.scalars(
                select(table.id)
                .where(table.portal_id == self.portal_id, table.id > after)
                .order_by(table.id)
                .limit(limit)
            )
        )

    def payments(self, *, after: int = 0, limit: int = 100) -> list[tuple[Payment, Money]]:
        """Payments after id ``after`` with the amount allocated of each."""
        rows = self.session.scalars(
            select(PaymentRow)
            .where(PaymentRow.portal_id == self.portal_id, PaymentRow.id > after)
            .order_by(PaymentRow.id)
            .limit(limit)
        )
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
