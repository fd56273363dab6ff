"""The emulated Bitrix24 portal as a Flask app: REST (``/rest/<method>``, ``batch``), the OAuth
server (``/oauth/token/``) and ``/_portal/*`` buttons that make the portal act like a user or
Bitrix24 itself would (install the app, move a deal, open the deal tab, run a robot).

Answers follow the EN docs (apidocs.bitrix24.com): success ``{"result": ..., "time": {...}}``
plus ``total``/``next`` for lists; errors ``{"error", "error_description"}`` with the HTTP
status from _includes/system-errors (401 expired_token / NO_AUTH_FOUND, 503
QUERY_LIMIT_EXCEEDED from limits.html); batch shapes from settings/how-to-call-rest-api/batch.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from crm_mappings.bitrix24 import phpquery
from sandbox.bitrix24 import (
    crm_methods,
    party_edits,
    party_methods,
    portal_actions,
    task_methods,
)
from sandbox.bitrix24.methods import METHODS, Page, RestError, check_scope
from sandbox.bitrix24.saved import keep_saved
from sandbox.bitrix24.state import PortalState
from sandbox.persist import StateFile

# imported for their @method registrations (and the task pages)
_REGISTERED = tuple(m.__name__ for m in (crm_methods, party_methods, party_edits, task_methods))
MAX_BATCH = 50
_REF = re.compile(r"\$result\[([^\]]+)\]((?:\[[^\]]*\])*)")

rest = Blueprint("b24_rest", __name__)


def portal() -> PortalState:
    state: PortalState = current_app.config["B24_PORTAL"]
    return state


def _time() -> dict[str, Any]:
    now = time.time()
    return {"start": now, "finish": now, "duration": 0.0, "processing": 0.0, "operating": 0}


def _error(status: int, code: str, description: str = "") -> ResponseReturnValue:
    return jsonify(error=code, error_description=description), status


def _params() -> dict[str, Any]:
    if request.is_json:
        body = request.get_json(silent=True) or {}
        merged = phpquery.decode(request.query_string.decode())
        merged.update(body)
        return merged
    items = list(request.args.items(multi=True)) + list(request.form.items(multi=True))
    return phpquery.decode_pairs(items)


def _check_auth(state: PortalState, token: str) -> RestError | None:
    if not token:
        return RestError(401, "NO_AUTH_FOUND", "Wrong authorization data")
    expires = state.access_tokens.get(token)
    if expires is None:
        return RestError(401, "invalid_token", "Unable to get application by token")
    if expires <= state.now():
        return RestError(401, "expired_token", "The access token provided has expired.")
    return None


@rest.route("/rest/<path:name>", methods=["GET", "POST"])
def call(name: str) -> ResponseReturnValue:
    state = portal()
    name = name.removesuffix(".json").lower()
    with state.lock:
        state.calls.append(name)
        if state.down:
            return _error(503, "SERVICE_UNAVAILABLE", "Portal is under maintenance")
        if state.fail_next:
            status, code, description = state.fail_next.pop(0)
            return _error(status, code, description)
        # over the limit: HTTP 503 {"error": "QUERY_LIMIT_EXCEEDED", "error_description":
        # "Too many requests"} (b24restdocs limits.md "Request Rate Limits" and
        # _includes/system-errors.md; apidocs.bitrix24.com/limits.html)
        if state.over_injected_limit():
            return _error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
        if not state.bucket.take():
            state.refused += 1
            return _error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
        params = _params()
        token = str(params.pop("auth", "") or "")
        denied = _check_auth(state, token)
        if denied is not None:
            return _error(denied.status, denied.code, denied.description)
        state.current_user = state.token_users.get(token, 1)
        try:
            if name == "batch":
                return jsonify(result=_batch(state, params), time=_time())
            value = _run(state, name, params)
        except RestError as err:
            return _error(err.status, err.code, err.description)
    if isinstance(value, Page):
        body: dict[str, Any] = {"result": value.items, "total": value.total, "time": _time()}
        if value.next is not None:
            body["next"] = value.next
        return jsonify(body)
    return jsonify(result=value, time=_time())


def _run(state: PortalState, name: str, params: dict[str, Any]) -> Any:
    handler = METHODS.get(name)
    if handler is None:
        raise RestError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
    check_scope(state, name)
    state.inner_calls.append(name)
    return handler(state, params)


def _resolve(value: Any, results: dict[str, Any]) -> Any:
    """Substitute ``$result[key][field]`` references to earlier commands' results."""
    if isinstance(value, dict):
        return {k: _resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, results) for v in value]
    if not isinstance(value, str) or "$result[" not in value:
        return value

    def lookup(match: re.Match[str]) -> str:
        node: Any = results.get(match.group(1))
        for part in re.findall(r"\[([^\]]*)\]", match.group(2)):
            node = node[int(part)] if isinstance(node, list) else (node or {}).get(part)
        return "" if node is None else str(node)

    return _REF.sub(lookup, value)


def _as_php_array(values: dict[str, Any]) -> Any:
    """PHP turns an empty array into ``[]`` and 0..n-1 keys into a list (FB issue #44)."""
    if not values:
        return []
    if all(k.isdigit() for k in values) and sorted(map(int, values)) == list(range(len(values))):
        return [values[str(i)] for i in range(len(values))]
    return values


def _batch(state: PortalState, params: dict[str, Any]) -> dict[str, Any]:
    commands = params.get("cmd") or {}
    if isinstance(commands, list):
        commands = {str(i): c for i, c in enumerate(commands)}
    if len(commands) > MAX_BATCH:
        raise RestError(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
    halt = str(params.get("halt", "0")) in {"1", "true", "Y"}
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    totals: dict[str, Any] = {}
    nexts: dict[str, Any] = {}
    for key, command in commands.items():
        method, _, query = str(command).partition("?")
        method = method.strip().lower()
        try:
            if method == "batch":
                raise RestError(400, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Batch call is not allowed")
            value = _run(state, method, _resolve(phpquery.decode(query), results))
        except RestError as err:
            errors[key] = {"error": err.code, "error_description": err.description}
            if halt:
                break
            continue
        if isinstance(value, Page):
            results[key], totals[key] = value.items, value.total
            if value.next is not None:
                nexts[key] = value.next
        else:
            results[key] = value
    return {
        "result": _as_php_array(results),
        "result_error": _as_php_array(errors),
        "result_total": _as_php_array(totals),
        "result_next": _as_php_array(nexts),
        "result_time": [],
    }


@rest.get("/oauth/token/")
def oauth_token() -> ResponseReturnValue:
    """The OAuth server's refresh (settings/oauth/index.html): refresh tokens rotate."""
    state = portal()
    args = request.args
    if args.get("client_id") != state.client_id or args.get("client_secret") != (
        state.client_secret
    ):
        return _error(401, "invalid_client", "Invalid client")
    if args.get("grant_type") != "refresh_token":
        return _error(400, "invalid_request", "Unsupported grant_type")
    with state.lock:
        old = args.get("refresh_token", "")
        if old not in state.refresh_tokens:
            return _error(400, "invalid_grant", "Invalid grant")
        state.refresh_tokens.discard(old)
        state.refreshes += 1
        tokens = state.issue_tokens()
    return jsonify(
        dict(tokens, **portal_actions.endpoints(state), scope=",".join(state.scope), user_id=1)
    )


def _app_link(code: str) -> ResponseReturnValue:
    """A link to the app (``/marketplace/view/<APP_CODE>/?params[...]=..``, as the deal's lease
    field holds one): the portal page, which opens the app's REST_APP_URI placement with those
    params in PLACEMENT_OPTIONS (EN api-reference/widgets/universal/app-url)."""
    params = {k[len("params[") : -1]: v for k, v in request.args.items() if k.startswith("params[")}
    query = urlencode({"open": "REST_APP_URI", **params})
    return redirect(f"{url_for('b24_portal.index')}?{query}")


def _deal_page(deal_id: int) -> ResponseReturnValue:
    """The deal's page, where Bitrix24 has it (``/crm/deal/details/<id>/``): its title,
    stage, fields (rentflow's UF_CRM_RENTFLOW_* among them) and timeline comments, so a
    sandbox user following a rentflow "deal" link lands on the deal."""
    state = portal()
    with state.lock:
        deal = state.deals.get(deal_id)
        if deal is None:
            return _error(404, "NOT_FOUND", f"no deal {deal_id}")
        stages = {s["STATUS_ID"]: s.get("NAME", s["STATUS_ID"]) for s in state.stages}
        notes = [
            c for c in state.comments
            if str(c.get("ENTITY_TYPE", "")).lower() == "deal"
            and str(c.get("ENTITY_ID")) == str(deal_id)
        ]  # fmt: skip
        fields = {k: v for k, v in deal.items() if k.upper().startswith("UF_")}
        return render_template(
            "deal.html", deal=deal, stage=stages.get(deal["stageId"], deal["stageId"]),
            fields=fields, notes=notes, portal_url=url_for("b24_portal.index"),
        )  # fmt: skip


def create_emulator(state: PortalState | None = None, *, saved: StateFile | None = None) -> Flask:
    """The emulator app; tests keep ``state`` to look inside the portal. With ``saved`` the
    portal is read from that file and written back after every request that changed it."""
    app = Flask(__name__)
    app.config["B24_PORTAL"] = state or PortalState()
    app.register_blueprint(rest)
    app.register_blueprint(portal_actions.bp)
    app.add_url_rule("/", "index", lambda: redirect(url_for("b24_portal.index")))
    app.add_url_rule("/marketplace/view/<code>/", "app_link", _app_link)
    app.add_url_rule("/crm/deal/details/<int:deal_id>/", "deal_page", _deal_page)
    if saved is not None:
        keep_saved(app, saved)
    return app
