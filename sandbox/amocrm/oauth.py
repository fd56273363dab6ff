"""The emulated account's OAuth: the authorization page and the token endpoint.

https://www.amocrm.ru/developers/content/oauth/step-by-step: the authorization page hands
``code``, ``referer`` and ``state`` to the integration's redirect_uri; the token endpoint
checks the client and the ``redirect_uri`` (``AmoAccount.grant``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, redirect, request

from sandbox.amocrm.common import account
from sandbox.amocrm.state import OAuthRejected

bp = Blueprint("amocrm_oauth", __name__)


@bp.get("/oauth")
def authorize() -> Any:
    """The authorization page after the admin allowed access: redirect to the integration's
    redirect_uri with ``code``, ``referer``, ``state`` and ``platform`` (step-by-step)."""
    acc = account()
    if request.args.get("client_id") != acc.client_id:
        return Response("Unknown integration", status=400, mimetype="text/plain")
    with acc._lock:
        acc.widget_installed = True  # granting access installs the integration and its widget
    query = {
        "code": acc.issue_code(),
        "referer": acc.base_url_host,
        "state": request.args.get("state", ""),
        "platform": "1",
    }
    return redirect(f"{acc.redirect_uri}?{urlencode(query)}")


@bp.post("/oauth2/access_token")
def access_token() -> Any:
    acc = account()
    data = request.get_json(silent=True) or request.form.to_dict()
    try:
        return jsonify(acc.grant({k: str(v) for k, v in data.items()}))
    except OAuthRejected as exc:
        answer = jsonify(exc.body)
        answer.status_code = exc.status
        answer.mimetype = "application/problem+json"
        return answer
