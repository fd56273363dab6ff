"""What views get from the app: the container built by ``create_app``, operator checks."""

from __future__ import annotations

import hmac

from flask import abort, current_app, request

from backend.bootstrap import Container


def container() -> Container:
    """The composition root of this app (``create_app`` put it there)."""
    built: Container = current_app.extensions["rentflow"]
    return built


def require_operator() -> None:
    """Operator pages see every portal: they need ``ADMIN_TOKEN`` (a bearer token or
    ``?token=``), except in the sandbox with no token set, where the one local user is it."""
    settings = container().settings
    if not settings.admin_token:
        if settings.sandbox:
            return
        abort(403, "set ADMIN_TOKEN to open the operator pages")
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
    given = given or request.args.get("token", "")
    if not hmac.compare_digest(given.encode(), settings.admin_token.encode()):
        abort(401, "a valid operator token is required")
