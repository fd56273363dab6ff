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
from functools import cache
from importlib.resources import files
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from backend.domain.errors import DomainError
from backend.domain.lease import LeaseStatus
from backend.domain.parties import Person
from backend.domain.portal import Portal, PortalStatus
from backend.services.crm_sync import STATUS_LABELS_RU, load_mapping, save_mapping
from backend.services.deal_actions import PanelAction, PanelOutcome, run_panel_action
from backend.services.deal_panel import deal_panel
from backend.services.leases import due_rule_from_settings, register_lease
from backend.services.portals import uninstall_portal
from backend.services.robots import Robot
from backend.web import bitrix24_flows as flows
from backend.web.bitrix24_lease_form import VAT_CHOICES, lease_from_form
from backend.web.deps import container
from crm_mappings.bitrix24 import phpquery
from crm_mappings.bitrix24.adapter import Bitrix24Adapter
from crm_mappings.bitrix24.client import Bitrix24Client
from crm_mappings.bitrix24.setup import HandlerUrls, setup_portal
from crm_mappings.mapping import BillingMode, LeaseEvent, StageMapping, default_mapping

log = logging.getLogger(__name__)
_TEMPLATES = str(files("widget").joinpath("bitrix24", "templates"))
bp = Blueprint("bitrix24", __name__, url_prefix="/bitrix24", template_folder=_TEMPLATES)


@bp.app_template_filter("b24_date")
def _b24_date(iso: str) -> str:
    """``2026-02-01`` as the portal's users write it: ``01.02.2026``."""
    return ".".join(reversed(iso.split("-"))) if iso else ""


DEAL_TASK = "jobs.tasks.bitrix24_deal_changed"
ROBOT_TASK = "jobs.tasks.bitrix24_robot"
DOCUMENT_TASK = "jobs.tasks.crm_document_issued"
Dispatch = Callable[[str, Sequence[Any]], None]
_ROBOTS = {r.value for r in Robot}
EVENT_LABELS_EN = {e: e.value.replace("_", " ") for e in LeaseEvent}
EVENT_LABELS_RU = {
    LeaseEvent.INVOICE_ISSUED: "Счёт выставлен", LeaseEvent.INVOICE_SENT: "Счёт отправлен",
    LeaseEvent.PAID: "Оплачен", LeaseEvent.OVERDUE: "Просрочен",
    LeaseEvent.ACT_SENT: "Акт отправлен", LeaseEvent.ACT_SIGNED: "Акт подписан",
}  # fmt: skip


@cache
def _texts() -> dict[str, dict[str, str]]:
    raw = files("widget").joinpath("bitrix24", "i18n.json").read_text(encoding="utf-8")
    texts: dict[str, dict[str, str]] = json.loads(raw)
    return texts


def _lang() -> str:
    lang = (request.args.get("LANG") or request.form.get("lang") or "ru").lower()
    return lang if lang in _texts() else "en"


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
    return {"error": "unauthorized"}, 401


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
    auth = flows.PortalAuth(
        member_id=form.get("member_id", ""),
        domain=domain,
        client_endpoint=flows.endpoint_for(domain, request.args.get("PROTOCOL", "1")),
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
    return render_template("bitrix24/install.html", lang=_lang(), t=_texts()[_lang()])


# --- events ---------------------------------------------------------------------------------
@bp.post("/events")
def events() -> ResponseReturnValue:
    """Every event: check ``application_token``, acknowledge, queue the work."""
    form = _form()
    event = str(form.get("event", "")).upper()
    auth = form.get("auth") or {}
    c = container()
    if event == "ONAPPINSTALL":
        flows.install(c, _auth_from_event(auth))
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
    portal = flows.event_portal(container(), form.get("auth") or {})
    document = form.get("document_id") or []
    deal = str(document[2]) if len(document) > 2 else ""
    code = str(form.get("code", ""))
    if not deal.startswith("DEAL_") or not form.get("event_token") or code not in _ROBOTS:
        return {"error": "not a rentflow deal robot call"}, 400
    args = (flows.portal_id(portal), code, deal.removeprefix("DEAL_"), str(form["event_token"]))
    dispatch(ROBOT_TASK, args)
    return {"ok": True}


# --- the app page: stage mapping ------------------------------------------------------------
def _frame_portal() -> Portal:
    """The portal of a placement/app-page POST; an admin re-opening the app after the refresh
    token died hands over fresh tokens, which bring the portal back."""
    c = container()
    member_id, auth_id = request.form.get("member_id", ""), request.form.get("AUTH_ID", "")
    known = flows.find_portal(c, member_id)
    if (
        known is not None
        and known.status is PortalStatus.AUTH_LOST
        and request.form.get("REFRESH_ID")
    ):
        endpoint = flows.stored_endpoint(c, known)
        flows.install(c, flows.PortalAuth(
            member_id=member_id, domain=known.domain, client_endpoint=endpoint,
            server_endpoint=str(known.settings.get("server_endpoint", "")),
            access_token=auth_id, refresh_token=request.form["REFRESH_ID"],
            expires_in=int(request.form.get("AUTH_EXPIRES", "3600") or 3600),
        ))  # fmt: skip
    return flows.frame_portal(c, member_id, auth_id)


@bp.post("/app")
def app_page() -> ResponseReturnValue:
    """The app page from the portal's left menu: map stages to lease statuses and back."""
    portal = _frame_portal()
    pid = flows.portal_id(portal)
    return _render_app(pid, flows.sign_frame(container(), pid), saved=False)


def _render_app(portal_id: int, frame: str, *, saved: bool) -> ResponseReturnValue:
    c = container()
    with c.uow() as uow:
        portal = uow.portals.get(portal_id)
    pipelines = c.crm(portal).list_pipelines()
    with c.uow(portal_id) as uow:
        mappings = {p.id: load_mapping(uow, p.id) or default_mapping(p) for p in pipelines}
        last_run = next(iter(uow.runs.recent(1)), None)
    lang = _lang()
    return render_template(
        "bitrix24/app.html", lang=lang, t=_texts()[lang], frame=frame, saved=saved,
        base_url=c.settings.public_base_url,
        pipelines=pipelines, mappings=mappings, statuses=[s.value for s in _STORED],
        events=[e.value for e in LeaseEvent],
        status_labels=STATUS_LABELS_RU if lang == "ru" else {s: s.value for s in LeaseStatus},
        event_labels=EVENT_LABELS_RU if lang == "ru" else EVENT_LABELS_EN,
        billing_modes=[m.value for m in BillingMode],
        billing_mode=portal.settings.get("billing_mode", BillingMode.LEASE_DEAL.value),
        billing_pipeline=portal.settings.get("billing_pipeline", ""), last_run=last_run,
    )  # fmt: skip


_STORED = [s for s in LeaseStatus if s not in {LeaseStatus.ACTIVE, LeaseStatus.EXPIRED}]


@bp.post("/app/mapping", endpoint="save_mapping")
def save_mapping_view() -> ResponseReturnValue:
    """Save the admin's mapping of every pipeline on the page."""
    c = container()
    portal_id, _ = flows.read_frame(c, request.form.get("frame", ""))
    statuses: dict[str, dict[str, LeaseStatus]] = {}
    events: dict[str, dict[LeaseEvent, str]] = {}
    for key, value in request.form.items():
        kind, _, rest = key.partition(":")
        pipeline, _, item = rest.partition(":")
        if kind == "status":
            statuses.setdefault(pipeline, {})
            if value:
                statuses[pipeline][item] = LeaseStatus(value)
        elif kind == "event":
            events.setdefault(pipeline, {})
            if value:
                events[pipeline][LeaseEvent(item)] = value
    with c.uow(portal_id) as uow:
        for pipeline in sorted(set(statuses) | set(events)):
            mapping = StageMapping(pipeline, statuses.get(pipeline, {}), events.get(pipeline, {}))
            save_mapping(uow, c.clock, mapping)
        portal = uow.portals.get(portal_id)
        chosen = {
            "billing_mode": BillingMode(request.form.get("billing_mode", "lease_deal")).value,
            "billing_pipeline": request.form.get("billing_pipeline", ""),
        }
        uow.portals.save(flows.with_settings(portal, chosen), at=c.clock.now())
        uow.commit()
    return _render_app(portal_id, request.form.get("frame", ""), saved=True)


# --- the deal tab ---------------------------------------------------------------------------
@bp.post("/deal-tab")
def deal_tab() -> ResponseReturnValue:
    """CRM_DEAL_DETAIL_TAB: the deal's lease (widgets/crm/detail-tab; PLACEMENT_OPTIONS.ID)."""
    portal = _frame_portal()
    pid = flows.portal_id(portal)
    try:
        deal_id = str(json.loads(request.form.get("PLACEMENT_OPTIONS") or "{}").get("ID", ""))
    except ValueError:
        abort(400)
    frame = flows.sign_frame(container(), pid, deal_id)
    return _render_tab(pid, deal_id, frame, "")


def _render_tab(
    portal_id: int, deal_id: str, frame: str, message: str, *, confirm_future: bool = False
) -> ResponseReturnValue:
    c = container()
    with c.uow(portal_id) as uow:
        panel = deal_panel(uow, c.clock.today(), deal_id, c.link_url)
        landlords = uow.parties.landlords() if panel["lease"] is None else []
        due_default = due_rule_from_settings(uow.portals.get(portal_id).settings)
    lang = _lang()
    return render_template(
        "bitrix24/deal_tab.html", lang=lang, t=_texts()[lang], frame=frame, panel=panel,
        message=message, base_url=c.settings.public_base_url, landlords=landlords,
        vat_choices=VAT_CHOICES, form=request.form, due_default=due_default,
        confirm_future=confirm_future,
        status_labels=STATUS_LABELS_RU if lang == "ru" else {s: s.value for s in LeaseStatus},
    )  # fmt: skip


@bp.post("/deal-tab/action")
def deal_tab_action() -> ResponseReturnValue:
    """The tab's buttons; the frame token says which portal and deal they are for."""
    c = container()
    frame = request.form.get("frame", "")
    portal_id, deal_id = flows.read_frame(c, frame)
    texts = _texts()[_lang()]
    try:
        action = PanelAction(request.form.get("action", ""))
    except ValueError:
        return _render_tab(portal_id, deal_id, frame, texts["not_available"])
    try:
        result = run_panel_action(
            c.billing_ports(), portal_id, deal_id, action, c.clock.today(),
            confirm_future=request.form.get("confirm_future") == "1",
        )  # fmt: skip
    except DomainError as err:
        return _render_tab(portal_id, deal_id, frame, str(err))
    for document_id in result.issued:
        dispatch(DOCUMENT_TASK, (portal_id, document_id))
    message = texts[result.outcome.value]
    asking = result.outcome is PanelOutcome.CONFIRM_FUTURE
    return _render_tab(portal_id, deal_id, frame, message, confirm_future=asking)


@bp.post("/deal-tab/lease")
def create_lease() -> ResponseReturnValue:
    """Create the deal's lease from the tab's short form, linked to the deal."""
    c = container()
    frame = request.form.get("frame", "")
    portal_id, deal_id = flows.read_frame(c, frame)
    with c.uow() as uow:
        portal = uow.portals.get(portal_id)
    deal = c.crm(portal).get_deal(deal_id)
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
        except (DomainError, ValueError) as err:
            return _render_tab(portal_id, deal_id, frame, str(err))
        uow.commit()
    return _render_tab(portal_id, deal_id, frame, _texts()[_lang()]["done"])
