"""What the emulated portal does on its own: install the app, send events, open placements,
run robots — each a form-encoded POST to rentflow, shaped like Bitrix24's.

- install (app with UI): query DOMAIN/PROTOCOL/LANG/APP_SID, form AUTH_ID, AUTH_EXPIRES,
  REFRESH_ID, SERVER_ENDPOINT, member_id, status, PLACEMENT=DEFAULT (EN
  settings/oauth/simple-way.html); the page must call ``BX24.installFinish()``, and until it
  does no event is delivered (settings/app-installation/installation-finish.html);
- events: ``event``, ``event_handler_id``, ``data[...]``, ``ts``, ``auth[...]`` with
  ``application_token`` (api-reference/events/index.html, crm/deals/events/on-crm-deal-update);
- placements: the install fields plus ``PLACEMENT`` and a JSON ``PLACEMENT_OPTIONS``
  (api-reference/widgets/_includes/widget_data.md);
- robots: ``workflow_id``, ``code``, ``document_id[]``, ``event_token``, ``properties[...]``,
  ``auth[...]`` (bizproc-robot-add.html; b24pysdk credentials/oauth_workflow_data.py).

Every POST goes to rentflow, the app this portal has installed (``PortalState.app_url``: its
install handler, its app page, the handlers it bound), never to a URL a request names, and the
answer shows only rentflow's own pages: the sandbox is reachable by anyone who can reach
rentflow, and must not fetch arbitrary URLs for them.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import requests
from flask import Blueprint, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from crm_mappings.bitrix24 import phpquery
from sandbox.bitrix24.state import PortalState

bp = Blueprint("b24_portal", __name__, url_prefix="/_portal")
TIMEOUT = 30
INSTALL_PATH, EVENTS_PATH, APP_PATH = "/bitrix24/install", "/bitrix24/events", "/bitrix24/app"
INSTALL_MARK = "data-install-finish"


class OutsideApp(Exception):
    """A handler URL outside the installed app: the portal does not call it."""


def _state() -> PortalState:
    state: PortalState = current_app.config["B24_PORTAL"]
    return state


def _root(state: PortalState) -> str:
    """The portal's own address: ``state.base_url`` when set (mounted beside rentflow, however
    the browser reached it), else the address of this request."""
    return state.base_url or request.url_root


def endpoints(state: PortalState) -> dict[str, str]:
    """Where this portal's REST and OAuth server live, as Bitrix24 reports them."""
    root = _root(state)
    return {
        "client_endpoint": f"{root}rest/",
        "server_endpoint": f"{root}rest/",  # this emulator is its own OAuth server
        "domain": portal_domain(state),
        "member_id": state.member_id,
    }


def portal_domain(state: PortalState) -> str:
    """The emulator's DOMAIN: host and mount point, so ``{scheme}://{DOMAIN}/rest/`` works."""
    return _root(state).split("://", 1)[1].rstrip("/")


def _query(state: PortalState, lang: str = "ru") -> dict[str, str]:
    https = _root(state).startswith("https://")
    return {"DOMAIN": portal_domain(state), "PROTOCOL": "1" if https else "0",
            "LANG": lang, "APP_SID": secrets.token_hex(8)}  # fmt: skip


def _auth(state: PortalState, *, with_tokens: bool = True) -> dict[str, Any]:
    auth: dict[str, Any] = dict(
        endpoints(state), status="L", application_token=state.application_token
    )
    if with_tokens:
        tokens = state.issue_tokens()
        auth.update(access_token=tokens["access_token"], expires_in=tokens["expires_in"])
        auth["scope"] = ",".join(state.scope)
    return auth


def _ts(state: PortalState) -> str:
    return str(int(state.now()))


def _post(
    state: PortalState, url: str, form: dict[str, Any], query: dict[str, Any] | None = None
) -> requests.Response:
    """POST to rentflow; ``OutsideApp`` for any other URL."""
    if not url.startswith(f"{state.app_url.rstrip('/')}/"):
        raise OutsideApp(url)
    return requests.post(url, params=query, data=phpquery.pairs(form), timeout=TIMEOUT)


def _answer(response: requests.Response) -> ResponseReturnValue:
    return jsonify(status=response.status_code, body=response.text)


@bp.errorhandler(OutsideApp)
def _outside(err: OutsideApp) -> ResponseReturnValue:
    return jsonify(error="the portal calls only the installed app"), 400


@bp.post("/install")
def install() -> ResponseReturnValue:
    """Open the app for the first time: the ONAPPINSTALL event (unless ``{"event": false}``),
    then the install form to the app's install handler; a page that calls
    ``BX24.installFinish()`` finishes the installation, as the browser would. Both go to
    ``app_url``; the answer says how the app answered, not what."""
    state = _state()
    body = request.get_json(silent=True) or {}
    app = state.app_url.rstrip("/")
    tokens = state.issue_tokens()
    point = endpoints(state)
    form = {
        "AUTH_ID": tokens["access_token"],
        "AUTH_EXPIRES": tokens["expires_in"],
        "REFRESH_ID": tokens["refresh_token"],
        "SERVER_ENDPOINT": point["server_endpoint"],
        "member_id": state.member_id,
        "status": "L",
        "PLACEMENT": "DEFAULT",
        "PLACEMENT_OPTIONS": "{}",
        "APPLICATION_TOKEN": state.application_token,
        "APPLICATION_SCOPE": ",".join(state.scope),
    }
    query = _query(state)
    if body.get("event", True):
        event_tokens = state.issue_tokens()
        auth = _auth(state, with_tokens=False)
        auth.update(
            access_token=event_tokens["access_token"],
            refresh_token=event_tokens["refresh_token"],
            expires_in=event_tokens["expires_in"],
        )
        _post(
            state, f"{app}{EVENTS_PATH}",
            {"event": "ONAPPINSTALL", "data": {"VERSION": "1", "ACTIVE": "Y", "INSTALLED": "Y",
             "LANGUAGE_ID": "ru"}, "ts": _ts(state), "auth": auth},
        )  # fmt: skip
    response = _post(state, f"{app}{INSTALL_PATH}", form, query)
    # rentflow's install page asks for installFinish with ``data-install-finish`` (its
    # rentflow-frame.js then calls the JS SDK's installFinish, as BX24.installFinish() would)
    if response.ok and ("BX24.installFinish()" in response.text or INSTALL_MARK in response.text):
        state.installed = True
    return jsonify(status=response.status_code, installed=state.installed)


def send_event(
    state: PortalState, event: str, data: dict[str, Any], *, tokens: bool = True
) -> list[int]:
    """POST ``event`` to every handler bound to it; nothing is sent before installFinish."""
    if not state.installed:
        return []
    codes = []
    for index, bound in enumerate(list(state.events), start=1):
        if bound["event"] != event.upper():
            continue
        form = {
            "event": event.upper(),
            "event_handler_id": str(index),
            "data": data,
            "ts": _ts(state),
            "auth": _auth(state, with_tokens=tokens),
        }
        try:
            codes.append(_post(state, bound["handler"], form).status_code)
        except OutsideApp:
            continue
    return codes


@bp.post("/deals")
def add_deal() -> ResponseReturnValue:
    """A user creates a deal in the UI (fires ONCRMDEALADD)."""
    state = _state()
    deal = state.add_deal(request.get_json(force=True) or {})
    codes = send_event(state, "ONCRMDEALADD", {"FIELDS": {"ID": deal["id"]}})
    return jsonify(deal=deal, delivered=codes)


@bp.post("/deals/<int:deal_id>/move")
def move_deal(deal_id: int) -> ResponseReturnValue:
    """A user drags the deal to ``stageId`` on the kanban (fires ONCRMDEALUPDATE)."""
    state = _state()
    stage = request.get_json(force=True)["stageId"]
    with state.lock:
        deal = state.deals[deal_id]
        if stage not in state.stage_ids(deal["categoryId"]):
            return jsonify(error="bad stage"), 400
        deal["stageId"] = stage
        deal["updatedTime"] = state.timestamp()
    codes = send_event(state, "ONCRMDEALUPDATE", {"FIELDS": {"ID": deal_id}})
    return jsonify(deal=deal, delivered=codes)


@bp.post("/uninstall")
def uninstall() -> ResponseReturnValue:
    """The admin deletes the app: ONAPPUNINSTALL carries no tokens (on-app-uninstall.html)."""
    state = _state()
    codes = send_event(state, "ONAPPUNINSTALL", {"LANGUAGE_ID": "ru", "CLEAN": 0}, tokens=False)
    with state.lock:
        state.installed = False
        state.events.clear()
        state.placements.clear()
        state.robots.clear()
        state.access_tokens.clear()
        state.refresh_tokens.clear()
    return jsonify(delivered=codes)


@bp.post("/placements/<placement>/open")
def open_placement(placement: str) -> ResponseReturnValue:
    """A user (``user_id``, 1 = the admin) opens a placement (e.g. the deal tab) or the app
    page (``DEFAULT``)."""
    state = _state()
    body = request.get_json(force=True) or {}
    if placement == "DEFAULT":
        url = f"{state.app_url.rstrip('/')}{APP_PATH}"
    else:
        bound = [p for p in state.placements if p["placement"] == placement]
        if not bound:
            return jsonify(error="placement not bound"), 404
        url = bound[0]["handler"]
    tokens = state.issue_tokens(int(body.get("user_id", 1)))
    form = {
        "AUTH_ID": body.get("auth_id", tokens["access_token"]),
        "AUTH_EXPIRES": tokens["expires_in"],
        "REFRESH_ID": tokens["refresh_token"],
        "SERVER_ENDPOINT": endpoints(state)["server_endpoint"],
        "member_id": body.get("member_id", state.member_id),
        "status": "L",
        "PLACEMENT": placement,
        "PLACEMENT_OPTIONS": json.dumps(body.get("options", {})),
    }
    query = _query(state, body.get("lang", "ru"))
    return _answer(_post(state, url, form, query))


@bp.post("/robots/<code>/run")
def run_robot(code: str) -> ResponseReturnValue:
    """An automation rule reaches the robot ``code`` on deal ``deal_id``."""
    state = _state()
    body = request.get_json(force=True) or {}
    robot = state.robots.get(code)
    if robot is None:
        return jsonify(error="robot not installed"), 404
    token = secrets.token_hex(12)
    state.event_tokens.add(token)
    form = {
        "workflow_id": secrets.token_hex(8),
        "code": code,
        "document_id": ["crm", "CCrmDocumentDeal", f"DEAL_{body['deal_id']}"],
        "document_type": ["crm", "CCrmDocumentDeal", "DEAL"],
        "event_token": token,
        "properties": body.get("properties", {}),
        "use_subscription": "Y",
        "timeout_duration": "0",
        "ts": _ts(state),
        "auth": dict(
            _auth(state), application_token=body.get("application_token", state.application_token)
        ),
    }
    return _answer(_post(state, robot["HANDLER"], form))


@bp.post("/control")
def control() -> ResponseReturnValue:
    """Test switches: expire tokens, revoke refresh tokens, fail the next calls, go down,
    refuse every call with QUERY_LIMIT_EXCEEDED for a while."""
    state = _state()
    body = request.get_json(force=True) or {}
    if body.get("expire_access"):
        state.expire_access_tokens()
    if body.get("revoke_refresh"):
        state.revoke_refresh_tokens()
    for _ in range(int(body.get("fail_next", 0))):
        state.fail_next.append((503, "QUERY_LIMIT_EXCEEDED", "Too many requests"))
    if "down" in body:
        state.down = bool(body["down"])
    if "limit_for" in body:  # seconds of QUERY_LIMIT_EXCEEDED, after "limit_after" calls
        state.limit_for(float(body["limit_for"]), int(body.get("limit_after", 0)))
    return jsonify(ok=True)


@bp.get("/")
def index() -> ResponseReturnValue:
    """A page to click through the portal: install, deals and their stages, the lease tab."""
    state = _state()
    return render_template("portal.html", state=state, app_url=state.app_url)


@bp.get("/state")
def dump() -> ResponseReturnValue:
    """Everything the portal holds, for tests and for a person looking at the sandbox."""
    state = _state()
    with state.lock:
        return jsonify(
            member_id=state.member_id,
            installed=state.installed,
            deals=list(state.deals.values()),
            userfields=list(state.userfields),
            events=state.events,
            placements=state.placements,
            robots=sorted(state.robots),
            comments=state.comments,
            tasks=state.tasks,
            bizproc_events=state.bizproc_events,
            calls=len(state.calls),
        )
