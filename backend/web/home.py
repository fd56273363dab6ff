"""The front page: what is running, and links to the sandbox portals and needs-attention."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

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
        "home.html", settings=settings, sandbox=sandbox_apps(settings), links=links
    )


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")
