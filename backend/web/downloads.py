"""A file sent to a browser as a download: a tenant's request file, a lease's scan, a
document. One set of headers for every such answer, so none forgets one."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response

from documents.links import content_disposition


def file_response(
    body: bytes | Iterable[bytes], mimetype: str, filename: str, disposition: str = "attachment"
) -> Response:
    """``body`` as ``filename``: never sniffed into another type, nothing in it run or
    fetched (``default-src 'none'``: a PDF or an image may carry a script), kept in no shared
    cache."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, disposition)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response
