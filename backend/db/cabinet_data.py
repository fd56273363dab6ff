"""What the cabinet reads of one tenant: its leases, their documents, allocations, links and
scans. Every query names the portal and the tenant (or leases already checked to be the
tenant's): a lease id of someone else finds nothing. Each reads a whole page's rows in one
statement, whatever the number of leases (no N+1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from backend.db.tables import (
    AllocationRow,
    DocumentLinkRow,
    DocumentRow,
    LeaseRow,
    PaymentRow,
    TenantRow,
)
from backend.db.tables_cabinet import LeaseScanRow
from backend.db.tenant_book import TenantBookRepository
from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.cabinet import PaymentLine, Scan, StoredFile
from backend.domain.documents import DocumentPurpose, IssuedDocument
from backend.domain.money import Money
from backend.domain.parties import Tenant

_DOCUMENT_COLUMNS = (
    DocumentRow.id, DocumentRow.lease_id, DocumentRow.kind, DocumentRow.number,
    DocumentRow.issued_on, DocumentRow.period_start, DocumentRow.period_end, DocumentRow.due_on,
    DocumentRow.net, DocumentRow.vat, DocumentRow.total, DocumentRow.paid, DocumentRow.currency,
    DocumentRow.status, DocumentRow.purpose,
)  # fmt: skip


def _document(row: Any) -> IssuedDocument:
    cur = row.currency
    return IssuedDocument(
        id=row.id, lease_id=row.lease_id, kind=DocumentKind(row.kind), number=row.number,
        issued_on=row.issued_on, period=BillingPeriod(row.period_start, row.period_end),
        lines=(), net=Money(row.net, cur), vat=Money(row.vat, cur), total=Money(row.total, cur),
        due_on=row.due_on, status=row.status, paid=Money(row.paid, cur),
        purpose=DocumentPurpose(row.purpose or "rent"),
    )  # fmt: skip


class CabinetData:
    """Reads scoped by (portal, tenant); see the module docstring."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lease_ids(self, portal_id: int, tenant_ids: Sequence[int]) -> list[int]:
        return list(
            self.session.scalars(
                select(LeaseRow.id)
                .where(LeaseRow.portal_id == portal_id, LeaseRow.tenant_id.in_(tenant_ids))
                .order_by(LeaseRow.signed_on.desc(), LeaseRow.id.desc())
            )
        )

    def documents(
        self, portal_id: int, lease_ids: Sequence[int], *, kind: DocumentKind | None = None,
        year: int | None = None,
    ) -> list[IssuedDocument]:  # fmt: skip
        """The issued invoices and acts of the leases (of ``kind``, issued in ``year``),
        oldest first; without their lines (no page of the cabinet prints them), read as plain
        columns: years of documents come without building an ORM object per row."""
        if not lease_ids:
            return []
        query = select(*_DOCUMENT_COLUMNS).where(
            DocumentRow.portal_id == portal_id, DocumentRow.lease_id.in_(lease_ids)
        )
        if kind is not None:
            query = query.where(DocumentRow.kind == kind.value)
        if year is not None:
            query = query.where(
                DocumentRow.issued_on >= date(year, 1, 1),
                DocumentRow.issued_on < date(year + 1, 1, 1),
            )
        rows = self.session.execute(query.order_by(DocumentRow.issued_on, DocumentRow.id))
        return [_document(row) for row in rows]

    def document_years(self, portal_id: int, lease_ids: Sequence[int]) -> list[int]:
        """The years the leases have documents of, in order."""
        if not lease_ids:
            return []
        days = self.session.scalars(
            select(DocumentRow.issued_on)
            .where(DocumentRow.portal_id == portal_id, DocumentRow.lease_id.in_(lease_ids))
            .distinct()
        )
        return sorted({day.year for day in days})

    def lease_numbers(self, portal_id: int, lease_ids: Sequence[int]) -> dict[int, str]:
        if not lease_ids:
            return {}
        rows = self.session.execute(
            select(LeaseRow.id, LeaseRow.number).where(
                LeaseRow.portal_id == portal_id, LeaseRow.id.in_(lease_ids)
            )
        )
        return {int(row.id): str(row.number) for row in rows}

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
        self, portal_id: int, tenant_ids: Sequence[int], document_id: int, role: str
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
                LeaseRow.tenant_id.in_(tenant_ids),
            )
            .order_by(DocumentLinkRow.created_at.desc())
            .limit(1)
        ).first()
        return None if row is None else StoredFile(*row)

    # --- contacts ---
    def tenant(self, portal_id: int, tenant_id: int) -> Tenant | None:
        row = self.session.get(TenantRow, tenant_id)
        if row is None or row.portal_id != portal_id:
            return None
        return Tenant(
            name=row.name, inn=row.inn, kpp=row.kpp, address=row.address,
            emails=tuple(row.emails or ()), phone=row.phone, id=row.id,
        )  # fmt: skip

    def save_contacts(
        self, portal_id: int, tenant_ids: Sequence[int], *, name: str, address: str,
        phone: str, emails: tuple[str, ...],
    ) -> None:  # fmt: skip
        """Write the contacts to each tenant row; a new phone becomes current, the old one
        past (the phone history seed 002's matching reads)."""
        for tenant_id in tenant_ids:
            self._save_contacts(portal_id, tenant_id, name, address, phone, emails)

    def _save_contacts(
        self, portal_id: int, tenant_id: int, name: str, address: str, phone: str,
        emails: tuple[str, ...],
    ) -> None:  # fmt: skip
        row = self.session.get(TenantRow, tenant_id)
        if row is None or row.portal_id != portal_id:
            return
        if phone and phone != row.phone:
            TenantBookRepository(self.session, portal_id).move_phones([(tenant_id, phone)])
        row.name, row.address, row.phone, row.emails = name, address, phone, list(emails)

    def save_language(self, portal_id: int, tenant_ids: Sequence[int], lang: str) -> None:
        """The language the tenant's messages speak from now on."""
        self.session.execute(
            update(TenantRow)
            .where(TenantRow.portal_id == portal_id, TenantRow.id.in_(list(tenant_ids)))
            .values(language=lang)
            .execution_options(synchronize_session=False)
        )

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

    def lease_scan(self, portal_id: int, lease_id: int, scan_id: int) -> StoredFile | None:
        """The file of one scan of ``lease_id``, for the landlord's side."""
        row = self.session.execute(
            select(LeaseScanRow.storage_key, LeaseScanRow.filename, LeaseScanRow.content_type)
            .where(LeaseScanRow.id == scan_id, LeaseScanRow.portal_id == portal_id,
                   LeaseScanRow.lease_id == lease_id)
        ).first()  # fmt: skip
        return None if row is None else StoredFile(*row)

    def delete_scan(self, portal_id: int, lease_id: int, scan_id: int) -> tuple[Scan, str] | None:
        """Remove one scan of ``lease_id``: what it was and its storage key (None: no such
        scan there)."""
        row = self.session.get(LeaseScanRow, scan_id)
        if row is None or row.portal_id != portal_id or row.lease_id != lease_id:
            return None
        gone = Scan(row.id, row.lease_id, row.title, row.filename, row.content_type, row.size,
                    row.uploaded_at)  # fmt: skip
        key = row.storage_key
        self.session.delete(row)
        self.session.flush()
        return gone, key

    def scan_file(
        self, portal_id: int, tenant_ids: Sequence[int], scan_id: int
    ) -> StoredFile | None:
        row = self.session.execute(
            select(LeaseScanRow.storage_key, LeaseScanRow.filename, LeaseScanRow.content_type)
            .join(LeaseRow, LeaseRow.id == LeaseScanRow.lease_id)
            .where(
                LeaseScanRow.id == scan_id,
                LeaseScanRow.portal_id == portal_id,
                LeaseRow.portal_id == portal_id,
                LeaseRow.tenant_id.in_(tenant_ids),
            )
        ).first()
        return None if row is None else StoredFile(*row)
