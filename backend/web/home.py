"""The front page: what is running, and links to the sandbox portals and needs-attention."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    settings = current_app.config["RENTFLOW_SETTINGS"]
    return render_template("home.html", settings=settings)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return jsonify(status="ok")
