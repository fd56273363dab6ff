"""What views get from the app: the container built by ``create_app``, operator checks."""

from __future__ import annotations

from flask import current_app

from backend.bootstrap import Container
from backend.web.operator import check_csrf, csrf_token, require_operator

__all__ = ["check_csrf", "container", "csrf_token", "require_operator"]


def container() -> Container:
    """The composition root of this app (``create_app`` put it there)."""
    built: Container = current_app.extensions["rentflow"]
    return built
