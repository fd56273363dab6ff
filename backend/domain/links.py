"""Public links to rendered documents: random tokens, revocable, no sequential IDs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.domain.billing import DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.errors import DomainError

ROLES = ("invoice", "invoice_qr", "act")


class LinkRevoked(DomainError):
    """The link was revoked: the document is no longer public under it."""


@dataclass(frozen=True)
class DocumentLink:
    """A link to one stored file (``role``: invoice, invoice_qr, act) of an issued document."""

    token: str
    portal_id: int
    document_id: int
    role: str
    storage_key: str
    filename: str  # what the browser saves it as: "Счет на оплату № 1 от 01.02.2026.pdf"
    created_at: datetime
    content_type: str = "application/pdf"
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def document_filename(document: IssuedDocument) -> str:
    """The Russian file name a browser saves: "Счет на оплату № 7 от 01.02.2026.pdf"."""
    title = "Счет на оплату" if document.kind is DocumentKind.INVOICE else "Акт"
    number = document.number.replace("/", "-").replace("\\", "-")
    return f"{title} № {number} от {document.issued_on:%d.%m.%Y}.pdf"
