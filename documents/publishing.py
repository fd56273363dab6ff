"""The PDF adapter services use: renders an issued document the way the CLI preview does."""

from __future__ import annotations

from backend.domain.billing import DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.lease import Lease
from documents.payment_qr import PaymentQr, payment_qr
from documents.render import DocumentRenderer
from documents.view import build_view


class PdfDocuments:
    """Implements ``backend.services.document_links.DocumentRendering`` with WeasyPrint."""

    def __init__(self, renderer: DocumentRenderer, language: str = "ru") -> None:
        self.renderer = renderer
        self.language = language
        # an invoice is rendered role by role (QR PDF, PNG, SVG): encode its QR symbol once
        self._last_qr: tuple[object, PaymentQr] | None = None

    def _qr(self, lease: Lease, document: IssuedDocument) -> PaymentQr:
        key = (document.id, document.number, document.total, lease.landlord)
        cached = self._last_qr  # one read: another thread may replace it meanwhile
        if cached is None or cached[0] != key:
            cached = (key, payment_qr(lease, document))
            self._last_qr = cached
        return cached[1]

    def check(self, lease: Lease, document: IssuedDocument) -> None:
        """Build what the files are made of (the view, and an invoice's payment QR code)
        without laying out a PDF: raises ``InvalidDocumentData`` where rendering would."""
        qr_uri = ""
        if document.kind is DocumentKind.INVOICE:
            qr_uri = payment_qr(lease, document).images.png_data_uri()
        build_view(lease, document, self.language, qr_data_uri=qr_uri)

    def render(self, lease: Lease, document: IssuedDocument, role: str) -> bytes:
        """``role``: invoice, invoice_qr (with the payment QR code), qr_png, qr_svg or act."""
        key = str(lease.landlord.id) if lease.landlord.id is not None else ""
        qr_uri = ""
        if role in ("invoice_qr", "qr_png", "qr_svg"):
            images = self._qr(lease, document).images
            if role == "qr_png":
                return images.png
            if role == "qr_svg":
                return images.svg
            qr_uri = images.png_data_uri()
        view = build_view(lease, document, self.language, qr_data_uri=qr_uri)
        template = "act" if role == "act" else "invoice"
        return self.renderer.render_pdf(template, view, key)
