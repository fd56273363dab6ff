"""Billing runs: an operator page with each portal's last runs, and "run now" buttons that
queue the billing task (the run itself happens in a worker, never in the request)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.web.deps import container, csrf_token, require_operator

bp = Blueprint("runs", __name__)

RUNS_SHOWN = 10


def portal_runs(limit: int = RUNS_SHOWN) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Each active portal with its last ``limit`` runs, newest first."""
    built = container()
    with built.uow() as uow:
        portals = uow.portals.list()
    shown = []
    for portal in portals:
        with built.uow(portal.id) as uow:
            shown.append((portal, uow.runs.recent(limit)))
    return shown


@bp.get("/runs")
def page() -> ResponseReturnValue:
    """The last runs per portal: date, started/finished, issued, sent, failed, errors."""
    require_operator()
    return render_template(
        "runs.html",
        portals=portal_runs(),
        csrf=csrf_token(),
        queued=request.args.get("queued", ""),
    )


@bp.post("/runs")
def run_now() -> ResponseReturnValue:
    """Queue the billing run of one portal (``portal``) or of all of them, for today."""
    require_operator()  # with the page's form token
    today = container().clock.today().isoformat()
    portal = request.form.get("portal", "")
    if portal:
        with container().uow() as uow:
            known = {p.id for p in uow.portals.list()}
        if not portal.isdigit() or int(portal) not in known:
            abort(404, "no such portal")
        container().tasks.billing_run_portal(int(portal), today)
    else:
        container().tasks.billing_run()
    return redirect(url_for("runs.page", queued=portal or "all"), code=303)
