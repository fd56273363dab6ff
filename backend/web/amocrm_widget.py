"""The amoCRM widget's API. The widget itself shows the workspace in a frame and asks only for
its address (``amocrm_workspace``) and, in the digital pipeline's settings, the account's action
token; the JSON calls of a lead (its lease, tenant, a lease from JSON, the buttons) and the
stage mapping stay for scripts and older widgets. The account's settings (mapping, action
token) answer only its administrators (``admin_portal``).

Every call carries amoCRM's disposable token in ``X-Auth-Token``
(https://www.amocrm.com/developers/content/oauth/one-time-tokens-for-integrations/): a JWT
signed with the integration's secret; signature, audience, lifetime, the account and a
``jti`` not yet spent (in the database, so in every process) are checked before anything
else. Outside the sandbox a token signed with the sandbox's public default secret is refused
even if the server was started with it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from flask.typing import ResponseReturnValue

from backend.config import Settings
from backend.db.nonces import NonceStore
from backend.domain.errors import DomainError, InvalidLease, stored_id
from backend.domain.lease import LeaseStatus
from backend.domain.portal import Portal
from backend.services.crm_sync import load_mapping, save_mapping
from backend.services.deal_actions import PanelAction, run_panel_action
from backend.services.deal_lease import DealHasLease, create_lease_for_deal
from backend.services.deal_panel import deal_panel
from backend.web.amocrm import active_account, app_settings
from backend.web.deps import container
from crm_mappings.amocrm.adapter import AmoCrm, AmoUser, redirect_uri
from crm_mappings.amocrm.disposable_token import (
    SANDBOX_SECRET,
    InvalidWidgetToken,
    WidgetCaller,
    audience_for,
    verify_widget_token,
)
from crm_mappings.amocrm.signing import account_secret
from crm_mappings.mapping import LeaseEvent, StageMapping, default_mapping
from crm_mappings.port import CrmError, CrmNotFound

log = logging.getLogger(__name__)
bp = Blueprint("amocrm_widget", __name__, url_prefix="/amocrm/widget")

_AMO_ORIGIN = re.compile(r"^https://[\w-]+\.(amocrm\.ru|amocrm\.com|kommo\.com)$")


def _refused(error: str) -> Response:
    return Response(f'{{"error": "{error}"}}', 401, mimetype="application/json")


def widget_secret(settings: Settings) -> str:
    """The key widget tokens are checked with; refused (401) outside the sandbox when it is
    empty, short or the sandbox's public default (defence in depth: ``serve`` already
    refuses to start so)."""
    secret = settings.amocrm_client_secret
    if not settings.sandbox and (len(secret) < 32 or secret == SANDBOX_SECRET):
        log.error("AMOCRM_CLIENT_SECRET is unset or the sandbox default: widget calls refused")
        abort(_refused("integration secret not configured"))
    return secret


def widget_caller() -> tuple[Portal, WidgetCaller]:
    """The portal and the user of the widget call's disposable token; 401 when anything is
    off, the token's ``jti`` spent by this call."""
    settings = app_settings()
    audience = audience_for(redirect_uri(settings.amocrm_redirect_uri, settings.public_base_url))
    c = container()
    now = c.clock.now()
    try:
        caller = verify_widget_token(
            request.headers.get("X-Auth-Token", ""),
            secret=widget_secret(settings),
            audience=audience,
            now=now,
        )
    except InvalidWidgetToken as exc:
        log.info("amoCRM widget call refused: %s", exc)
        abort(_refused("invalid token"))
    spent = f"{caller.account_id}:{caller.token_id}"
    if not NonceStore(c.uow.session_factory).claim(
        "amocrm_jti", spent, expires_at=caller.expires_at, now=now
    ):
        log.info("amoCRM widget call refused: token %s already used", caller.token_id)
        abort(_refused("token already used"))
    portal = active_account(caller.account_id)
    if portal is None:
        abort(_refused("unknown account"))
    return portal, caller


def caller_portal() -> Portal:
    """The portal of the widget call's disposable token (``widget_caller``)."""
    return widget_caller()[0]


def caller_user() -> tuple[Portal, AmoUser]:
    """The portal and the amoCRM user of the widget call, as amoCRM describes them (GET
    /api/v4/users/{id}: name, language, ``rights.is_admin``): the token's word is taken for
    the user's id only. 401 for a user amoCRM does not know or who is deactivated, 502 when
    amoCRM does not answer."""
    portal, caller = widget_caller()
    crm = container().crm(portal)
    if not isinstance(crm, AmoCrm):
        abort(_refused("not an amoCRM account"))
    try:
        user = crm.account_user(caller.user_id)
    except CrmNotFound:
        abort(_refused("unknown user"))
    except CrmError as exc:
        log.warning("amoCRM users API failed for portal %s: %s", portal.id, exc)
        abort(Response('{"error": "amoCRM did not answer, try again"}', 502,
                       mimetype="application/json"))  # fmt: skip
    if not user.is_active:
        abort(_refused("unknown user"))
    return portal, user


def admin_portal() -> Portal:
    """The portal of a widget call made by one of the account's administrators; 403 for
    anyone else: the account's settings are theirs, as amoCRM keeps its settings to them."""
    portal, user = caller_user()
    if not user.is_admin:
        abort(Response('{"error": "settings are for account administrators"}', 403,
                       mimetype="application/json"))  # fmt: skip
    return portal


def allow_amocrm_origin(answer: Response) -> Response:
    """CORS for the widget's calls from the account's pages (any origin in the sandbox)."""
    origin = request.headers.get("Origin", "")
    if _AMO_ORIGIN.fullmatch(origin) or app_settings().sandbox:
        answer.headers["Access-Control-Allow-Origin"] = origin or "*"
        answer.headers["Access-Control-Allow-Headers"] = "X-Auth-Token, Content-Type"
        answer.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    return answer


bp.after_request(allow_amocrm_origin)


@bp.route("/<path:_any>", methods=["OPTIONS"])
def widget_preflight(_any: str) -> ResponseReturnValue:
    return Response(status=204)


@bp.get("/lead/<lead_id>")
def widget_lead(lead_id: str) -> ResponseReturnValue:
    """The lead-card panel's data: lease, documents with links, debt."""
    portal = caller_portal()
    c = container()
    with c.uow(portal.id) as uow:
        panel = deal_panel(uow, c.clock.today(), lead_id, c.link_url)
    return jsonify(panel)


@bp.get("/lead/<lead_id>/tenant")
def widget_tenant(lead_id: str) -> ResponseReturnValue:
    """The lead's tenant as amoCRM knows it (company, contacts), in the lease JSON's shape:
    the panel starts a new lease from it."""
    portal = caller_portal()
    crm = container().crm(portal)
    if not isinstance(crm, AmoCrm):
        return jsonify(error="not an amoCRM account"), 400
    try:
        tenant = crm.tenant(lead_id)
    except CrmNotFound:
        return jsonify(error=f"lead {lead_id} not found"), 404
    return jsonify(tenant=tenant.as_lease_json())


@bp.post("/lead/<lead_id>/lease")
def widget_create_lease(lead_id: str) -> ResponseReturnValue:
    """The panel's "create lease" action: lease JSON in, a lease linked to the lead out."""
    portal = caller_portal()
    c = container()
    try:
        lease_id = create_lease_for_deal(
            c.uow(portal.id), c.clock, c.crm(portal), lead_id, request.get_json(silent=True)
        )
    except InvalidLease as exc:
        return jsonify(error=str(exc), field=exc.field), 400
    except DealHasLease as exc:
        return jsonify(error=str(exc)), 409
    except CrmNotFound:
        return jsonify(error=f"lead {lead_id} not found"), 404
    return jsonify(lease_id=lease_id), 201


@bp.post("/lead/<lead_id>/action")
def widget_action(lead_id: str) -> ResponseReturnValue:
    """The panel's buttons (``{"action": "issue_next_invoice" | "issue_act" |
    "resend_documents" | "mark_original_received"}``); issued documents are then written to
    the lead by the push task, as after the billing run."""
    portal_id = stored_id(caller_portal().id, "portal")
    body = request.get_json(silent=True) or {}
    try:
        action = PanelAction(str(body.get("action", "")))
    except ValueError:
        return jsonify(error="unknown action"), 400
    c = container()
    try:
        result = run_panel_action(
            c.billing_ports(), portal_id, lead_id, action, c.clock.today(),
            confirm_future=body.get("confirm_future") is True,
        )  # fmt: skip
    except DomainError as exc:
        return jsonify(error=str(exc)), 422
    for document_id in result.issued:
        container().tasks.document_issued(portal_id, document_id)
    future = result.future
    if future is not None:  # ask the manager, then send again with "confirm_future": true
        period = [future.period.start.isoformat(), future.period.end.isoformat()]
        return jsonify(outcome=str(result.outcome), issued=[], period=period,
                       planned_on=future.issue_on.isoformat())  # fmt: skip
    return jsonify(outcome=str(result.outcome), issued=list(result.issued))


@bp.get("/dp-token")
def widget_dp_token() -> ResponseReturnValue:
    """The account's digital-pipeline secret, which ``dpSettings`` writes into the action's
    hidden ``token`` setting (amoCRM sends the settings back with every call)."""
    portal = admin_portal()
    return jsonify(token=account_secret(app_settings().secret_key, portal.external_id, "dp"))


@bp.get("/mapping")
def widget_mapping() -> ResponseReturnValue:
    """Pipelines with their statuses and the saved (or suggested) mapping of each."""
    portal = admin_portal()
    c = container()
    pipelines = c.crm(portal).list_pipelines()
    out = []
    with c.uow(portal.id) as uow:
        for pipeline in pipelines:
            mapping = load_mapping(uow, pipeline.id)
            out.append(
                {
                    "id": pipeline.id,
                    "name": pipeline.name,
                    "statuses": [{"id": s.id, "name": s.name} for s in pipeline.stages],
                    "saved": mapping is not None,
                    **_mapping_json(mapping or default_mapping(pipeline)),
                }
            )
    return jsonify(pipelines=out, lease_statuses=[str(s) for s in LeaseStatus],
                   lease_events=[str(e) for e in LeaseEvent])  # fmt: skip


@bp.post("/mapping")
def widget_save_mapping() -> ResponseReturnValue:
    """Save one pipeline's mapping from the advanced settings page."""
    portal = admin_portal()
    body = request.get_json(silent=True) or {}
    try:
        mapping = StageMapping(
            str(body["pipeline_id"]),
            {str(k): LeaseStatus(v) for k, v in dict(body.get("statuses", {})).items()},
            {LeaseEvent(k): str(v) for k, v in dict(body.get("events", {})).items()},
        )
    except (KeyError, ValueError, TypeError) as exc:
        return jsonify(error=f"bad mapping: {exc}"), 400
    c = container()
    with c.uow(portal.id) as uow:
        save_mapping(uow, c.clock, mapping)
        uow.commit()
    return jsonify(saved=mapping.pipeline_id)


def _mapping_json(mapping: StageMapping) -> dict[str, Any]:
    return {
        "mapping": {k: str(v) for k, v in mapping.statuses.items()},
        "events": {str(k): v for k, v in mapping.events.items()},
    }
