"""The Bitrix24 deal tab (CRM_DEAL_DETAIL_TAB): the deal's lease at a glance, its buttons, and
the way into the workspace: "Open the lease card", or, for a deal without a lease, the lease
form (``/workspace/leases/new?deal=``, the same form and service as the workspace's), opened in
the tab's frame with a workspace token signed for the person the portal has just confirmed."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from backend.domain.errors import DomainError
from backend.services.deal_actions import PanelAction, PanelOutcome, run_panel_action
from backend.services.deal_panel import deal_panel
from backend.services.landlords import list_landlords
from backend.web import bitrix24_portal_auth as portal_auth
from backend.web.bitrix24 import bp, request_portal
from backend.web.bitrix24_app import bitrix24_viewer
from backend.web.deps import container
from backend.web.i18n import select_lang
from backend.web.workspace.pages import workspace_url
from backend.web.workspace.viewer import NoViewer, read_viewer, sign_viewer

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


@bp.post("/deal-tab")
def deal_tab() -> ResponseReturnValue:
    """CRM_DEAL_DETAIL_TAB: the deal's lease (widgets/crm/detail-tab; PLACEMENT_OPTIONS.ID).
    The portal confirmed the person (AUTH_ID): their workspace token goes into the links."""
    portal = request_portal()
    pid = portal_auth.portal_id(portal)
    try:
        deal_id = str(json.loads(request.form.get("PLACEMENT_OPTIONS") or "{}").get("ID", ""))
    except ValueError:
        abort(400)
    if not deal_id.isdigit():
        abort(400)
    viewer = bitrix24_viewer(request.form.get("member_id", ""), request.form.get("AUTH_ID", ""))
    frame = portal_auth.sign_frame(container(), pid, portal_auth.TAB_FRAME, deal_id)
    return _render_tab(pid, deal_id, frame, "", sign_viewer(container(), viewer))


def _workspace_link(token: str, endpoint: str, **values: Any) -> str:
    """A workspace page for the tab's person (``token``, read back for their language),
    at rentflow's public address, as the tab's own forms post."""
    viewer = read_viewer(container(), token)
    base = container().settings.public_base_url
    return workspace_url(viewer, endpoint, token=token, base=base, **values)


def _render_tab(
    portal_id: int, deal_id: str, frame: str, message: str, token: str,
    *, confirm_future: bool = False,
) -> ResponseReturnValue:  # fmt: skip
    c = container()
    with c.uow(portal_id) as uow:
        panel = deal_panel(uow, c.clock.today(), deal_id, c.link_url)
        landlords = list_landlords(uow) if panel["lease"] is None else []
    links: dict[str, str] = {}
    if token and panel["lease"] is not None:
        links["card"] = _workspace_link(
            token, "workspace.lease_card", lease_id=panel["lease"]["id"]
        )
    elif token:
        links["new"] = _workspace_link(token, "workspace.new_lease", deal=deal_id)
    return render_template(
        "bitrix24/deal_tab.html", lang=select_lang(), frame=frame, panel=panel, token=token,
        message=message, landlords=landlords, links=links, confirm_future=confirm_future,
    )  # fmt: skip


def _tab_token(portal_id: int) -> str:
    """The workspace token the tab's form carried back, if it is this portal's viewer's."""
    token = request.form.get("t", "")
    try:
        viewer = read_viewer(container(), token)
    except NoViewer:
        return ""
    return token if viewer.portal_id == portal_id else ""


@bp.post("/deal-tab/action")
def deal_tab_action() -> ResponseReturnValue:
    """The tab's buttons; the frame token says which portal and deal they are for."""
    c = container()
    frame = request.form.get("frame", "")
    portal_id, deal_id = portal_auth.read_frame(c, frame, portal_auth.TAB_FRAME)
    token = _tab_token(portal_id)
    try:
        action = PanelAction(request.form.get("action", ""))
    except ValueError:
        return _render_tab(portal_id, deal_id, frame, gettext("Unknown action."), token)
    try:
        result = run_panel_action(
            c.billing_ports(), portal_id, deal_id, action, c.clock.today(),
            confirm_future=request.form.get("confirm_future") == "1",
        )  # fmt: skip
    except DomainError as err:
        return _render_tab(portal_id, deal_id, frame, str(err), token)
    for document_id in result.issued:
        c.tasks.document_issued(portal_id, document_id)
    asking = result.outcome is PanelOutcome.CONFIRM_FUTURE
    return _render_tab(
        portal_id, deal_id, frame, str(OUTCOMES[result.outcome]), token, confirm_future=asking
    )
