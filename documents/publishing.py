"""The PDF adapter services use: renders an issued document the way the CLI preview does."""

from __future__ import annotations

from dataclasses import replace

from backend.domain.billing import DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.lease import Lease
from documents.payment_qr import payment_qr
from documents.render import DocumentRenderer
from documents.stamps import StoredImages
from documents.view import build_view


def preload() -> None:
    """Import ReportLab's drawing of the shipped templates and register the shipped fonts in
    this process: a Celery worker does it before forking its children, which then share them
    instead of each importing them on its first billing task. WeasyPrint is not preloaded:
    only a landlord's own templates need it, and the child that first meets one imports it
    (``documents.weasyprint_layout``), where every start would otherwise pay ~0.6 s of CPU."""
    from documents import reportlab_drawing  # noqa: F401 - imported for the children to inherit
    from documents.pdf_fonts import register_fonts

    register_fonts()


# a stand-in for the QR image while checking: the view is built, the image never drawn
_NO_IMAGE = "data:,"


class PdfDocuments:
    """Implements ``backend.services.document_links.DocumentRendering``: the payment QR code,
    the view and the PDFs through ``DocumentRenderer`` (the shipped templates drawn by
    ReportLab by default, a landlord's own laid out by WeasyPrint)."""

    def __init__(
        self, renderer: DocumentRenderer, language: str = "ru", images: StoredImages | None = None
    ) -> None:
        self.renderer = renderer
        self.language = language
        self.images = images  # the landlords' logos, stamps and signatures, when stored

    def check(self, lease: Lease, document: IssuedDocument) -> None:
        """Build what the files are made of (the view, and an invoice's payment QR symbol)
        without drawing an image or laying out a PDF: raises ``InvalidDocumentData`` where
        rendering would."""
        qr_uri = ""
        if document.kind is DocumentKind.INVOICE:
            payment_qr(lease, document)  # the payload's rules and the symbol's capacity
            qr_uri = _NO_IMAGE
        build_view(lease, document, self.language, qr_data_uri=qr_uri)

    def render_files(self, lease: Lease, document: IssuedDocument) -> dict[str, bytes]:
        """Role -> bytes: an invoice gives ``invoice`` (plain PDF), ``invoice_qr`` (with the
        payment QR code), ``qr_png`` and ``qr_svg``; an act gives ``act``."""
        key = str(lease.landlord.id) if lease.landlord.id is not None else ""
        pictures = self.images.for_landlord(lease.landlord.id) if self.images else {}
        if document.kind is not DocumentKind.INVOICE:
            view = replace(build_view(lease, document, self.language), images=pictures)
            return {"act": self.renderer.render_pdf("act", view, key)}
        images = payment_qr(lease, document).images
        view = build_view(lease, document, self.language, qr_data_uri=images.png_data_uri)
        view = replace(view, images=pictures)
        with_qr, plain = self.renderer.render_invoice_pair(view, key)
        return {"invoice": plain, "invoice_qr": with_qr, "qr_png": images.png, "qr_svg": images.svg}
