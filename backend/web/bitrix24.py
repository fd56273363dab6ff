"""Bitrix24 endpoints: install, events, robots (the app page: ``bitrix24_app``; the deal tab:
``bitrix24_deal_tab``).

Each view parses the request, proves where it comes from (``bitrix24_portal_auth``), calls one
service or queues one task, and shapes the answer. Events and robots are acknowledged at once
and worked off in Celery (Bitrix24 never retries an event and slows down for slow handlers:
EN api-reference/events/index). A request that proves nothing gets 401 and changes nothing.
"""

from __future__ import annotations

import logging
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.domain.portal import Portal, PortalStatus
from backend.services import installation
from backend.services.robots import Robot
from backend.web import bitrix24_portal_auth as portal_auth
from backend.web import bitrix24_trust as trust
from backend.web.deps import container
from backend.web.frame_query import FRAME_QUERY
from backend.web.i18n import select_lang
from backend.web.static_files import STATIC_DIR, StaticBlueprint, content_version
from crm_mappings.bitrix24 import phpquery
from crm_mappings.bitrix24.adapter import Bitrix24Adapter
from crm_mappings.bitrix24.client import Bitrix24Client
from crm_mappings.bitrix24.setup import HandlerUrls, setup_portal

log = logging.getLogger(__name__)
_TEMPLATES = str(files("widget").joinpath("bitrix24", "templates"))
bp = StaticBlueprint(
    "bitrix24", __name__, url_prefix="/bitrix24", template_folder=_TEMPLATES,
    static_folder=str(STATIC_DIR), static_url_path="/static",
)  # fmt: skip


_ROBOTS = {r.value for r in Robot}
FRAME_PAGES = ("/bitrix24/app", "/bitrix24/deal-tab")  # what people see, not what programs call


def _lang() -> str:
    return select_lang()


@bp.app_context_processor
def _frame_helpers() -> dict[str, Any]:
    def action(endpoint: str, **values: Any) -> str:
        """Where a frame's form posts: rentflow's public address, keeping the frame query."""
        kept = {k: request.args[k] for k in FRAME_QUERY if request.args.get(k)}
        kept.setdefault("LANG", _lang())
        base = container().settings.public_base_url
        return f"{base}{url_for(endpoint, **values)}?{urlencode(kept)}"

    return {"action": action, "static_url": _static_url}


def _static_url(name: str) -> str:
    """A static file's absolute URL with its content's version (``static_files``)."""
    path = url_for("bitrix24.static", filename=name, v=content_version(name))
    return f"{container().settings.public_base_url}{path}"


def _form() -> dict[str, Any]:
    return phpquery.decode_pairs(request.form.items(multi=True))


@bp.errorhandler(portal_auth.Forbidden)
def _unauthorized(err: portal_auth.Forbidden) -> ResponseReturnValue:
    log.warning("bitrix24 %s refused: %s", request.path, err)
    if request.path.startswith(FRAME_PAGES):  # a person in a frame, e.g. an expired token
        return render_template("bitrix24/expired.html", lang=_lang()), 401
    return {"error": "unauthorized"}, 401


@bp.errorhandler(portal_auth.NotAllowed)
def _forbidden(err: portal_auth.NotAllowed) -> ResponseReturnValue:
    """A person, not a program, reads this in the frame: say it in their language."""
    log.warning("bitrix24 %s forbidden: %s", request.path, err)
    return render_template("bitrix24/forbidden.html", lang=_lang()), 403


def _urls() -> HandlerUrls:
    base = container().settings.public_base_url
    return HandlerUrls(
        f"{base}/bitrix24/events",
        f"{base}/bitrix24/deal-tab",
        f"{base}/bitrix24/robots",
        app=f"{base}/bitrix24/app",
    )


def _client(portal: Portal) -> Bitrix24Client:
    crm = container().crm(portal)
    if not isinstance(crm, Bitrix24Adapter):
        raise LookupError(f"portal {portal.id} has no Bitrix24 adapter")
    return crm.client


# --- install --------------------------------------------------------------------------------
@bp.post("/install")
def install() -> ResponseReturnValue:
    """The portal's first POST when an admin opens the app (settings/oauth/simple-way)."""
    form = request.form
    domain = request.args.get("DOMAIN", "")
    https = request.args.get("PROTOCOL", "1") == "1"
    auth = portal_auth.PortalAuth(
        member_id=form.get("member_id", ""),
        domain=domain,
        client_endpoint=trust.portal_endpoint(container().settings, domain, https=https),
        server_endpoint=form.get("SERVER_ENDPOINT", ""),
        access_token=form.get("AUTH_ID", ""),
        refresh_token=form.get("REFRESH_ID", ""),
        expires_in=int(form.get("AUTH_EXPIRES", "3600") or 3600),
        application_token=form.get("APPLICATION_TOKEN", ""),
        lang=_lang(),
    )
    portal = portal_auth.install(container(), auth)
    pid = portal_auth.portal_id(portal)
    client = _client(portal)
    added = setup_portal(client, _urls())
    admin = client.call("user.current").result  # who to tell if access is ever lost
    installation.renew(
        container().install_ports(), pid, {"admin_email": str(admin.get("EMAIL", ""))}
    )
    log.info("bitrix24 portal %s installed, bound %s", portal.external_id, added)
    return render_template("bitrix24/install.html", lang=_lang())


# --- events ---------------------------------------------------------------------------------
@bp.post("/events")
def events() -> ResponseReturnValue:
    """Every event: check ``ts`` and ``application_token``, acknowledge, queue the work."""
    form = _form()
    event = str(form.get("event", "")).upper()
    auth = form.get("auth") or {}
    c = container()
    portal_auth.check_fresh(c, form.get("ts"))
    if event == "ONAPPINSTALL":
        portal_auth.install(c, _auth_from_event(auth))
        return {"ok": True}
    if event == "ONAPPUPDATE":
        version = str((form.get("data") or {}).get("VERSION", ""))
        portal_auth.app_updated(c, auth, version)
        return {"ok": True}
    portal = portal_auth.event_portal(c, auth)
    pid = portal_auth.portal_id(portal)
    deal_id = str(((form.get("data") or {}).get("FIELDS") or {}).get("ID", ""))
    if event == "ONAPPUNINSTALL":
        installation.uninstall(c.install_ports(), portal_auth.KIND, portal.external_id)
    elif event in {"ONCRMDEALUPDATE", "ONCRMDEALADD"} and deal_id and portal.active:
        c.tasks.deal_changed(pid, deal_id)
    elif event == "ONTASKUPDATE" and portal.active:  # a request's task: read back by its id
        task_id = str(((form.get("data") or {}).get("FIELDS_AFTER") or {}).get("ID", ""))
        if task_id.isdigit():
            c.tasks.request_task_changed(pid, task_id)
    else:
        log.info("bitrix24 portal %s: %s %s ignored", portal.external_id, event, deal_id)
    return {"ok": True}


def _auth_from_event(auth: dict[str, Any]) -> portal_auth.PortalAuth:
    return portal_auth.PortalAuth(
        member_id=str(auth.get("member_id", "")),
        domain=str(auth.get("domain", "")),
        client_endpoint=str(auth.get("client_endpoint", "")),
        server_endpoint=str(auth.get("server_endpoint", "")),
        access_token=str(auth.get("access_token", "")),
        refresh_token=str(auth.get("refresh_token", "")),
        expires_in=int(auth.get("expires_in", 3600) or 3600),
        application_token=str(auth.get("application_token", "")),
    )


# --- robots ---------------------------------------------------------------------------------
@bp.post("/robots")
def robots() -> ResponseReturnValue:
    """A robot fired (bizproc-robot-add): verify, queue, answer at once."""
    form = _form()
    portal_auth.check_fresh(container(), form.get("ts"))
    portal = portal_auth.event_portal(container(), form.get("auth") or {})
    document = form.get("document_id") or []
    deal = str(document[2]) if len(document) > 2 else ""
    code = str(form.get("code", ""))
    if not deal.startswith("DEAL_") or not form.get("event_token") or code not in _ROBOTS:
        return {"error": "not a rentflow deal robot call"}, 400
    container().tasks.robot_fired(
        portal_auth.portal_id(portal), code, deal.removeprefix("DEAL_"), str(form["event_token"])
    )
    return {"ok": True}


# --- frames: the app page (bitrix24_app: the workspace's door) and the deal tab ------------
def request_portal(*, admin: bool = False, restore: bool = False) -> Portal:
    """The portal of a placement/app-page POST. ``admin``: the user must be one of the
    portal's administrators (``user.admin``). ``restore``: an administrator re-opening the app
    after the refresh token died hands over fresh tokens, which bring the portal back."""
    c = container()
    member_id, auth_id = request.form.get("member_id", ""), request.form.get("AUTH_ID", "")
    known = portal_auth.find_portal(c, member_id)
    if (
        (admin or restore)
        and known is not None
        and known.status is PortalStatus.AUTH_LOST
        and request.form.get("REFRESH_ID")
    ):
        portal_auth.check_admin(c, known, auth_id)
        endpoint = portal_auth.stored_endpoint(c, known)
        portal_auth.install(c, portal_auth.PortalAuth(
            member_id=member_id, domain=known.domain, client_endpoint=endpoint,
            server_endpoint=str(known.settings.get("server_endpoint", "")),
            access_token=auth_id, refresh_token=request.form["REFRESH_ID"],
            expires_in=int(request.form.get("AUTH_EXPIRES", "3600") or 3600),
        ))  # fmt: skip
    portal = portal_auth.frame_portal(c, member_id, auth_id)
    if admin:
        portal_auth.check_admin(c, portal, auth_id)
    return portal
