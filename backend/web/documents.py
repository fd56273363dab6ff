"""Public document links: ``GET /d/<signed token>`` streams the PDF (no login, no IDs)."""

from __future__ import annotations

from flask import Blueprint, Response, abort
from flask.typing import ResponseReturnValue

from backend.domain.errors import NotFound
from backend.domain.links import LinkRevoked
from backend.services.document_links import resolve_link
from backend.web.deps import container as _container
from documents.links import LinkSigner, content_disposition
from documents.storage import FileMissing

bp = Blueprint("documents", __name__)


@bp.get("/d/<signed>")
def download(signed: str) -> ResponseReturnValue:
    container = _container()
    token = LinkSigner(container.settings.secret_key).unsign(signed)
    if token is None:
        abort(404)
    with container.uow() as uow:
        try:
            link = resolve_link(uow, token)
        except NotFound:
            abort(404)
        except LinkRevoked:
            abort(410)
    storage = container.document_storage()
    try:
        size = storage.size(link.storage_key)
        chunks = storage.stream(link.storage_key)
    except FileMissing:
        abort(404)
    response = Response(chunks, mimetype=link.content_type)  # chunks need no request context
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = content_disposition(link.filename)
    response.headers["Cache-Control"] = "private, no-store"  # a revoked link must stop working
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"  # SVGs run no script
    return response
