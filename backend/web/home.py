"""The front page: what is running, and links to the sandbox portals and needs-attention."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

from backend.config import masked_url

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    from sandbox.mount import sandbox_apps

    settings = current_app.config["RENTFLOW_SETTINGS"]
    links = [
        (rule.endpoint, rule.rule)
        for rule in current_app.url_map.iter_rules()
        if rule.endpoint in {"attention.page", "attention.api", "runs.page"}
    ]
    return render_template(
        "home.html",
        settings=settings,
        sandbox=sandbox_apps(settings),
        links=links,
        # where the data lives is the operator's business: shown in the sandbox only, masked
        database=masked_url(settings.database_url) if settings.sandbox else "",
        broker=masked_url(settings.celery_broker_url) if settings.sandbox else "",
    )


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")
