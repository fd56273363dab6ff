"""1C exports on demand and their download, as JSON / file endpoints."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from backend.ports import FileMissing, StorageKeyError
from backend.web.deps import container as app_container
from backend.web.deps import require_operator

bp = Blueprint("onec", __name__, url_prefix="/portals/<int:portal_id>/onec")
bp.before_request(require_operator)  # exports hold every document of a portal: operators only


@bp.post("/exports")
def create_export(portal_id: int) -> ResponseReturnValue:
    """Export a month now: JSON ``{"month": "YYYY-MM", "reexport": false}``."""
    from backend.services.onec_runs import export_portal

    data = request.get_json(silent=True) or {}
    try:
        year, month = (int(part) for part in str(data.get("month", "")).split("-"))
    except ValueError:
        return jsonify(error="give the month as YYYY-MM"), 400
    result = export_portal(
        app_container().onec_ports(),
        portal_id,
        year=year,
        month=month,
        reexport=bool(data.get("reexport")),
    )
    return jsonify({**asdict(result), "documents": result.documents})


@bp.get("/exports/<name>")
def download_export(portal_id: int, name: str) -> ResponseReturnValue:
    """Download an export file of this portal."""
    try:
        data = b"".join(app_container().document_storage().stream(f"onec/{portal_id}/{name}"))
    except (FileMissing, StorageKeyError):
        return jsonify(error="no such export"), 404
    return Response(
        data,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
