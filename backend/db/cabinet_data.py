"""What the cabinet reads of one tenant: its leases, their documents, allocations, links and
scans. Every query names the portal and the tenant (or leases already checked to be the
tenant's): a lease id of someone else finds nothing. Each reads a whole page's rows in one
statement, whatever the number of leases (no N+1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.db.documents_repo import _document_from_row
from backend.db.tables import AllocationRow, DocumentLinkRow, DocumentRow, LeaseRow, PaymentRow
from backend.db.tables_cabinet import LeaseScanRow
from backend.domain.cabinet import PaymentLine, Scan, StoredFile
from backend.domain.documents import IssuedDocument


class CabinetData:
    """Reads scoped by (portal, tenant); see the module docstring."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lease_ids(self, portal_id: int, tenant_id: int) -> list[int]:
        return list(
            self.session.scalars(
                select(LeaseRow.id)
                .where(LeaseRow.portal_id == portal_id, LeaseRow.tenant_id == tenant_id)
                .order_by(LeaseRow.signed_on.desc(), LeaseRow.id.desc())
            )
        )

    def documents(self, portal_id: int, lease_ids: Sequence[int]) -> list[IssuedDocument]:
        """The issued invoices and acts of the leases, oldest first."""
        if not lease_ids:
            return []
        rows = self.session.scalars(
            select(DocumentRow)
            .where(DocumentRow.portal_id == portal_id, DocumentRow.lease_id.in_(lease_ids))
            .order_by(DocumentRow.issued_on, DocumentRow.id)
        )
        return [_document_from_row(r) for r in rows]

    def payments(
        self, portal_id: int, lease_ids: Sequence[int], invoice_ids: Sequence[int]
    ) -> list[PaymentLine]:
        """Allocations to the leases or to their invoices, with their payments, by date."""
        if not lease_ids:
            return []
        placed = [AllocationRow.lease_id.in_(lease_ids)]
        if invoice_ids:
            placed.append(AllocationRow.invoice_id.in_(invoice_ids))
        rows = self.session.execute(
            select(
                AllocationRow.payment_id,
                PaymentRow.number,
                PaymentRow.paid_on,
                PaymentRow.source,
                AllocationRow.amount,
                PaymentRow.currency,
                AllocationRow.lease_id,
                AllocationRow.invoice_id,
            )
            .join(PaymentRow, PaymentRow.id == AllocationRow.payment_id)
            .where(
                AllocationRow.portal_id == portal_id,
                PaymentRow.portal_id == portal_id,
                or_(*placed),
            )
            .order_by(PaymentRow.paid_on, AllocationRow.id)
        )
        return [PaymentLine(*row) for row in rows]

    def file_roles(self, portal_id: int, document_ids: Sequence[int]) -> dict[int, list[str]]:
        """The rendered files (roles) of each document, for links on a page."""
        found: dict[int, list[str]] = {}
        if not document_ids:
            return found
        rows = self.session.execute(
            select(DocumentLinkRow.document_id, DocumentLinkRow.role)
            .where(
                DocumentLinkRow.portal_id == portal_id,
                DocumentLinkRow.document_id.in_(document_ids),
                DocumentLinkRow.revoked_at.is_(None),
            )
            .order_by(DocumentLinkRow.created_at)
        )
        for document_id, role in rows:
            roles = found.setdefault(document_id, [])
            if role not in roles:
                roles.append(role)
        return found

    def document_file(
        self, portal_id: int, tenant_id: int, document_id: int, role: str
    ) -> StoredFile | None:
        """A document's file of ``role`` when the document is of one of the tenant's leases."""
        row = self.session.execute(
            select(
                DocumentLinkRow.storage_key, DocumentLinkRow.filename, DocumentLinkRow.content_type
            )
            .join(DocumentRow, DocumentRow.id == DocumentLinkRow.document_id)
            .join(LeaseRow, LeaseRow.id == DocumentRow.lease_id)
            .where(
                DocumentLinkRow.portal_id == portal_id,
                DocumentLinkRow.document_id == document_id,
                DocumentLinkRow.role == role,
                DocumentLinkRow.revoked_at.is_(None),
                LeaseRow.portal_id == portal_id,
                LeaseRow.tenant_id == tenant_id,
            )
            .order_by(DocumentLinkRow.created_at.desc())
            .limit(1)
        ).first()
        return None if row is None else StoredFile(*row)

    # --- scans ---
    def add_scan(
        self, portal_id: int, lease_id: int, *, title: str, filename: str, content_type: str,
        size: int, sha256: str, storage_key: str, uploaded_by: str, at: datetime,
    ) -> int:  # fmt: skip
        row = LeaseScanRow(
            portal_id=portal_id, lease_id=lease_id, title=title, filename=filename,
            content_type=content_type, size=size, sha256=sha256, storage_key=storage_key,
            uploaded_by=uploaded_by, uploaded_at=at,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return row.id

    def scans(self, portal_id: int, lease_ids: Sequence[int]) -> list[Scan]:
        if not lease_ids:
            return []
        rows = self.session.scalars(
            select(LeaseScanRow)
            .where(LeaseScanRow.portal_id == portal_id, LeaseScanRow.lease_id.in_(lease_ids))
            .order_by(LeaseScanRow.uploaded_at.desc(), LeaseScanRow.id.desc())
        )
        return [
            Scan(r.id, r.lease_id, r.title, r.filename, r.content_type, r.size, r.uploaded_at)
            for r in rows
        ]

    def scan_file(self, portal_id: int, tenant_id: int, scan_id: int) -> StoredFile | None:
        row = self.session.execute(
            select(LeaseScanRow.storage_key, LeaseScanRow.filename, LeaseScanRow.content_type)
            .join(LeaseRow, LeaseRow.id == LeaseScanRow.lease_id)
            .where(
                LeaseScanRow.id == scan_id,
                LeaseScanRow.portal_id == portal_id,
                LeaseRow.portal_id == portal_id,
                LeaseRow.tenant_id == tenant_id,
            )
        ).first()
        return None if row is None else StoredFile(*row)
