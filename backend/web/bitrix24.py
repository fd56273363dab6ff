"""Bitrix24 endpoints: install, events, the app page, the deal tab, robots.

Each view parses the request, proves where it comes from (``bitrix24_flows``), calls one
service or queues one task, and shapes the answer. Events and robots are acknowledged at once
and worked off in Celery (Bitrix24 never retries an event and slows down for slow handlers:
EN api-reference/events/index). A request that proves nothing gets 401 and changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from backend.domain.errors import DomainError
from backend.domain.parties import Person
from backend.domain.portal import Portal, PortalStatus
from backend.services.deal_actions import PanelAction, PanelOutcome, run_panel_action
from backend.services.deal_panel import deal_panel
from backend.services.landlords import list_landlords
from backend.services.leases import due_rule_from_settings, register_lease
from backend.services.portals import uninstall_portal
from backend.services.robots import Robot
from backend.web import bitrix24_flows as flows
from backend.web import bitrix24_trust as trust
from backend.web.bitrix24_lease_form import VAT_CHOICES, lease_from_form
from backend.web.deps import container
from backend.web.i18n import select_lang
from crm_mappings.bitrix24 import phpquery
from crm_mappings.bitrix24.adapter import Bitrix24Adapter
from crm_mappings.bitrix24.client import Bitrix24Client
from crm_mappings.bitrix24.setup import HandlerUrls, setup_portal

log = logging.getLogger(__name__)
_TEMPLATES = str(files("widget").joinpath("bitrix24", "templates"))
bp = Blueprint(
    "bitrix24", __name__, url_prefix="/bitrix24", template_folder=_TEMPLATES,
    static_folder=str(files("backend.web").joinpath("static")), static_url_path="/static",
)  # fmt: skip


DEAL_TASK = "jobs.tasks.bitrix24_deal_changed"
REQUEST_TASK_CHANGED = "jobs.channel_tasks.request_task_changed"
ROBOT_TASK = "jobs.tasks.bitrix24_robot"
DOCUMENT_TASK = "jobs.tasks.crm_document_issued"
Dispatch = Callable[[str, Sequence[Any]], None]
_ROBOTS = {r.value for r in Robot}
OUTCOMES = {
    PanelOutcome.DONE: lazy_gettext("Done"),
    PanelOutcome.NO_LEASE: lazy_gettext("No lease is linked to this deal yet."),
    PanelOutcome.NOTHING_PLANNED: lazy_gettext("Nothing more is planned in the schedule."),
    PanelOutcome.NOTHING_TO_SEND: lazy_gettext(
        "Nothing to send: no documents issued, or no tenant addresses."
    ),
    PanelOutcome.CONFIRM_FUTURE: lazy_gettext(
        "The next invoice is for a future period, planned for later. Issue it now?"
    ),
}
# Bitrix24 opens a frame at ``handler?DOMAIN=..&PROTOCOL=..&LANG=..&APP_SID=..``; the JS SDK
# reads DOMAIN and APP_SID from the page's own address (b24jssdk initializeB24Frame), so every
# form of the frame posts back to an address that keeps them.
FRAME_QUERY = ("DOMAIN", "PROTOCOL", "LANG", "APP_SID")
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
    return f"{container().settings.public_base_url}{url_for('bitrix24.static', filename=name)}"


def dispatch(name: str, args: Sequence[Any]) -> None:
    """Queue a Celery task by name (web does not import jobs; tests may swap this out)."""
    custom: Dispatch | None = current_app.config.get("RENTFLOW_DISPATCH")
    if custom is not None:
        custom(name, args)
        return
    container().send_task(name, *args)


def _form() -> dict[str, Any]:
    return phpquery.decode_pairs(request.form.items(multi=True))


@bp.errorhandler(flows.Forbidden)
def _unauthorized(err: flows.Forbidden) -> ResponseReturnValue:
    log.warning("bitrix24 %s refused: %s", request.path, err)
    if request.path.startswith(FRAME_PAGES):  # a person in a frame, e.g. an expired token
        return render_template("bitrix24/expired.html", lang=_lang()), 401
    return {"error": "unauthorized"}, 401


@bp.errorhandler(flows.NotAllowed)
def _forbidden(err: flows.NotAllowed) -> ResponseReturnValue:
    """A person, not a program, reads this in the frame: say it in their language."""
    log.warning("bitrix24 %s forbidden: %s", request.path, err)
    return render_template("bitrix24/forbidden.html", lang=_lang()), 403


def _urls() -> HandlerUrls:
    base = container().settings.public_base_url
    return HandlerUrls(
        f"{base}/bitrix24/events", f"{base}/bitrix24/deal-tab", f"{base}/bitrix24/robots"
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
    auth = flows.PortalAuth(
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
    portal = flows.install(container(), auth)
    pid = flows.portal_id(portal)
    client = _client(portal)
    added = setup_portal(client, _urls())
    admin = client.call("user.current").result  # who to tell if access is ever lost
    with container().uow() as uow:
        changes = {"admin_email": str(admin.get("EMAIL", ""))}
        uow.portals.save(flows.with_settings(uow.portals.get(pid), changes))
        uow.commit()
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
    flows.check_fresh(c, form.get("ts"))
    if event == "ONAPPINSTALL":
        flows.install(c, _auth_from_event(auth))
        return {"ok": True}
    if event == "ONAPPUPDATE":
        version = str((form.get("data") or {}).get("VERSION", ""))
        flows.app_updated(c, auth, version)
        return {"ok": True}
    portal = flows.event_portal(c, auth)
    pid = flows.portal_id(portal)
    deal_id = str(((form.get("data") or {}).get("FIELDS") or {}).get("ID", ""))
    if event == "ONAPPUNINSTALL":
        with c.uow() as uow:
            uninstall_portal(uow, c.clock, pid)
            uow.commit()
    elif event in {"ONCRMDEALUPDATE", "ONCRMDEALADD"} and deal_id and portal.active:
        dispatch(DEAL_TASK, (pid, deal_id))
    elif event == "ONTASKUPDATE" and portal.active:  # a request's task: read back by its id
        task_id = str(((form.get("data") or {}).get("FIELDS_AFTER") or {}).get("ID", ""))
        if task_id.isdigit():
            dispatch(REQUEST_TASK_CHANGED, (pid, task_id))
    else:
        log.info("bitrix24 portal %s: %s %s ignored", portal.external_id, event, deal_id)
    return {"ok": True}


def _auth_from_event(auth: dict[str, Any]) -> flows.PortalAuth:
    return flows.PortalAuth(
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
    flows.check_fresh(container(), form.get("ts"))
    portal = flows.event_portal(container(), form.get("auth") or {})
    document = form.get("document_id") or []
    deal = str(document[2]) if len(document) > 2 else ""
    code = str(form.get("code", ""))
    if not deal.startswith("DEAL_") or not form.get("event_token") or code not in _ROBOTS:
        return {"error": "not a rentflow deal robot call"}, 400
    args = (flows.portal_id(portal), code, deal.removeprefix("DEAL_"), str(form["event_token"]))
    dispatch(ROBOT_TASK, args)
    return {"ok": True}


# --- frames: the app page (bitrix24_app) and the deal tab -----------------------------------
def request_portal(*, admin: bool = False) -> Portal:
    """The portal of a placement/app-page POST; an admin re-opening the app after the refresh
    token died hands over fresh tokens, which bring the portal back. ``admin``: the user must
    be one of the portal's administrators (``user.admin``)."""
    c = container()
    member_id, auth_id = request.form.get("member_id", ""), request.form.get("AUTH_ID", "")
    known = flows.find_portal(c, member_id)
    if (
        admin
        and known is not None
        and known.status is PortalStatus.AUTH_LOST
        and request.form.get("REFRESH_ID")
    ):
        flows.check_admin(c, known, auth_id)
        endpoint = flows.stored_endpoint(c, known)
        flows.install(c, flows.PortalAuth(
            member_id=member_id, domain=known.domain, client_endpoint=endpoint,
            server_endpoint=str(known.settings.get("server_endpoint", "")),
            access_token=auth_id, refresh_token=request.form["REFRESH_ID"],
            expires_in=int(request.form.get("AUTH_EXPIRES", "3600") or 3600),
        ))  # fmt: skip
    portal = flows.frame_portal(c, member_id, auth_id)
    if admin:
        flows.check_admin(c, portal, auth_id)
    return portal


# --- the deal tab ---------------------------------------------------------------------------
@bp.post("/deal-tab")
def deal_tab() -> ResponseReturnValue:
    """CRM_DEAL_DETAIL_TAB: the deal's lease (widgets/crm/detail-tab; PLACEMENT_OPTIONS.ID)."""
    portal = request_portal()
    pid = flows.portal_id(portal)
    try:
        deal_id = str(json.loads(request.form.get("PLACEMENT_OPTIONS") or "{}").get("ID", ""))
    except ValueError:
        abort(400)
    frame = flows.sign_frame(container(), pid, flows.TAB_FRAME, deal_id)
    return _render_tab(pid, deal_id, frame, "")


def _render_tab(
    portal_id: int, deal_id: str, frame: str, message: str, *, confirm_future: bool = False
) -> ResponseReturnValue:
    c = container()
    with c.uow(portal_id) as uow:
        panel = deal_panel(uow, c.clock.today(), deal_id, c.link_url)
        landlords = list_landlords(uow) if panel["lease"] is None else []
        due_default = due_rule_from_settings(uow.portals.get(portal_id).settings)
    return render_template(
        "bitrix24/deal_tab.html", lang=_lang(), frame=frame, panel=panel, message=message,
        landlords=landlords, vat_choices=VAT_CHOICES, form=request.form,
        due_default=due_default, confirm_future=confirm_future,
    )  # fmt: skip


@bp.post("/deal-tab/action")
def deal_tab_action() -> ResponseReturnValue:
    """The tab's buttons; the frame token says which portal and deal they are for."""
    c = container()
    frame = request.form.get("frame", "")
    portal_id, deal_id = flows.read_frame(c, frame, flows.TAB_FRAME)
    try:
        action = PanelAction(request.form.get("action", ""))
    except ValueError:
        return _render_tab(portal_id, deal_id, frame, gettext("Unknown action."))
    try:
        result = run_panel_action(
            c.billing_ports(), portal_id, deal_id, action, c.clock.today(),
            confirm_future=request.form.get("confirm_future") == "1",
        )  # fmt: skip
    except DomainError as err:
        return _render_tab(portal_id, deal_id, frame, str(err))
    for document_id in result.issued:
        dispatch(DOCUMENT_TASK, (portal_id, document_id))
    asking = result.outcome is PanelOutcome.CONFIRM_FUTURE
    return _render_tab(
        portal_id, deal_id, frame, str(OUTCOMES[result.outcome]), confirm_future=asking
    )


@bp.post("/deal-tab/lease")
def create_lease() -> ResponseReturnValue:
    """Create the deal's lease from the tab's short form, linked to the deal."""
    c = container()
    frame = request.form.get("frame", "")
    portal_id, deal_id = flows.read_frame(c, frame, flows.TAB_FRAME)
    with c.uow() as uow:
        portal = uow.portals.get(portal_id)
    deal = c.crm(portal).get_deal(deal_id)
    problem = ""
    # the error is rendered after the unit of work has rolled back: never a page drawn while
    # a write transaction holds SQLite for every portal
    with c.uow(portal_id) as uow:
        try:
            landlord = uow.parties.landlord(int(request.form.get("landlord_id", "0") or 0))
            manager = Person(name=deal.responsible_user_id, crm_user_id=deal.responsible_user_id)
            lease = lease_from_form(
                request.form,
                landlord,
                manager if deal.responsible_user_id else None,
                due_rule_from_settings(portal.settings),
            )
            register_lease(
                uow, c.clock, lease, crm_deal_id=deal_id, crm_pipeline_id=deal.pipeline_id,
                landlord_id=landlord.id,
            )  # fmt: skip
            uow.commit()
        except (DomainError, ValueError) as err:
            problem = str(err)
    return _render_tab(portal_id, deal_id, frame, problem or gettext("Done"))
