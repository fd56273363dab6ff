"""What the emulator's modules share: the account of the request, amoCRM's error body and the
limits of its API.

Errors are ``application/problem+json`` with ``validation-errors``
(https://www.amocrm.ru/developers/content/crm_platform/api-reference).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, jsonify, request

from sandbox.amocrm.state import AmoAccount

MAX_PATCH = 50  # leads per PATCH call (leads-api: "не более 50 сделок")
MAX_LIMIT = 250


def account() -> AmoAccount:
    """The emulated account of this app (``app.config["AMO_ACCOUNT"]``)."""
    acc: AmoAccount = current_app.config["AMO_ACCOUNT"]
    return acc


def is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> Response:
    body: dict[str, Any] = {
        "title": {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                  429: "Too Many Requests"}.get(status, "Error"),
        "type": f"https://httpstatus.es/{status}",
        "status": status,
        "detail": detail,
    }  # fmt: skip
    if errors:
        body["validation-errors"] = errors
    answer = jsonify(body)
    answer.status_code = status
    answer.mimetype = "application/problem+json"
    return answer


def with_() -> set[str]:
    """The ``with`` query parameter as a set."""
    return {part.strip() for part in request.args.get("with", "").split(",") if part.strip()}


def paging() -> tuple[int, int]:
    """``page`` (from 1) and ``limit`` (at most ``MAX_LIMIT``) of a list request."""
    page = max(int(request.args.get("page", 1)), 1)
    limit = min(max(int(request.args.get("limit", 50)), 1), MAX_LIMIT)
    return page, limit
