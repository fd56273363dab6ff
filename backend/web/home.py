"""The front page: what is running, and links to the sandbox portals and needs-attention."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

from backend.config import masked_url
from backend.web.deps import container
from backend.web.operator import is_operator

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
        sandbox=sandbox_apps(settings, remember=False),
        links=links,
        # where the data lives is the operator's business: shown in the sandbox only, masked
        database=masked_url(settings.database_url) if settings.sandbox else "",
        broker=masked_url(settings.celery_broker_url) if settings.sandbox else "",
    )


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The worker, the broker, the outbox and the disk: 200 when all are healthy, else 503
    naming the unhealthy parts (``backend.runtime.health``). Anyone (a load balancer) sees
    which parts are healthy; why, with file paths and counts, only the operator sees."""
    from backend.runtime.health import CachedHealth, check_health

    built = container()
    if built.health is None:
        built.health = CachedHealth(
            lambda: check_health(
                built.settings,
                built.uow,
                built.clock,
                supervised=None
                if built.worker_supervisor is None
                else built.worker_supervisor.state,
            )
        )
    report = built.health.report()
    answer = report.as_json()
    if not is_operator():
        answer["parts"] = {name: {"ok": part["ok"]} for name, part in answer["parts"].items()}
    return jsonify(answer), 200 if report.ok else 503
