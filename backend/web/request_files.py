"""A tenant request's file for the manager: ``GET /rf/<signed>``, the link the request's CRM
task carries (signed with ``SECRET_KEY``, expiring; no login, no ids to change)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask.typing import ResponseReturnValue

from backend.domain.errors import NotFound
from backend.services.tenant_requests import request_file
from backend.web.deps import container
from backend.web.downloads import file_response
from documents.links import RequestFileSigner

bp = Blueprint("request_files", __name__)


@bp.get("/rf/<signed>")
def download(signed: str) -> ResponseReturnValue:
    c = container()
    found = RequestFileSigner(c.settings.secret_key).unsign(signed)
    if found is None:
        abort(404)
    portal_id, request_id, file_id = found
    try:
        name, mime, data = request_file(c.uow, c.document_storage(), portal_id, request_id, file_id)
    except NotFound:
        abort(404)
    return file_response(data, mime, name)
