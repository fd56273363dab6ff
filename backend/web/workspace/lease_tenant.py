"""The lease card's tenant block: the scans of paper documents the landlord attaches to the
lease (the tenant finds them in the cabinet's documents) with upload, download and delete,
and the tenants' requests on the lease, linked to the requests section.

Whoever may see the card may do these (its manager, an administrator), as with the card's
other actions; an upload is checked by ``cabinet_documents.add_scan`` (PDF, JPEG or PNG by
the file's own first bytes, at most ``SCAN_MAX_MB``), its refusal shown next to its field,
nothing stored.
"""

from __future__ import annotations

from typing import Any, cast

from flask import redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from backend.domain.cabinet import ScanRefused
from backend.domain.errors import NotFound
from backend.services.cabinet_documents import (
    add_scan,
    lease_scan_file,
    lease_scans,
    remove_scan,
    stream,
)
from backend.services.lease_card import LeaseCard
from backend.services.tenant_desk import request_lines
from backend.web.cabinet.requests import KINDS, STATUSES
from backend.web.deps import container
from backend.web.downloads import file_response
from backend.web.workspace import bp
from backend.web.workspace.leases import (
    CARD_PARTS,
    lease_missing,
    load_card,
    may_see,
    own_leases,
    render_card,
)
from backend.web.workspace.pages import workspace_url
from backend.web.workspace.viewer import Viewer, current_viewer

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _uow() -> Any:
    return cast(Any, container().uow)  # the cabinet's unit of work is the app's


def _tenant_part(viewer: Viewer, card: LeaseCard) -> dict[str, Any]:
    """The block's context: the lease's scans and requests, what was just done."""
    c = container()
    lease_id = card.lease.id or 0
    scans = lease_scans(_uow(), viewer.portal_id, lease_id)
    with c.uow(viewer.portal_id) as uow:
        requests = request_lines(uow, manager=own_leases(viewer), lease_id=lease_id)
    done = request.args.get("done", "")
    texts = {
        "scan_added": gettext("Scan added; the tenant sees it in the cabinet."),
        "scan_deleted": gettext("Scan deleted; the tenant no longer sees it."),
    }
    return {
        "scans": scans, "lease_requests": requests, "request_kinds": KINDS,
        "request_statuses": STATUSES, "scan_message": texts.get(done, ""),
        "scan_accept": ACCEPT, "scan_max_mb": c.settings.scan_max_mb,
    }  # fmt: skip


CARD_PARTS.append(_tenant_part)


def _file_text() -> str:
    mb = container().settings.scan_max_mb
    return str(
        gettext("Not taken: a scan is a PDF, JPEG or PNG file, not empty, up to %(mb)s MB.", mb=mb)
    )


def _back(viewer: Viewer, lease_id: int, done: str) -> ResponseReturnValue:
    return redirect(
        workspace_url(viewer, "workspace.lease_card", lease_id=lease_id, done=done), 303
    )


@bp.post("/leases/<int:lease_id>/scans", endpoint="lease_add_scan")
def add_scan_view(lease_id: int) -> ResponseReturnValue:
    """Attach the uploaded scan; the card again with the problem next to its field (422)."""
    c = container()
    viewer = current_viewer(c)
    card = load_card(viewer, lease_id)
    if card is None:
        return lease_missing(viewer)
    title = request.form.get("title", "")
    max_bytes = c.settings.scan_max_mb * 1024 * 1024
    problem: dict[str, str] = {}
    if (request.content_length or 0) > max_bytes + 64 * 1024:  # not read at all
        problem = {"file": _file_text()}
    else:
        upload = request.files.get("file")
        content = upload.read() if upload is not None else b""
        try:
            add_scan(
                _uow(), c.clock, c.document_storage(), portal_id=viewer.portal_id,
                lease_id=lease_id, title=title, content=content, max_bytes=max_bytes,
                actor=viewer.actor,
            )  # fmt: skip
        except ScanRefused as err:
            problem = {
                err.field: _file_text() if err.field == "file" else gettext(
                    "Give the scan a title: one line, up to 255 characters."
                )
            }  # fmt: skip
    if problem:
        return render_card(
            viewer, card, status=422, errors={"scan": problem}, typed={"scan": {"title": title}}
        )
    return _back(viewer, lease_id, "scan_added")


@bp.get("/leases/<int:lease_id>/scans/<int:scan_id>", endpoint="lease_scan")
def scan_view(lease_id: int, scan_id: int) -> ResponseReturnValue:
    """The scan's file, as a download."""
    c = container()
    viewer = current_viewer(c)
    if not may_see(viewer, lease_id):
        return lease_missing(viewer)
    try:
        found = lease_scan_file(_uow(), viewer.portal_id, lease_id, scan_id)
        chunks = stream(c.document_storage(), found)
    except NotFound:
        return lease_missing(viewer)
    return file_response(chunks, found.content_type, found.filename)


@bp.post("/leases/<int:lease_id>/scans/<int:scan_id>/delete", endpoint="lease_delete_scan")
def delete_scan_view(lease_id: int, scan_id: int) -> ResponseReturnValue:
    """Take the scan off the lease (the audit keeps what it was)."""
    c = container()
    viewer = current_viewer(c)
    if not may_see(viewer, lease_id):
        return lease_missing(viewer)
    try:
        remove_scan(
            _uow(), c.clock, c.document_storage(), portal_id=viewer.portal_id,
            lease_id=lease_id, scan_id=scan_id, actor=viewer.actor,
        )  # fmt: skip
    except NotFound:
        return lease_missing(viewer)
    return _back(viewer, lease_id, "scan_deleted")
