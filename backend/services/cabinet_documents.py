"""The tenant's documents (seed 003 "Сховище документів"): every invoice, QR invoice and act
of their leases, and the scans a landlord attached to a lease.

Files are read from the documents storage by a key found only through a query naming the
tenant, so a document or scan id of another tenant answers ``NotFound``. Scans are checked
where they enter (``add_scan``): size, and type by the file's own first bytes, not by its
name or the browser's word.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from backend.domain.cabinet import Scan, ScanRefused, StoredFile, TenantRef
from backend.domain.contacts import text_problem
from backend.domain.errors import NotFound
from backend.ports import Clock, DocumentStorage, FileMissing
from backend.services.cabinet_account import pick_year
from backend.services.cabinet_ports import CabinetUnitOfWorkFactory

# what a scan may be: PDF, JPEG, PNG, recognised by their magic numbers
SCAN_TYPES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
FILE_ROLES = ("invoice", "invoice_qr", "act", "qr_png")


@dataclass(frozen=True)
class DocumentEntry:
    id: int
    kind: str
    number: str
    issued_on: date
    period_start: date
    period_end: date
    total: Decimal
    currency: str
    lease_number: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class ScanEntry:
    id: int
    title: str
    lease_number: str
    filename: str
    uploaded_at: datetime


@dataclass(frozen=True)
class DocumentShelf:
    """The documents of ``year`` (newest first), the years there are, and every scan."""

    documents: list[DocumentEntry]
    scans: list[ScanEntry]
    year: int
    years: tuple[int, ...]


def tenant_documents(
    uow_factory: CabinetUnitOfWorkFactory, ref: TenantRef, today: date, year: int | None = None
) -> DocumentShelf:
    """The documents of the tenant's leases issued in ``year`` (default: the latest year
    with documents) and the leases' scans."""
    with uow_factory(ref.portal_id) as uow:
        data = uow.cabinet.data
        ids = data.lease_ids(ref.portal_id, ref.ids)
        numbers = data.lease_numbers(ref.portal_id, ids)
        years = tuple(data.document_years(ref.portal_id, ids))
        shown = pick_year(years, year, today)
        documents = data.documents(ref.portal_id, ids, year=shown)
        files = data.file_roles(ref.portal_id, [d.id for d in documents if d.id is not None])
        scans = data.scans(ref.portal_id, ids)
    entries = [
        DocumentEntry(
            id=d.id or 0,
            kind=str(d.kind),
            number=d.number,
            issued_on=d.issued_on,
            period_start=d.period.start,
            period_end=d.period.end,
            total=d.total.amount,
            currency=d.total.currency,
            lease_number=numbers.get(d.lease_id, ""),
            files=tuple(files.get(d.id or 0, ())),
        )
        for d in reversed(documents)
    ]
    shelved = [
        ScanEntry(s.id, s.title, numbers.get(s.lease_id, ""), s.filename, s.uploaded_at)
        for s in scans
    ]
    return DocumentShelf(entries, shelved, shown, years)


def document_file(
    uow_factory: CabinetUnitOfWorkFactory, ref: TenantRef, document_id: int, role: str
) -> StoredFile:
    """The stored file of ``role`` of one of the tenant's documents; ``NotFound`` else."""
    if role not in FILE_ROLES:
        raise NotFound(role)
    with uow_factory(ref.portal_id) as uow:
        found = uow.cabinet.data.document_file(ref.portal_id, ref.ids, document_id, role)
    if found is None:
        raise NotFound(f"document {document_id}")
    return found


def scan_file(uow_factory: CabinetUnitOfWorkFactory, ref: TenantRef, scan_id: int) -> StoredFile:
    with uow_factory(ref.portal_id) as uow:
        found = uow.cabinet.data.scan_file(ref.portal_id, ref.ids, scan_id)
    if found is None:
        raise NotFound(f"scan {scan_id}")
    return found


def stream(storage: DocumentStorage, found: StoredFile) -> Iterator[bytes]:
    """The file's bytes; ``NotFound`` when storage lost it."""
    try:
        return storage.stream(found.storage_key)
    except FileMissing:
        raise NotFound(found.filename) from None


def scan_type(content: bytes) -> tuple[str, str]:
    """(content type, extension) of an accepted scan; ``ScanRefused`` for anything else."""
    for magic, mime, extension in SCAN_TYPES:
        if content.startswith(magic):
            return mime, extension
    raise ScanRefused("file", "only PDF, JPEG or PNG scans are accepted")


def add_scan(
    uow_factory: CabinetUnitOfWorkFactory, clock: Clock, storage: DocumentStorage, *,
    portal_id: int, lease_id: int, title: str, content: bytes, max_bytes: int, actor: str,
) -> int:  # fmt: skip
    """Attach a scan to a lease of ``portal_id`` (the landlord's side calls this); the file
    is stored first, then the row, so a row never names a missing file. Returns its id."""
    title = title.strip()
    if not title or len(title) > 255 or text_problem(title):
        raise ScanRefused("title", "give the scan a one-line title (up to 255 characters)")
    if not content:
        raise ScanRefused("file", "the file is empty")
    if len(content) > max_bytes:
        raise ScanRefused("file", f"the file is larger than {max_bytes // (1024 * 1024)} MB")
    mime, extension = scan_type(content)
    with uow_factory(portal_id) as uow:
        uow.leases.get(lease_id)  # NotFound for a lease of another portal
    key = f"{portal_id}/{lease_id}/scans/{secrets.token_hex(12)}.{extension}"
    storage.put(key, content)
    digest = hashlib.sha256(content).hexdigest()
    filename = f"{title[:120]}.{extension}"
    with uow_factory(portal_id) as uow:
        scan_id = uow.cabinet.data.add_scan(
            portal_id, lease_id, title=title, filename=filename, content_type=mime,
            size=len(content), sha256=digest, storage_key=key, uploaded_by=actor,
            at=clock.now(),
        )  # fmt: skip
        details = {"scan_id": scan_id, "title": title, "sha256": digest}
        uow.audit.record(clock.now(), "lease.scan_added", "lease", lease_id, details, actor=actor)
        uow.commit()
    return scan_id


def lease_scans(uow_factory: CabinetUnitOfWorkFactory, portal_id: int, lease_id: int) -> list[Scan]:
    """The scans of one lease, newest first, as the landlord's lease card lists them."""
    with uow_factory(portal_id) as uow:
        return uow.cabinet.data.scans(portal_id, [lease_id])


def lease_scan_file(
    uow_factory: CabinetUnitOfWorkFactory, portal_id: int, lease_id: int, scan_id: int
) -> StoredFile:
    """The file of a scan of ``lease_id`` for the landlord; ``NotFound`` for any other."""
    with uow_factory(portal_id) as uow:
        found = uow.cabinet.data.lease_scan(portal_id, lease_id, scan_id)
    if found is None:
        raise NotFound(f"scan {scan_id}")
    return found


def remove_scan(
    uow_factory: CabinetUnitOfWorkFactory, clock: Clock, storage: DocumentStorage, *,
    portal_id: int, lease_id: int, scan_id: int, actor: str,
) -> Scan:  # fmt: skip
    """Take a scan off a lease: the tenant no longer sees it, the audit keeps what it was.
    The row goes first and the file after the commit, so a row never names a missing file.
    ``NotFound`` for a scan not of this lease."""
    with uow_factory(portal_id) as uow:
        removed = uow.cabinet.data.delete_scan(portal_id, lease_id, scan_id)
        if removed is None:
            raise NotFound(f"scan {scan_id}")
        scan, key = removed
        details = {"scan_id": scan_id, "title": scan.title, "filename": scan.filename,
                   "size": scan.size}  # fmt: skip
        uow.audit.record(clock.now(), "lease.scan_deleted", "lease", lease_id, details, actor=actor)
        uow.commit()
    storage.delete(key)
    return scan
