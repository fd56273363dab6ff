"""Publishing rendered documents under public links, and revoking those links (use cases)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Protocol

from backend.domain.billing import DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.errors import NotFound
from backend.domain.lease import Lease
from backend.domain.links import (
    ACT_ROLES,
    INVOICE_ROLES,
    ROLES,
    DocumentLink,
    LinkRevoked,
    document_filename,
)
from backend.ports import Clock, DocumentStorage
from backend.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


class DocumentRendering(Protocol):
    """Turns an issued document into the bytes of its files (PDFs and QR images).

    Implemented by ``documents.publishing.PdfDocuments``.
    """

    def check(self, lease: Lease, document: IssuedDocument) -> None:
        """Raise a ``DomainError`` naming the field if the document cannot be rendered
        (broken requisites, a currency without a payment QR standard): cheap, no PDF."""
        ...

    def render_files(self, lease: Lease, document: IssuedDocument) -> dict[str, bytes]:
        """Role -> bytes of each of the document's files (``INVOICE_ROLES`` / ``ACT_ROLES``)."""
        ...


def render_document_files(
    rendering: DocumentRendering, lease: Lease, document: IssuedDocument
) -> dict[str, bytes]:
    """Role -> rendered bytes of every file of the document: an invoice gives four (plain
    PDF, PDF with the payment QR code, the QR code as PNG and SVG), an act one. Needs no
    unit of work, so the slow part runs outside any transaction."""
    roles = INVOICE_ROLES if document.kind is DocumentKind.INVOICE else ACT_ROLES
    files = rendering.render_files(lease, document)
    if set(files) != set(roles):
        raise ValueError(f"rendering gave {sorted(files)} for a {document.kind}, not {roles}")
    return {role: files[role] for role in roles}


def publish_files(
    uow: UnitOfWork,
    storage: DocumentStorage,
    clock: Clock,
    document_id: int,
    files: dict[str, bytes],
) -> list[DocumentLink]:
    """Store rendered files and give each a link, unless the document has links already
    (another worker published it first: then nothing is stored and [] returned). Holds the
    document's row so two publishers cannot both go ahead."""
    uow.documents.lock(document_id)
    if uow.links.for_document(uow.portal_id or 0, document_id):
        return []
    return [
        publish_document(uow, storage, clock, document_id=document_id, role=role, content=content)
        for role, content in files.items()
    ]


def publish_many_files(
    uow: UnitOfWork,
    storage: DocumentStorage,
    clock: Clock,
    files: Mapping[int, dict[str, bytes]],
) -> dict[int, list[DocumentLink]]:
    """``publish_files`` for many documents (document id -> its rendered files) in the
    caller's transaction: their rows held in one query, their links looked up in one, the
    new links inserted together. Documents published already get nothing (left out)."""
    portal_id = uow.portal_id or 0
    locked = uow.documents.lock_many(list(files))
    existing = uow.links.for_documents(portal_id, locked)
    return {
        document_id: [
            publish_document(
                uow, storage, clock, document_id=document_id, role=role, content=content
            )
            for role, content in files[document_id].items()
        ]
        for document_id in locked
        if not existing[document_id]
    }


def publish_issued_document(
    uow: UnitOfWork,
    rendering: DocumentRendering,
    storage: DocumentStorage,
    clock: Clock,
    document_id: int,
) -> list[DocumentLink]:
    """Render an issued document and publish each of its files under a new link, in the
    caller's transaction (``render_document_files`` + ``publish_files``)."""
    document = uow.documents.get(document_id)
    lease = uow.leases.get(document.lease_id)
    files = render_document_files(rendering, lease, document)
    return publish_files(uow, storage, clock, document_id, files)


def publish_document(
    uow: UnitOfWork,
    storage: DocumentStorage,
    clock: Clock,
    *,
    document_id: int,
    role: str,
    content: bytes,
) -> DocumentLink:
    """Store ``content`` (a rendered file) for the document and give it a new public link.

    The token is 32 random URL-safe characters (192 bits): nothing sequential reaches a URL.
    The file is written before the caller commits; a rolled-back publish leaves an orphan
    file, never a link to a missing file.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    portal_id = uow.portal_id
    if portal_id is None:
        raise NotFound("publishing a document needs a portal-scoped unit of work")
    document = uow.documents.get(document_id)
    token = secrets.token_urlsafe(24)
    content_type, extension = ROLES[role]
    key = f"{portal_id}/{document_id}/{role}-{secrets.token_hex(8)}.{extension}"
    storage.put(key, content)
    link = DocumentLink(
        token=token,
        portal_id=portal_id,
        document_id=document_id,
        role=role,
        storage_key=key,
        filename=document_filename(document, role),
        created_at=clock.now(),
        content_type=content_type,
    )
    uow.links.add(link)
    return link


ORPHAN_GRACE = timedelta(hours=1)  # far longer than any issue transaction holds its files


def remove_orphan_files(
    uow: UnitOfWorkFactory,
    storage: DocumentStorage,
    clock: Clock,
    portal_id: int,
    grace: timedelta = ORPHAN_GRACE,
) -> list[str]:
    """Delete the portal's document files no link names: what a publish stored before its
    transaction rolled back or its worker was killed. Files younger than ``grace`` may
    belong to a publish still in progress and stay. Returns the keys deleted."""
    with uow(portal_id) as work:
        linked = work.links.storage_keys(portal_id)
    cutoff = clock.now() - grace
    orphans = [
        key
        for key, written in storage.stored(str(portal_id))
        if key not in linked and written < cutoff
    ]
    for key in orphans:
        storage.delete(key)
    return orphans


def revoke_document_links(uow: UnitOfWork, clock: Clock, document_id: int) -> int:
    """Revoke every public link of the document (e.g. when it is cancelled)."""
    portal_id = uow.portal_id
    if portal_id is None:
        raise NotFound("revoking links needs a portal-scoped unit of work")
    uow.documents.get(document_id)  # NotFound for another portal's document
    return uow.links.revoke(portal_id, document_id, clock.now())


def resolve_link(uow: UnitOfWork, token: str) -> DocumentLink:
    """The active link for ``token``; ``NotFound`` if unknown, ``LinkRevoked`` if revoked."""
    link = uow.links.get(token)
    if link is None:
        raise NotFound("no such document link")
    if not link.active:
        raise LinkRevoked("this document link was revoked")
    return link


def document_urls(
    uow: UnitOfWork, document_id: int, link_url: Callable[[str], str]
) -> dict[str, str]:
    """Role -> public URL of the document's live links (``publish_issued_document`` made them)."""
    return link_urls(uow.links.for_document(uow.portal_id or 0, document_id), link_url)


def link_urls(links: Iterable[DocumentLink], link_url: Callable[[str], str]) -> dict[str, str]:
    """Role -> public URL of the live ones of ``links`` (a document's)."""
    return {link.role: link_url(link.token) for link in links if link.active}
