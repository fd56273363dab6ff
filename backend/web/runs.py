"""Billing runs: an operator page with each portal's last runs, and "run now" buttons that
queue the billing task (the run itself happens in a worker, never in the request)."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from backend.web.bitrix24 import dispatch
from backend.web.deps import container, require_operator

bp = Blueprint("runs", __name__)

RUN_ALL_TASK = "jobs.tasks.billing_run"
RUN_PORTAL_TASK = "jobs.tasks.billing_run_portal"
RUNS_SHOWN = 10


def _csrf_token() -> str:
    """The session's form token: a page of another site cannot read it, so cannot post."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


def _check_csrf() -> None:
    expected, given = session.get("csrf"), request.form.get("csrf", "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected, given):
        abort(400, "the form expired or did not come from this page; reload it")


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
        csrf=_csrf_token(),
        token=request.args.get("token", ""),
        queued=request.args.get("queued", ""),
    )


@bp.post("/runs")
def run_now() -> ResponseReturnValue:
    """Queue the billing run of one portal (``portal``) or of all of them, for today."""
    require_operator()
    _check_csrf()
    today = container().clock.today().isoformat()
    portal = request.form.get("portal", "")
    if portal:
        with container().uow() as uow:
            known = {p.id for p in uow.portals.list()}
        if not portal.isdigit() or int(portal) not in known:
            abort(404, "no such portal")
        dispatch(RUN_PORTAL_TASK, [int(portal), today])
    else:
        dispatch(RUN_ALL_TASK, [])
    values: dict[str, Any] = {"queued": portal or "all"}
    if request.args.get("token"):
        values["token"] = request.args["token"]
    return redirect(url_for("runs.page", **values), code=303)
