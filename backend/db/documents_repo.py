"""Issued documents (invoices, acts, …) and their publication and sync state."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from backend.db.batching import in_chunks
from backend.db.documents_reads import DocumentReads, _document_from_row
from backend.db.scoped import _line_to_json
from backend.db.tables import (
    DocumentLinkRow,
    DocumentRow,
    LeaseRow,
)
from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.errors import AlreadyIssued, NotFound

T = TypeVar("T")


def _row_id(row: DocumentRow) -> int:
    return row.id


def _published() -> Select[int]:
    """A link of the document in the outer query: it was published."""
    return select(DocumentLinkRow.document_id).where(DocumentLinkRow.document_id == DocumentRow.id)


class DocumentRepository(DocumentReads):
    """Issued invoices and acts. ``add`` is where "never twice" is enforced.

    Rows it added, locked or listed for marking stay referenced for the unit of work (the
    session's identity map keeps rows only while referenced), so a later ``get`` or
    ``mark`` of them in the same transaction reads nothing again.
    """

    def add(
        self,
        doc: IssuedDocument,
        *,
        manual: bool = False,
        now: datetime | None = None,
        summary_pending: bool = False,
        in_batch: bool = False,
    ) -> IssuedDocument:
        """Insert; raise ``AlreadyIssued`` if the lease already has this kind for this period.

        Runs in a savepoint so the caller's transaction survives the duplicate.
        ``summary_pending``: a manager summary is to list it (the billing run's documents).
        ``in_batch``: the billing run's batch (``services.billing_batch``), which read the
        lease from this portal and gives up its whole transaction on ``AlreadyIssued``: the
        lease is not read again and no savepoint is taken.
        """
        if not in_batch:
            self._get(LeaseRow, doc.lease_id)
        row = DocumentRow(
            portal_id=self.portal_id,
            lease_id=doc.lease_id,
            kind=doc.kind.value,
            number=doc.number,
            issued_on=doc.issued_on,
            period_start=doc.period.start,
            period_end=doc.period.end,
            due_on=doc.due_on,
            net=doc.net.amount,
            vat=doc.vat.amount,
            total=doc.total.amount,
            paid=Decimal(0) if doc.paid is None else doc.paid.amount,
            currency=doc.total.currency,
            status=str(doc.status),
            lines=[_line_to_json(x) for x in doc.lines],
            files=dict(doc.extra),
            public_token=doc.public_token,
            manual=manual,
            created_at=now,
            summary_pending=summary_pending,
            purpose=doc.purpose.value,
        )
        try:
            if in_batch:
                self.session.add(row)
                self.session.flush()
            else:
                with self.session.begin_nested():
                    self.session.add(row)
                    self.session.flush()
        except IntegrityError as exc:
            raise AlreadyIssued(doc.lease_id, doc.kind.value, doc.period.start) from exc
        self._hold([row])
        return _document_from_row(row)

    def get(self, document_id: int) -> IssuedDocument:
        return _document_from_row(self._get(DocumentRow, document_id))

    def get_many(self, document_ids: Sequence[int]) -> dict[int, IssuedDocument]:
        """Document id -> document, one query per 500; ``NotFound`` names one that is not
        this portal's."""
        wanted = sorted(set(document_ids))
        found: dict[int, IssuedDocument] = {}
        for chunk in in_chunks(wanted):
            rows = self.session.scalars(
                select(DocumentRow).where(
                    DocumentRow.portal_id == self.portal_id,
                    DocumentRow.id.in_(chunk),
                )
            )
            found.update((row.id, _document_from_row(row)) for row in rows)
        missing = [i for i in wanted if i not in found]
        if missing:
            raise NotFound(f"documents {missing[0]}")
        return found

    def by_token(self, token: str) -> IssuedDocument | None:
        row = self.session.scalar(
            select(DocumentRow).where(
                DocumentRow.portal_id == self.portal_id, DocumentRow.public_token == token
            )
        )
        return None if row is None else _document_from_row(row)

    def for_lease(self, lease_id: int, kind: DocumentKind | None = None) -> list[IssuedDocument]:
        query = select(DocumentRow).where(
            DocumentRow.portal_id == self.portal_id, DocumentRow.lease_id == lease_id
        )
        if kind is not None:
            query = query.where(DocumentRow.kind == kind.value)
        rows = self._hold(self.session.scalars(query.order_by(DocumentRow.period_start)).all())
        return [_document_from_row(r) for r in rows]

    def issued_periods(self, lease_id: int) -> list[tuple[DocumentKind, BillingPeriod]]:
        """What rent the lease already has, manual or automatic, cancelled ones excluded
        (a penalty invoice's period is days of delay, not days of rent)."""
        rows = self.session.execute(
            select(DocumentRow.kind, DocumentRow.period_start, DocumentRow.period_end).where(
                DocumentRow.portal_id == self.portal_id,
                DocumentRow.lease_id == lease_id,
                DocumentRow.status != "cancelled",
                DocumentRow.purpose == "rent",
            )
        )
        return [(DocumentKind(k), BillingPeriod(s, e)) for k, s, e in rows]

    def unpublished(self, leases: Collection[int] | None = None) -> list[int]:
        """Documents (not cancelled) that never got their files and links: the worker that
        issued them died between committing the number and publishing the PDFs; of
        ``leases`` only when given."""
        return self._of_leases(self._unpublished(DocumentRow.id), leases, int)

    def untold(self, leases: Collection[int] | None = None) -> list[int]:
        """Published documents (their links stored) of leases with a deal that the deal was
        never told about: a worker died between publishing them and its run's push; of
        ``leases`` only when given."""
        return self._of_leases(self._untold(DocumentRow.id), leases, int)

    def leases_left_over(self) -> set[int]:
        """Leases with a document left unpublished or untold (``unpublished``, ``untold``):
        the next run of the portal finishes them."""
        unpublished = self.session.scalars(self._unpublished(DocumentRow.lease_id))
        untold = self.session.scalars(self._untold(DocumentRow.lease_id))
        return set(unpublished) | set(untold)

    def _unpublished(self, column: InstrumentedAttribute[int]) -> Select[int]:
        """``column`` of the portal's documents (not cancelled) without files and links."""
        return select(column).where(
            DocumentRow.portal_id == self.portal_id,
            DocumentRow.status != "cancelled",
            ~_published().exists(),
        )

    def _untold(self, column: InstrumentedAttribute[int]) -> Select[int]:
        """``column`` of the portal's published documents whose lease's deal was never told."""
        return (
            select(column)
            .join(LeaseRow, LeaseRow.id == DocumentRow.lease_id)
            .where(
                DocumentRow.portal_id == self.portal_id,
                DocumentRow.crm_synced_at.is_(None),
                LeaseRow.crm_deal_id.is_not(None),
                _published().exists(),
            )
        )

    def _of_leases(
        self,
        query: Select[T],
        leases: Collection[int] | None,
        document_id: Callable[[T], int],
    ) -> list[T]:
        """What ``query`` selects (document ids, or rows), in document id (``document_id`` of
        each) order; of ``leases`` only when given (one query per 500 of them)."""
        if leases is None:
            return list(self.session.scalars(query.order_by(DocumentRow.id)))
        found: list[T] = []
        for chunk in in_chunks(sorted(set(leases))):
            found += self.session.scalars(query.where(DocumentRow.lease_id.in_(chunk)))
        return sorted(found, key=document_id)

    def lock(self, document_id: int) -> None:
        """Hold the document's row until commit (PostgreSQL ``FOR UPDATE``; SQLite's
        transactions hold the write lock from their start already)."""
        found = self.session.scalar(  # the whole row: later reads of it need no query
            select(DocumentRow)
            .where(DocumentRow.portal_id == self.portal_id, DocumentRow.id == document_id)
            .with_for_update()
        )
        if found is None:
            raise NotFound(f"document {document_id} not found")
        self._hold([found])

    def not_synced(
        self, issued_before: datetime | None = None, among: Collection[int] | None = None
    ) -> list[int]:
        """Documents of leases with a deal that the deal has not been told about, created
        before ``issued_before`` (younger ones still have their push task on the way), or
        of any age when it is None; of the documents ``among`` only, when given (one query
        per 500 of them)."""
        query = (
            select(DocumentRow.id)
            .join(LeaseRow, LeaseRow.id == DocumentRow.lease_id)
            .where(
                DocumentRow.portal_id == self.portal_id,
                DocumentRow.crm_synced_at.is_(None),
                LeaseRow.crm_deal_id.is_not(None),
            )
        )
        if issued_before is not None:
            query = query.where(DocumentRow.created_at <= issued_before)
        if among is None:
            return list(self.session.scalars(query.order_by(DocumentRow.id)))
        found: list[int] = []
        for chunk in in_chunks(sorted(set(among))):
            found += self.session.scalars(query.where(DocumentRow.id.in_(chunk)))
        return sorted(found)

    def awaiting_tenant_mail(
        self, mail_key: str, leases: Collection[int] | None = None
    ) -> list[IssuedDocument]:
        """Documents of auto-send leases that no tenant email carries yet (``mail_key`` not
        in their files), cancelled ones excluded, in issue order; of ``leases`` only, when
        given (a chunk's).

        Only documents never delivered can qualify (``sent_at`` is set on delivery), so the
        ``(portal_id, sent_at)`` index keeps the query small however many were mailed before.
        """
        query = (
            select(DocumentRow)
            .join(LeaseRow, LeaseRow.id == DocumentRow.lease_id)
            .where(*self._awaiting_tenant_mail(mail_key))
        )
        rows = self._of_leases(query, leases, _row_id)
        return [_document_from_row(r) for r in self._hold(rows)]

    def _awaiting_tenant_mail(self, mail_key: str) -> tuple[ColumnElement[bool], ...]:
        """What ``awaiting_tenant_mail`` asks of a document (joined to its lease)."""
        return (
            DocumentRow.portal_id == self.portal_id,
            DocumentRow.sent_at.is_(None),
            DocumentRow.status != "cancelled",
            DocumentRow.files[mail_key].as_string().is_(None),
            LeaseRow.auto_send.is_(True),
        )

    def leases_awaiting_tenant_mail(self, mail_key: str) -> list[int]:
        """Ids of the leases with a document ``awaiting_tenant_mail``, ascending: the tenant
        mail of a whole portal goes out a page of leases at a time."""
        query = (
            select(DocumentRow.lease_id)
            .join(LeaseRow, LeaseRow.id == DocumentRow.lease_id)
            .where(*self._awaiting_tenant_mail(mail_key))
            .distinct()
            .order_by(DocumentRow.lease_id)
        )
        return list(self.session.scalars(query))

    def awaiting_summary(self, after: int = 0, limit: int | None = None) -> list[IssuedDocument]:
        """Documents the billing run issued that no manager summary listed yet, in id order;
        after id ``after``, and at most ``limit`` of them when given (one page of a run's
        thousands).

        Locked for the caller's transaction, and rows another transaction holds are skipped
        (PostgreSQL; SQLite writers are serialised anyway), so two concurrent runs never
        list the same document. Not held for the unit of work (mark them with
        ``mark_many``): a page's rows leave memory with the page.
        """
        query = (
            select(DocumentRow)
            .where(
                DocumentRow.portal_id == self.portal_id,
                DocumentRow.summary_pending.is_(True),
                DocumentRow.id > after,
            )
            .order_by(DocumentRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_document_from_row(r) for r in self.session.scalars(query).all()]

    def list(
        self,
        *,
        kind: DocumentKind | None = None,
        statuses: Sequence[str] | None = None,
        leases: Collection[int] | None = None,
    ) -> list[IssuedDocument]:
        """The portal's documents (of ``kind``, with ``statuses``, of ``leases`` when given:
        one query per 500 of them), in id order."""
        query = select(DocumentRow).where(DocumentRow.portal_id == self.portal_id)
        if kind is not None:
            query = query.where(DocumentRow.kind == kind.value)
        if statuses is not None:
            query = query.where(DocumentRow.status.in_(list(statuses)))
        return [_document_from_row(r) for r in self._of_leases(query, leases, _row_id)]

    def lock_for_payment(self, document_ids: Sequence[int]) -> Sequence[IssuedDocument]:
        """The documents as committed now, their rows locked until this transaction ends
        (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write transaction, begun
        IMMEDIATE, already excludes other writers): two allocations of the same invoice
        queue here instead of both reading what it still owes. Locked in id order."""
        if not document_ids:
            return []
        rows = self.session.scalars(
            select(DocumentRow)
            .where(DocumentRow.portal_id == self.portal_id, DocumentRow.id.in_(document_ids))
            .order_by(DocumentRow.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return [_document_from_row(r) for r in rows]

    def save(self, doc: IssuedDocument) -> None:
        """Write back the mutable state: status, paid, sent_at, files, public token."""
        if doc.id is None:
            raise NotFound("document without id")
        row = self._get(DocumentRow, doc.id)
        row.status = str(doc.status)
        row.paid = Decimal(0) if doc.paid is None else doc.paid.amount
        row.sent_at = doc.sent_at
        row.public_token = doc.public_token
        row.files = dict(doc.extra)

    def exported_at(self, document_id: int) -> datetime | None:
        """When the document last went to 1C (None: never exported)."""
        exported: datetime | None = self._get(DocumentRow, document_id).exported_at
        return exported

    def onec_ref(self, document_id: int) -> str:
        """The Ref_Key of the draft 1C document made for it over OData ("" when none)."""
        ref: str = self._get(DocumentRow, document_id).onec_ref
        return ref

    def mark_many(self, document_ids: Sequence[int], **values: Any) -> None:
        """``mark`` many of this portal's documents with the same values, one statement per
        500 (documents of other portals are left alone)."""
        for name in values:
            if not hasattr(DocumentRow, name):
                raise AttributeError(name)
        wanted = sorted(set(document_ids))
        for chunk in in_chunks(wanted):
            self.session.execute(
                update(DocumentRow)
                .where(
                    DocumentRow.portal_id == self.portal_id,
                    DocumentRow.id.in_(chunk),
                )
                .values(**values)
            )

    def mark(self, document_id: int, **values: Any) -> None:
        """Set bookkeeping columns (crm_synced_at, exported_at, ...)."""
        row = self._get(DocumentRow, document_id)
        for name, value in values.items():
            if not hasattr(DocumentRow, name):
                raise AttributeError(name)
            setattr(row, name, value)
