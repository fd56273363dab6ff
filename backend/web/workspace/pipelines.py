"""Pipelines and stages: which deal stage means which lease status, and which stage a lease
event moves the deal to (the portal administrator's mapping, for every pipeline of the CRM)."""

from __future__ import annotations

from dataclasses import replace

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from backend.domain.lease import LeaseStatus
from backend.services.crm_sync import load_mapping, save_mapping
from backend.web.deps import container
from backend.web.workspace import bp
from backend.web.workspace.pages import render_page
from backend.web.workspace.viewer import Viewer, current_viewer
from crm_mappings.mapping import BillingMode, LeaseEvent, StageMapping, default_mapping

EVENT_LABELS = {
    LeaseEvent.INVOICE_ISSUED: lazy_gettext("Invoice issued"),
    LeaseEvent.INVOICE_SENT: lazy_gettext("Invoice sent"),
    LeaseEvent.PAID: lazy_gettext("Paid in full"),
    LeaseEvent.OVERDUE: lazy_gettext("Overdue"),
    LeaseEvent.ACT_SENT: lazy_gettext("Act sent"),
    LeaseEvent.ACT_SIGNED: lazy_gettext("Act signed"),
}
# active and expired follow from the dates, never from a stage
_STORED = [s for s in LeaseStatus if s not in {LeaseStatus.ACTIVE, LeaseStatus.EXPIRED}]


@bp.get("/pipelines", endpoint="pipelines")
def pipelines_view() -> ResponseReturnValue:
    """The stage mapping of every pipeline (administrators only)."""
    return _render(current_viewer(container(), admin=True), saved=False)


def _render(viewer: Viewer, *, saved: bool) -> ResponseReturnValue:
    c = container()
    with c.uow() as uow:
        portal = uow.portals.get(viewer.portal_id)
    pipelines = c.crm(portal).list_pipelines()
    with c.uow(viewer.portal_id) as uow:
        mappings = {p.id: load_mapping(uow, p.id) or default_mapping(p) for p in pipelines}
    return render_page(
        "workspace/pipelines.html", viewer, section="pipelines", saved=saved,
        pipelines=pipelines, mappings=mappings, statuses=[s.value for s in _STORED],
        events=[e.value for e in LeaseEvent], event_labels=EVENT_LABELS,
        billing_modes=[m.value for m in BillingMode],
        billing_mode=portal.settings.get("billing_mode", BillingMode.LEASE_DEAL.value),
        billing_pipeline=portal.settings.get("billing_pipeline", ""),
    )  # fmt: skip


def _read_mapping() -> tuple[dict[str, dict[str, LeaseStatus]], dict[str, dict[LeaseEvent, str]]]:
    """The form's ``status:<pipeline>:<stage>`` and ``event:<pipeline>:<event>`` choices;
    unknown statuses or events are ignored rather than stored."""
    statuses: dict[str, dict[str, LeaseStatus]] = {}
    events: dict[str, dict[LeaseEvent, str]] = {}
    for key, value in request.form.items():
        kind, _, rest = key.partition(":")
        pipeline, _, item = rest.partition(":")
        if kind == "status":
            chosen = statuses.setdefault(pipeline, {})
            if value in {s.value for s in _STORED}:
                chosen[item] = LeaseStatus(value)
        elif kind == "event":
            moves = events.setdefault(pipeline, {})
            if value and item in {e.value for e in LeaseEvent}:
                moves[LeaseEvent(item)] = value
    return statuses, events


@bp.post("/pipelines", endpoint="save_mapping")
def save_mapping_view() -> ResponseReturnValue:
    """Save the administrator's mapping of every pipeline on the page."""
    c = container()
    viewer = current_viewer(c, admin=True)
    statuses, events = _read_mapping()
    try:
        mode = BillingMode(request.form.get("billing_mode", BillingMode.LEASE_DEAL.value))
    except ValueError:
        mode = BillingMode.LEASE_DEAL
    with c.uow(viewer.portal_id) as uow:
        for pipeline in sorted(set(statuses) | set(events)):
            mapping = StageMapping(pipeline, statuses.get(pipeline, {}), events.get(pipeline, {}))
            save_mapping(uow, c.clock, mapping)
        portal = uow.portals.get(viewer.portal_id)
        chosen = {
            "billing_mode": mode.value,
            "billing_pipeline": request.form.get("billing_pipeline", "")[:64],
        }
        uow.portals.save(replace(portal, settings={**portal.settings, **chosen}), at=c.clock.now())
        uow.commit()
    return _render(viewer, saved=True)
