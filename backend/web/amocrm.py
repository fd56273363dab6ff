"""amoCRM endpoints: install, install callback, webhooks, digital pipeline, uninstall hook (the
widget's own API is ``amocrm_widget`` and ``amocrm_workspace``). Who may call each door:

- ``/amocrm/install`` sends the admin to amoCRM's authorization page with a signed ``state``;
  ``/amocrm/oauth`` (the redirect_uri) then needs that ``state``, unspent and under 20
  minutes old, or amoCRM's widget-install marker ``from_widget``, and a ``referer`` on an
  allowed account host: nothing is sent anywhere before both hold
  (``crm_mappings.amocrm.lifecycle``, ``.hosts``, ``.signing``).
- Webhooks arrive form-encoded (``leads[status][0][id]``, ``task[update][0][id]``,
  ``account[id]``; https://www.amocrm.ru/developers/content/crm_platform/webhooks-format)
  and are not
  signed: rentflow registers them itself at ``/amocrm/webhook/<account>/<secret>``; any
  other address, a wrong secret, another account in the form or more than
  ``MAX_WEBHOOK_LEADS`` leads and tasks are refused and queue nothing. A task is only an id
  to read back through the API (a tenant request's task closed): nothing in the form is
  taken for its state.
- Digital-pipeline calls are JSON (https://developers.kommo.com/docs/widgets-dp) and not
  signed either; their ``webhook_url`` is one address for every account (manifest.json), so
  the account's secret rides in the action's own settings (``token``, filled in by the
  widget's ``dpSettings``), which amoCRM sends back in ``action.settings.widget.settings``.
- The disable hook is signed with the client secret (``lifecycle.disable_hook_valid``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from backend.config import Settings
from backend.domain.errors import stored_id
from backend.domain.portal import Portal
from backend.services import installation
from backend.services.portals import lookup_portal
from backend.web.deps import container
from crm_mappings.amocrm import lifecycle
from crm_mappings.amocrm.hosts import UntrustedHost
from crm_mappings.amocrm.signing import InvalidState, account_secret_ok
from crm_mappings.port import CrmError, CrmKind

log = logging.getLogger(__name__)
bp = Blueprint("amocrm", __name__, url_prefix="/amocrm")

DP_ACTIONS = frozenset({"issue_invoice", "issue_act", "send_documents"})
_LEAD_KEY = re.compile(r"^leads\[(status|add|update)\]\[\d+\]\[id\]$")
_TASK_KEY = re.compile(r"^task\[update\]\[\d+\]\[id\]$")
MAX_WEBHOOK_LEADS = 100  # one hook naming more leads is refused whole (413), queues nothing


def app_settings() -> Settings:
    """The settings ``create_app`` was given."""
    settings: Settings = current_app.config["RENTFLOW_SETTINGS"]
    return settings


def active_account(account_id: str) -> Portal | None:
    """The active portal of an amoCRM account id, or None (unknown, uninstalled)."""
    portal = lookup_portal(container().uow, CrmKind.AMOCRM.value, account_id)
    return portal if portal is not None and portal.active else None


@bp.get("/install")
def install_start() -> ResponseReturnValue:
    """The documented way in: amoCRM's authorization page, with our ``state``."""
    return redirect(container().amocrm_accounts().authorize_url())


@bp.get("/oauth")
def oauth_callback() -> ResponseReturnValue:
    """The integration's redirect_uri: amoCRM sends ``code``, ``referer`` and ``state`` (or
    ``from_widget`` when the widget's install sent the code)."""
    code, referer = request.args.get("code", ""), request.args.get("referer", "")
    if not code or not referer:
        return jsonify(error="code and referer are required"), 400
    try:
        connection = (
            container()
            .amocrm_accounts()
            .connect(
                code=code,
                referer=referer,
                state=request.args.get("state", ""),
                from_widget="from_widget" in request.args,
            )
        )
        portal = installation.install(container().install_ports(), connection)
    except InvalidState as exc:
        log.warning("amoCRM install refused: %s", exc)
        return jsonify(error="invalid state: start at /amocrm/install"), 403
    except UntrustedHost as exc:
        log.warning("amoCRM install refused: %s", exc)
        return jsonify(error="referer is not an amoCRM account"), 400
    except CrmError as exc:
        log.warning("amoCRM install from %s failed: %s", referer[:80], exc)
        return jsonify(error="installation refused by amoCRM"), 400
    return jsonify(installed=portal.external_id, portal_id=portal.id)


@bp.post("/webhook")
def unsigned_webhook() -> ResponseReturnValue:
    """The address people used to set by hand: refused, rentflow registers its own."""
    return jsonify(error="webhooks are registered by rentflow on install"), 403


@bp.post("/webhook/<account_id>/<secret>")
def webhook(account_id: str, secret: str) -> ResponseReturnValue:
    """Lead status and task webhooks at the account's secret address: one queued task per
    lead, all stored in one write before the answer, and one per task id."""
    if not account_secret_ok(app_settings().secret_key, account_id, "webhook", secret):
        return jsonify(error="unknown webhook address"), 403
    if request.form.get("account[id]", "") != account_id:
        return jsonify(error="another account's webhook"), 403
    portal = active_account(account_id)
    if portal is None:
        return jsonify(error="unknown account"), 401
    lead_ids = sorted({v for k, v in request.form.items() if _LEAD_KEY.fullmatch(k)})
    task_ids = sorted({v for k, v in request.form.items() if _TASK_KEY.fullmatch(k)})
    if len(lead_ids) + len(task_ids) > MAX_WEBHOOK_LEADS:
        return jsonify(error=f"at most {MAX_WEBHOOK_LEADS} leads and tasks per webhook"), 413
    portal_id = stored_id(portal.id, "portal")
    tasks = container().tasks
    if lead_ids:
        tasks.deals_changed(portal_id, lead_ids)
    for task_id in task_ids:
        if task_id.isdigit():
            tasks.request_task_changed(portal_id, task_id)
    return jsonify(queued=len(lead_ids) + len(task_ids))


@bp.post("/dp")
def digital_pipeline() -> ResponseReturnValue:
    """The widget's digital-pipeline action: "when a lead enters X: issue invoice / act /
    send", carrying the account's secret in the action's settings."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    account_id = str(body.get("account_id", ""))
    action_settings = _dp_settings(body)
    token = str(action_settings.get("token", ""))
    if not account_secret_ok(app_settings().secret_key, account_id, "dp", token):
        return jsonify(error="missing or wrong action token"), 403
    portal = active_account(account_id)
    if portal is None:
        return jsonify(error="unknown account"), 401
    data = body.get("event", {}).get("data", {}) if isinstance(body.get("event"), dict) else {}
    action = str(action_settings.get("action", ""))
    if action not in DP_ACTIONS or not isinstance(data, dict) or not data.get("id"):
        return jsonify(error="unknown action or lead"), 400
    container().tasks.deal_action(stored_id(portal.id, "portal"), str(data["id"]), action)
    return jsonify(queued=1)


def _dp_settings(body: dict[str, Any]) -> dict[str, Any]:
    node: Any = body
    for key in ("action", "settings", "widget", "settings"):
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


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
    installation.uninstall(container().install_ports(), CrmKind.AMOCRM.value, account_id)
    return jsonify(uninstalled=account_id)
