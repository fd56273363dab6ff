"""Reading issued documents many at a time, and the row -> domain mapping: the base of
``DocumentRepository`` (``documents_repo``), for the billing run's batches."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.batching import in_chunks
from backend.db.scoped import _line_from_json, _Scoped
from backend.db.tables import DocumentRow
from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import DocumentPurpose, IssuedDocument
from backend.domain.money import Money


def _document_from_row(row: DocumentRow) -> IssuedDocument:
    cur = row.currency
    return IssuedDocument(
        id=row.id,
        lease_id=row.lease_id,
        kind=DocumentKind(row.kind),
        number=row.number,
        issued_on=row.issued_on,
        period=BillingPeriod(row.period_start, row.period_end),
        lines=tuple(_line_from_json(x, cur) for x in row.lines or []),
        net=Money(Decimal(row.net), cur),
        vat=Money(Decimal(row.vat), cur),
        total=Money(Decimal(row.total), cur),
        due_on=row.due_on,
        status=row.status,
        paid=Money(Decimal(row.paid), cur),
        sent_at=row.sent_at,
        public_token=row.public_token,
        extra={k: str(v) for k, v in (row.files or {}).items()},
        purpose=DocumentPurpose(row.purpose or "rent"),
    )


class DocumentReads(_Scoped):
    """Rows it added, locked or listed for marking stay referenced for the unit of work (the
    session's identity map keeps rows only while referenced), so a later ``get`` or
    ``mark`` of them in the same transaction reads nothing again."""

    def __init__(self, session: Session, portal_id: int) -> None:
        super().__init__(session, portal_id)
        self._held: list[DocumentRow] = []

    def _hold(self, rows: Sequence[DocumentRow]) -> list[DocumentRow]:
        self._held.extend(rows)
        return list(rows)

    def for_leases(self, lease_ids: Sequence[int]) -> dict[int, list[IssuedDocument]]:
        """Lease id -> ``for_lease`` of it, for many leases in one query per 500."""
        found: dict[int, list[IssuedDocument]] = {i: [] for i in lease_ids}
        for chunk in in_chunks(sorted(found)):
            rows = self.session.scalars(
                select(DocumentRow)
                .where(DocumentRow.portal_id == self.portal_id, DocumentRow.lease_id.in_(chunk))
                .order_by(DocumentRow.period_start, DocumentRow.id)
            ).all()
            for row in self._hold(rows):
                found[row.lease_id].append(_document_from_row(row))
        return found

    def mailed_in(self, lease_id: int, mail_key: str, dedup_key: str) -> list[IssuedDocument]:
        """The lease's documents not delivered yet that the email ``dedup_key`` carries (their
        files' ``mail_key``), in issue order: found by the key, not by reading every document
        the lease ever had (the outbox asks it for each tenant email delivered)."""
        query = (
            select(DocumentRow)
            .where(
                DocumentRow.portal_id == self.portal_id,
                DocumentRow.lease_id == lease_id,
                DocumentRow.sent_at.is_(None),
                DocumentRow.files[mail_key].as_string() == dedup_key,
            )
            .order_by(DocumentRow.period_start, DocumentRow.id)
        )
        return [_document_from_row(r) for r in self._hold(self.session.scalars(query).all())]

    def lock_many(self, document_ids: Sequence[int]) -> list[int]:
        """``lock`` many of this portal's documents, in id order, one query per 500; returns
        the ids found."""
        found: list[int] = []
        for chunk in in_chunks(sorted(set(document_ids))):
            rows = self.session.scalars(
                select(DocumentRow)
                .where(DocumentRow.portal_id == self.portal_id, DocumentRow.id.in_(chunk))
                .order_by(DocumentRow.id)
                .with_for_update()
            ).all()
            found += [row.id for row in self._hold(rows)]
        return found
