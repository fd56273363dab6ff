"""The amoCRM emulator as a Flask app: one account's API v4, its OAuth server, and its pages
(a lead list, a lead card hosting rentflow's widget panel, the widget's advanced settings
page) for a person trying rentflow in a browser.

Each part is a module with its own blueprint, registered in ``MODULES`` (add a module there
to emulate more of the API). Every ``/api/v4/`` call is rate-limited, may be failed on
purpose (``AmoAccount.faults``) and needs a live Bearer token, as amoCRM's
(https://www.amocrm.ru/developers/content/crm_platform/api-reference: errors are
``application/problem+json``; 7 requests a second,
https://www.amocrm.ru/developers/content/api/recommendations).
"""

from __future__ import annotations

from types import ModuleType

from flask import Flask, Response, request

from sandbox.amocrm import api_account, api_leads, oauth, pages, parties, tasks, widget_host
from sandbox.amocrm.common import account, problem
from sandbox.amocrm.saved import keep_saved
from sandbox.amocrm.state import AmoAccount
from sandbox.persist import StateFile

MODULES: tuple[ModuleType, ...] = (
    api_account, api_leads, oauth, pages, parties, tasks, widget_host,
)  # fmt: skip


def create_emulator(acc: AmoAccount | None = None, *, saved: StateFile | None = None) -> Flask:
    """A WSGI app emulating one amoCRM account (``app.config["AMO_ACCOUNT"]``); with
    ``saved`` (a ``sandbox.persist.StateFile``) the account is written there after every
    request that changed it."""
    app = Flask(__name__)
    app.config["AMO_ACCOUNT"] = acc or AmoAccount()
    app.before_request(_guard)
    app.after_request(_log)
    for module in MODULES:
        app.register_blueprint(module.bp)
    if saved is not None:
        keep_saved(app, saved)
    return app


def _guard() -> Response | None:
    acc = account()
    if not request.path.startswith("/api/v4/"):
        return None
    if not acc.admit():
        return problem(429, "Too many requests")
    if acc.faults:
        return problem(acc.faults.popleft(), "Injected fault")
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not acc.access_ok(token):
        return problem(401, "Unauthorized")
    return None


def _log(answer: Response) -> Response:
    acc = account()
    if request.path.startswith(("/api/v4/", "/oauth2/")):
        with acc._lock:
            acc.calls.append((request.method, request.path, answer.status_code))
    return answer
