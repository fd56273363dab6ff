"""Documents of the tenant's leases: the list, the files, the QR images, the scans and the
reconciliation statement (PDF)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _

from backend.domain.cabinet import StoredFile
from backend.domain.errors import NotFound
from backend.services import cabinet_documents, cabinet_statement
from backend.web.cabinet.blueprint import bp
from backend.web.cabinet.session import cabinet_view, container, current_tenant
from backend.web.downloads import file_response
from backend.web.i18n import cabinet_lang
from documents.links import content_disposition
from documents.reconciliation import draw_reconciliation

FILE_LABELS = {
    "invoice": _("Invoice (PDF)"),
    "invoice_qr": _("Invoice with QR (PDF)"),
    "act": _("Act (PDF)"),
}


def _uow() -> Any:
    return cast(Any, container().uow)


@bp.get("/documents")
@cabinet_view()
def documents() -> ResponseReturnValue:
    """Every invoice, QR invoice and act, and the landlord's scans (seed 003)."""
    year = request.args.get("year", type=int)
    today = container().clock.today()
    shelf = cabinet_documents.tenant_documents(_uow(), current_tenant(), today, year)
    labels = {role: str(label) for role, label in FILE_LABELS.items()}  # translated once
    return render_template("cabinet/documents.html", shelf=shelf, file_labels=labels)


def _send(found: StoredFile, disposition: str = "inline") -> ResponseReturnValue:
    try:
        chunks = cabinet_documents.stream(container().document_storage(), found)
    except NotFound:
        abort(404)
    return file_response(chunks, found.content_type, found.filename, disposition)


@bp.get("/documents/<int:document_id>/<role>")
@cabinet_view()
def document_file(document_id: int, role: str) -> ResponseReturnValue:
    """A file of one of the tenant's documents: invoice, QR invoice, act PDF or QR image."""
    try:
        found = cabinet_documents.document_file(_uow(), current_tenant(), document_id, role)
    except NotFound:
        abort(404)
    return _send(found)


@bp.get("/scans/<int:scan_id>")
@cabinet_view()
def scan_file(scan_id: int) -> ResponseReturnValue:
    try:
        found = cabinet_documents.scan_file(_uow(), current_tenant(), scan_id)
    except NotFound:
        abort(404)
    return _send(found, "attachment")


def _day(name: str) -> date:
    try:
        return date.fromisoformat(request.args.get(name, "")[:10])
    except ValueError:
        abort(400)


@bp.get("/leases/<int:lease_id>/statement.pdf")
@cabinet_view()
def statement(lease_id: int) -> ResponseReturnValue:
    """The reconciliation statement (акт сверки) of the lease for ``start``..``end``."""
    start, end = _day("start"), _day("end")
    try:
        found = cabinet_statement.reconciliation(_uow(), current_tenant(), lease_id, start, end)
    except NotFound:
        abort(404)
    except cabinet_statement.PeriodRefused:
        abort(400)
    pdf = draw_reconciliation(found, cabinet_lang())
    response = Response(pdf, mimetype="application/pdf")
    name = f"akt-sverki-{found.lease_number}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    response.headers["Content-Disposition"] = content_disposition(name, "attachment")
    return response
