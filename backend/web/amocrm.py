"""amoCRM endpoints: install callback, webhooks, digital pipeline, uninstall hook (the widget's
own API is ``amocrm_widget`` and ``amocrm_settings``).

- Webhooks arrive form-encoded (``leads[status][0][id]``, ``account[id]``;
  https://www.amocrm.ru/developers/content/crm_platform/webhooks-format) and are not signed:
  we accept them only for a known, active account, answer at once and queue the work.
- Digital-pipeline calls are JSON (https://developers.kommo.com/docs/widgets-dp).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from backend.config import Settings
from backend.domain.portal import Portal
from backend.services.portals import lookup_portal
from backend.web.deps import container
from crm_mappings.amocrm import lifecycle
from crm_mappings.port import CrmError, CrmKind

log = logging.getLogger(__name__)
bp = Blueprint("amocrm", __name__, url_prefix="/amocrm")

LEAD_CHANGED_TASK = "jobs.tasks.amocrm_lead_changed"
DP_ACTION_TASK = "jobs.tasks.amocrm_dp_action"
DP_ACTIONS = frozenset({"issue_invoice", "issue_act", "send_documents"})
_LEAD_KEY = re.compile(r"^leads\[(status|add|update)\]\[\d+\]\[id\]$")


def app_settings() -> Settings:
    """The settings ``create_app`` was given."""
    settings: Settings = current_app.config["RENTFLOW_SETTINGS"]
    return settings


def enqueue(name: str, *args: Any) -> None:
    """Send a task by name (web does not import jobs); tests may set RENTFLOW_ENQUEUE."""
    custom: Callable[..., None] | None = current_app.config.get("RENTFLOW_ENQUEUE")
    if custom is not None:
        custom(name, *args)
        return
    container().send_task(name, *args)


def active_account(account_id: str) -> Portal | None:
    """The active portal of an amoCRM account id, or None (unknown, uninstalled)."""
    portal = lookup_portal(container().uow, CrmKind.AMOCRM.value, account_id)
    return portal if portal is not None and portal.active else None


@bp.get("/oauth")
def oauth_callback() -> ResponseReturnValue:
    """The integration's redirect_uri: amoCRM sends ``code`` and ``referer`` on install."""
    code, referer = request.args.get("code", ""), request.args.get("referer", "")
    if not code or not referer:
        return jsonify(error="code and referer are required"), 400
    try:
        portal = lifecycle.install_account(container(), code=code, referer=referer)
    except CrmError as exc:
        log.warning("amoCRM install from %s failed: %s", referer, exc)
        return jsonify(error="installation refused by amoCRM"), 400
    return jsonify(installed=portal.external_id, portal_id=portal.id)


@bp.post("/webhook")
def webhook() -> ResponseReturnValue:
    """Lead add/update/status webhooks: verify the account, queue one task per lead."""
    portal = active_account(request.form.get("account[id]", ""))
    if portal is None:
        return jsonify(error="unknown account"), 401
    lead_ids = sorted({v for k, v in request.form.items() if _LEAD_KEY.match(k)})
    for lead_id in lead_ids:
        enqueue(LEAD_CHANGED_TASK, portal.id, lead_id)
    return jsonify(queued=len(lead_ids))


@bp.post("/dp")
def digital_pipeline() -> ResponseReturnValue:
    """The widget's digital-pipeline action: "when a lead enters X: issue invoice / act / send"."""
    body = request.get_json(silent=True) or {}
    portal = active_account(str(body.get("account_id", "")))
    if portal is None:
        return jsonify(error="unknown account"), 401
    data = body.get("event", {}).get("data", {})
    settings = body.get("action", {}).get("settings", {}).get("widget", {}).get("settings", {})
    action = str(settings.get("action", ""))
    if action not in DP_ACTIONS or not data.get("id"):
        return jsonify(error="unknown action or lead"), 400
    enqueue(DP_ACTION_TASK, portal.id, str(data["id"]), action)
    return jsonify(queued=1)


@bp.get("/disable")
def disable_hook() -> ResponseReturnValue:
    """amoCRM calls this when the integration is disabled in an account (signed GET)."""
    settings = app_settings()
    account_id = request.args.get("account_id", "")
    if not lifecycle.disable_hook_valid(
        client_id=settings.amocrm_client_id,
        secret=settings.amocrm_client_secret,
        client_uuid=request.args.get("client_uuid", ""),
        account_id=account_id,
        signature=request.args.get("signature", ""),
    ):
        return jsonify(error="bad signature"), 401
    lifecycle.uninstall_account(container(), account_id)
    return jsonify(uninstalled=account_id)
