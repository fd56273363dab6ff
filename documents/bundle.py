"""Render one request into every file a landlord previews: PDFs, QR images, payload text."""

from __future__ import annotations

from documents.input import RenderRequest
from documents.payment_qr import payment_qr
from documents.render import DocumentRenderer
from documents.view import build_view

INVOICE_PDF = "invoice.pdf"
QR_INVOICE_PDF = "invoice-qr.pdf"
ACT_PDF = "act.pdf"
QR_PNG = "qr.png"
QR_SVG = "qr.svg"
QR_PAYLOAD = "qr-payload.txt"


def render_bundle(request: RenderRequest, renderer: DocumentRenderer) -> dict[str, bytes]:
    """Everything is rendered in memory first, so bad input leaves no file behind."""
    lease, invoice, lang, key = (
        request.lease,
        request.invoice,
        request.language,
        request.template_key,
    )
    build_view(lease, invoice, lang)  # checks the requisites, naming the input field
    qr = payment_qr(lease, invoice, request.qr_encoding)
    with_qr, plain = renderer.render_invoice_pair(
        build_view(lease, invoice, lang, qr_data_uri=qr.images.png_data_uri), key
    )
    files = {
        INVOICE_PDF: plain,
        QR_INVOICE_PDF: with_qr,
        QR_PNG: qr.images.png,
        QR_SVG: qr.images.svg,
        QR_PAYLOAD: qr.images.data,
    }
    if request.act is not None:
        act = build_view(lease, request.act, lang, tenant_signatory=request.tenant_signatory)
        files[ACT_PDF] = renderer.render_pdf("act", act, key)
    return files
