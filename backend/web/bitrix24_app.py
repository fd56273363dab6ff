"""The Bitrix24 app page (placement DEFAULT, the portal's left menu): sections for portal
administrators, each reached with the app-page frame token it signed: Landlords
(``bitrix24_landlords``) and Pipelines and stages (the stage mapping)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from backend.domain.lease import LeaseStatus
from backend.services.crm_sync import load_mapping, save_mapping
from backend.services.landlords import list_landlords
from backend.web import bitrix24_flows as flows
from backend.web.bitrix24 import bp, request_portal
from backend.web.deps import container
from backend.web.i18n import select_lang
from crm_mappings.mapping import BillingMode, LeaseEvent, StageMapping, default_mapping

EVENT_LABELS = {
    LeaseEvent.INVOICE_ISSUED: lazy_gettext("Invoice issued"),
    LeaseEvent.INVOICE_SENT: lazy_gettext("Invoice sent"),
    LeaseEvent.PAID: lazy_gettext("Paid in full"), LeaseEvent.OVERDUE: lazy_gettext("Overdue"),
    LeaseEvent.ACT_SENT: lazy_gettext("Act sent"),
    LeaseEvent.ACT_SIGNED: lazy_gettext("Act signed"),
}  # fmt: skip


@bp.post("/app")
def app_page() -> ResponseReturnValue:
    """The app page from the portal's left menu (portal administrators only): it opens on
    the landlords, the first thing a new portal needs; the stage mapping is a section."""
    portal = request_portal(admin=True)
    pid = flows.portal_id(portal)
    return render_landlords(pid, flows.sign_frame(container(), pid, flows.APP_FRAME))


def render_section(
    template: str, portal_id: int, frame: str, section: str, status: int = 200, **context: Any
) -> ResponseReturnValue:
    """A section of the app page inside its frame: the sections' tabs and the last run."""
    c = container()
    with c.uow(portal_id) as uow:
        last_run = next(iter(uow.runs.recent(1)), None)
    page = render_template(
        template, lang=select_lang(), frame=frame, section=section, last_run=last_run, **context
    )
    return page, status


def render_landlords(portal_id: int, frame: str, message: str = "") -> ResponseReturnValue:
    """The landlords section: the portal's landlords by name, INN and bank."""
    c = container()
    with c.uow(portal_id) as uow:
        landlords = list_landlords(uow)
    return render_section(
        "bitrix24/landlords.html", portal_id, frame, "landlords",
        landlords=landlords, message=message, year=c.clock.today().year,
    )  # fmt: skip


@bp.post("/app/landlords", endpoint="landlords")
def landlords_view() -> ResponseReturnValue:
    """The landlords section, reached from the app page's tabs (an app-page frame only)."""
    portal_id, _ = flows.read_frame(container(), request.form.get("frame", ""), flows.APP_FRAME)
    return render_landlords(portal_id, request.form.get("frame", ""))


@bp.post("/app/pipelines", endpoint="pipelines")
def pipelines_view() -> ResponseReturnValue:
    """The stage mapping section (an app-page frame only)."""
    portal_id, _ = flows.read_frame(container(), request.form.get("frame", ""), flows.APP_FRAME)
    return _render_app(portal_id, request.form.get("frame", ""), saved=False)


def _render_app(portal_id: int, frame: str, *, saved: bool) -> ResponseReturnValue:
    c = container()
    with c.uow() as uow:
        portal = uow.portals.get(portal_id)
    pipelines = c.crm(portal).list_pipelines()
    with c.uow(portal_id) as uow:
        mappings = {p.id: load_mapping(uow, p.id) or default_mapping(p) for p in pipelines}
    return render_section(
        "bitrix24/app.html", portal_id, frame, "pipelines", saved=saved,
        pipelines=pipelines, mappings=mappings, statuses=[s.value for s in _STORED],
        events=[e.value for e in LeaseEvent], event_labels=EVENT_LABELS,
        billing_modes=[m.value for m in BillingMode],
        billing_mode=portal.settings.get("billing_mode", BillingMode.LEASE_DEAL.value),
        billing_pipeline=portal.settings.get("billing_pipeline", ""),
    )  # fmt: skip


_STORED = [s for s in LeaseStatus if s not in {LeaseStatus.ACTIVE, LeaseStatus.EXPIRED}]


@bp.post("/app/mapping", endpoint="save_mapping")
def save_mapping_view() -> ResponseReturnValue:
    """Save the admin's mapping of every pipeline on the page (an app-page frame only)."""
    c = container()
    portal_id, _ = flows.read_frame(c, request.form.get("frame", ""), flows.APP_FRAME)
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
