"""amoCRM endpoints: install callback, webhooks, digital pipeline, uninstall hook, widget API.

- Webhooks arrive form-encoded (``leads[status][0][id]``, ``account[id]``;
  https://www.amocrm.ru/developers/content/crm_platform/webhooks-format) and are not signed:
  we accept them only for a known, active account, answer at once and queue the work.
- Digital-pipeline calls are JSON (https://developers.kommo.com/docs/widgets-dp).
- Widget calls carry the disposable token in ``X-Auth-Token``
  (https://www.amocrm.com/developers/content/oauth/one-time-tokens-for-integrations/).
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from backend.bootstrap import Container
from backend.config import Settings
from backend.domain.errors import InvalidLease
from backend.domain.lease import LeaseStatus
from backend.domain.portal import Portal
from backend.services.crm_sync import load_mapping, save_mapping
from backend.services.deal_lease import DealHasLease, create_lease_for_deal
from backend.services.deal_panel import deal_panel
from crm_mappings.amocrm import lifecycle
from crm_mappings.amocrm.adapter import redirect_uri
from crm_mappings.amocrm.disposable_token import (
    InvalidWidgetToken,
    audience_for,
    verify_widget_token,
)
from crm_mappings.mapping import LeaseEvent, StageMapping, default_mapping
from crm_mappings.port import CrmError, CrmKind, CrmNotFound

log = logging.getLogger(__name__)
bp = Blueprint("amocrm", __name__, url_prefix="/amocrm")

LEAD_CHANGED_TASK = "jobs.tasks.amocrm_lead_changed"
DP_ACTION_TASK = "jobs.tasks.amocrm_dp_action"
DP_ACTIONS = frozenset({"issue_invoice", "issue_act", "send_documents"})
_LEAD_KEY = re.compile(r"^leads\[(status|add|update)\]\[\d+\]\[id\]$")
_AMO_ORIGIN = re.compile(r"^https://[\w-]+\.(amocrm\.ru|amocrm\.com|kommo\.com)$")


def _settings() -> Settings:
    settings: Settings = current_app.config["RENTFLOW_SETTINGS"]
    return settings


def _container() -> Container:
    """The container ``create_app`` built (or was given)."""
    found = current_app.extensions["rentflow"]
    assert isinstance(found, Container)
    return found


def _enqueue(name: str, *args: Any) -> None:
    """Send a task by name (web does not import jobs); tests may set RENTFLOW_ENQUEUE."""
    custom: Callable[..., None] | None = current_app.config.get("RENTFLOW_ENQUEUE")
    if custom is not None:
        custom(name, *args)
        return
    producer = current_app.extensions.get("rentflow_celery")
    if producer is None:
        from celery import Celery

        producer = Celery("rentflow", broker=_settings().celery_broker_url)
        current_app.extensions["rentflow_celery"] = producer
    producer.send_task(name, args=args)


def _active_account(account_id: str) -> Portal | None:
    with _container().uow() as uow:
        portal = uow.portals.find(CrmKind.AMOCRM.value, account_id)
    return portal if portal is not None and portal.active else None


@bp.get("/oauth")
def oauth_callback() -> ResponseReturnValue:
    """The integration's redirect_uri: amoCRM sends ``code`` and ``referer`` on install."""
    code, referer = request.args.get("code", ""), request.args.get("referer", "")
    if not code or not referer:
        return jsonify(error="code and referer are required"), 400
    try:
        portal = lifecycle.install_account(_container(), code=code, referer=referer)
    except CrmError as exc:
        log.warning("amoCRM install from %s failed: %s", referer, exc)
        return jsonify(error="installation refused by amoCRM"), 400
    return jsonify(installed=portal.external_id, portal_id=portal.id)


@bp.post("/webhook")
def webhook() -> ResponseReturnValue:
    """Lead add/update/status webhooks: verify the account, queue one task per lead."""
    portal = _active_account(request.form.get("account[id]", ""))
    if portal is None:
        return jsonify(error="unknown account"), 401
    lead_ids = sorted({v for k, v in request.form.items() if _LEAD_KEY.match(k)})
    for lead_id in lead_ids:
        _enqueue(LEAD_CHANGED_TASK, portal.id, lead_id)
    return jsonify(queued=len(lead_ids))


@bp.post("/dp")
def digital_pipeline() -> ResponseReturnValue:
    """The widget's digital-pipeline action: "when a lead enters X: issue invoice / act / send"."""
    body = request.get_json(silent=True) or {}
    portal = _active_account(str(body.get("account_id", "")))
    if portal is None:
        return jsonify(error="unknown account"), 401
    data = body.get("event", {}).get("data", {})
    settings = body.get("action", {}).get("settings", {}).get("widget", {}).get("settings", {})
    action = str(settings.get("action", ""))
    if action not in DP_ACTIONS or not data.get("id"):
        return jsonify(error="unknown action or lead"), 400
    _enqueue(DP_ACTION_TASK, portal.id, str(data["id"]), action)
    return jsonify(queued=1)


@bp.get("/disable")
def disable_hook() -> ResponseReturnValue:
    """amoCRM calls this when the integration is disabled in an account."""
    account_id = request.args.get("account_id", "")
    client_uuid = request.args.get("client_uuid", "")
    expected = lifecycle.disable_signature(
        client_uuid, account_id, _settings().amocrm_client_secret
    )
    if not hmac.compare_digest(expected, request.args.get("signature", "")):
        return jsonify(error="bad signature"), 401
    lifecycle.uninstall_account(_container(), account_id)
    return jsonify(uninstalled=account_id)


def _caller_portal() -> Portal:
    """The portal of the widget call's disposable token; 401 when anything is off."""
    settings = _settings()
    audience = audience_for(redirect_uri(settings.amocrm_redirect_uri, settings.public_base_url))
    try:
        caller = verify_widget_token(
            request.headers.get("X-Auth-Token", ""),
            secret=settings.amocrm_client_secret,
            audience=audience,
            now=_container().clock.now(),
        )
    except InvalidWidgetToken as exc:
        log.info("amoCRM widget call refused: %s", exc)
        abort(Response('{"error": "invalid token"}', 401, mimetype="application/json"))
    portal = _active_account(caller.account_id)
    if portal is None:
        abort(Response('{"error": "unknown account"}', 401, mimetype="application/json"))
    return portal


@bp.after_request
def _cors(answer: Response) -> Response:
    origin = request.headers.get("Origin", "")
    if request.path.startswith("/amocrm/widget/") and (
        _AMO_ORIGIN.match(origin) or _settings().sandbox
    ):
        answer.headers["Access-Control-Allow-Origin"] = origin or "*"
        answer.headers["Access-Control-Allow-Headers"] = "X-Auth-Token, Content-Type"
        answer.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    return answer


@bp.route("/widget/<path:_any>", methods=["OPTIONS"])
def widget_preflight(_any: str) -> ResponseReturnValue:
    return Response(status=204)


@bp.get("/widget/lead/<lead_id>")
def widget_lead(lead_id: str) -> ResponseReturnValue:
    """The lead-card panel's data: lease, documents with links, debt."""
    portal = _caller_portal()
    container = _container()
    with container.uow(portal.id) as uow:
        panel = deal_panel(uow, container.clock.today(), lead_id, container.link_url)
    return jsonify(panel)


@bp.post("/widget/lead/<lead_id>/lease")
def widget_create_lease(lead_id: str) -> ResponseReturnValue:
    """The panel's "create lease" action: lease JSON in, a lease linked to the lead out."""
    portal = _caller_portal()
    container = _container()
    try:
        lease_id = create_lease_for_deal(
            container.uow(portal.id),
            container.clock,
            container.crm(portal),
            lead_id,
            request.get_json(silent=True),
        )
    except InvalidLease as exc:
        return jsonify(error=str(exc), field=exc.field), 400
    except DealHasLease as exc:
        return jsonify(error=str(exc)), 409
    except CrmNotFound:
        return jsonify(error=f"lead {lead_id} not found"), 404
    return jsonify(lease_id=lease_id), 201


@bp.get("/widget/mapping")
def widget_mapping() -> ResponseReturnValue:
    """Pipelines with their statuses and the saved (or suggested) mapping of each."""
    portal = _caller_portal()
    container = _container()
    pipelines = container.crm(portal).list_pipelines()
    out = []
    with container.uow(portal.id) as uow:
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


@bp.post("/widget/mapping")
def widget_save_mapping() -> ResponseReturnValue:
    """Save one pipeline's mapping from the advanced settings page."""
    portal = _caller_portal()
    body = request.get_json(silent=True) or {}
    try:
        mapping = StageMapping(
            str(body["pipeline_id"]),
            {str(k): LeaseStatus(v) for k, v in dict(body.get("statuses", {})).items()},
            {LeaseEvent(k): str(v) for k, v in dict(body.get("events", {})).items()},
        )
    except (KeyError, ValueError, TypeError) as exc:
        return jsonify(error=f"bad mapping: {exc}"), 400
    container = _container()
    with container.uow(portal.id) as uow:
        save_mapping(uow, container.clock, mapping)
        uow.commit()
    return jsonify(saved=mapping.pipeline_id)


def _mapping_json(mapping: StageMapping) -> dict[str, Any]:
    return {
        "mapping": {k: str(v) for k, v in mapping.statuses.items()},
        "events": {str(k): v for k, v in mapping.events.items()},
    }
