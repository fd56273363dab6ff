"""Public links to rendered documents: random tokens, revocable, no sequential IDs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.domain.billing import DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.errors import DomainError

# role -> (content type, file extension); the QR code also goes out as its own image
ROLES = {
    "invoice": ("application/pdf", "pdf"),
    "invoice_qr": ("application/pdf", "pdf"),
    "act": ("application/pdf", "pdf"),
    "qr_png": ("image/png", "png"),
    "qr_svg": ("image/svg+xml", "svg"),
}
INVOICE_ROLES = ("invoice", "invoice_qr", "qr_png", "qr_svg")
ACT_ROLES = ("act",)


class LinkRevoked(DomainError):
    """The link was revoked: the document is no longer public under it."""


@dataclass(frozen=True)
class DocumentLink:
    """A link to one stored file (``role``: one of ``ROLES``) of an issued document."""

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


def document_filename(document: IssuedDocument, role: str = "invoice") -> str:
    """The Russian file name a browser saves: "Счет на оплату № 7 от 01.02.2026.pdf"."""
    title = "Счет на оплату" if document.kind is DocumentKind.INVOICE else "Акт"
    if role == "invoice_qr":
        title = "Счет на оплату с QR-кодом"
    if role.startswith("qr_"):
        title = "QR-код для оплаты счета"
    number = document.number.replace("/", "-").replace("\\", "-")
    extension = ROLES[role][1]
    return f"{title} № {number} от {document.issued_on:%d.%m.%Y}.{extension}"
