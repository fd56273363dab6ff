"""The public REST API v1 (docs/api.md): ``/api/v1/...`` with API keys, its OpenAPI 3.1
document at ``/api/v1/openapi.json`` and a readable page of it at ``/api/v1/docs``."""

from __future__ import annotations

import json

from flask import Response, render_template
from flask.typing import ResponseReturnValue

from backend.web.api_v1 import (
    channel_routes,
    import_routes,
    lease_routes,
    register_routes,
    scan_routes,
)
from backend.web.api_v1.http import bp
from backend.web.api_v1.spec import openapi

__all__ = [
    "bp", "channel_routes", "import_routes", "lease_routes", "register_routes", "scan_routes",
]  # fmt: skip


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return Response(json.dumps(openapi(), ensure_ascii=False), mimetype="application/json")


@bp.get("/docs")
def docs() -> ResponseReturnValue:
    """The API described for people, from the same document (no script, nothing from a CDN)."""
    spec = openapi()
    return render_template("api_docs.html", spec=spec, dumps=json.dumps)
