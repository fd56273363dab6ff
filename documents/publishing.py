"""The PDF adapter services use: renders an issued document the way the CLI preview does."""

from __future__ import annotations

from backend.domain.documents import IssuedDocument
from backend.domain.lease import Lease
from documents.payment_qr import payment_qr
from documents.render import DocumentRenderer
from documents.view import build_view


class PdfDocuments:
    """Implements ``backend.services.document_links.DocumentRendering`` with WeasyPrint."""

    def __init__(self, renderer: DocumentRenderer, language: str = "ru") -> None:
        self.renderer = renderer
        self.language = language

    def render(self, lease: Lease, document: IssuedDocument, role: str) -> bytes:
        """``role``: invoice, invoice_qr (with the payment QR code), qr_png, qr_svg or act."""
        key = str(lease.landlord.id) if lease.landlord.id is not None else ""
        qr_uri = ""
        if role in ("invoice_qr", "qr_png", "qr_svg"):
            images = payment_qr(lease, document).images
            if role == "qr_png":
                return images.png
            if role == "qr_svg":
                return images.svg
            qr_uri = images.png_data_uri()
        view = build_view(lease, document, self.language, qr_data_uri=qr_uri)
        template = "act" if role == "act" else "invoice"
        return self.renderer.render_pdf(template, view, key)
