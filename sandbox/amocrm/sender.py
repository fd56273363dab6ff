"""What the emulated account sends to rentflow: status-change and task webhooks,
digital-pipeline calls and the "integration disabled" hook.

Webhooks (https://www.amocrm.ru/developers/content/crm_platform/webhooks-format): form
fields ``{entity}[{action}][0][{field}]`` with ``account[id]`` and ``account[subdomain]``:
``leads[status][0][id]=..`` when a lead changes status (``status_lead``), and
``task[update][0][id]=..`` with the task's fields in the API's older names (``element_id``,
``element_type`` 2 for a lead, ``text``, ``status`` 1 once completed, ...) when a task changes
(``update_task``; the entity key ``task`` as integrations read it, e.g. the Kommo trigger of
activepieces and ``task[update][0][id]`` parsers on GitHub).
Digital pipeline: JSON ``{"event": {"type": 15, "type_code": "lead_appeared_in_status",
"data": {...}}, "action": {"settings": {"widget": {"settings": {...}}}}, "subdomain",
"account_id"}`` (https://developers.kommo.com/docs/widgets-dp); the settings are the ones the
widget saved with the action (rentflow's hidden ``token`` among them), sent back unchanged.
Webhooks go to the account's API-registered destinations (``AmoAccount.webhook_urls``) on
rentflow's own origin (that of the integration's redirect_uri) only: the sandbox calls nothing
else, whoever registered what.
Disable hook: GET ``?account_id=..&client_uuid=<integration id>&signature=<HMAC-SHA256 of
"client_uuid|account_id" keyed with the client secret>``
(https://www.amocrm.ru/developers/content/oauth/step-by-step; see
``crm_mappings.amocrm.lifecycle.disable_signature`` for how sure we are of it).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import requests

from sandbox.amocrm.state import AmoAccount

TIMEOUT = 10


def status_webhook_form(acc: AmoAccount, lead_id: int, old_status_id: int) -> dict[str, str]:
    """The form fields amoCRM posts when a lead changes status."""
    lead = acc.leads[lead_id]
    prefix = "leads[status][0]"
    return {
        f"{prefix}[id]": str(lead_id),
        f"{prefix}[status_id]": str(lead["status_id"]),
        f"{prefix}[pipeline_id]": str(lead["pipeline_id"]),
        f"{prefix}[old_status_id]": str(old_status_id),
        f"{prefix}[old_pipeline_id]": str(lead["pipeline_id"]),
        "account[id]": str(acc.account_id),
        "account[subdomain]": acc.subdomain,
    }


def move_lead(acc: AmoAccount, lead_id: int, status_id: int) -> list[int]:
    """Move a lead as a user would in the UI and post the webhook to every subscriber."""
    with acc._lock:
        lead = acc.leads[lead_id]
        old, lead["status_id"] = lead["status_id"], status_id
    return _post_to_rentflow(acc, acc.webhook_urls, status_webhook_form(acc, lead_id, old))


def task_webhook_form(acc: AmoAccount, task: dict[str, Any]) -> dict[str, str]:
    """The form fields amoCRM posts when a task changes."""
    prefix = "task[update][0]"
    return {
        f"{prefix}[id]": str(task["id"]),
        f"{prefix}[element_id]": str(task.get("entity_id") or ""),
        f"{prefix}[element_type]": "2" if task.get("entity_type", "leads") == "leads" else "1",
        f"{prefix}[task_type]": str(task.get("task_type_id", 1)),
        f"{prefix}[text]": str(task.get("text", "")),
        f"{prefix}[status]": "1" if task.get("is_completed") else "0",
        f"{prefix}[responsible_user_id]": str(task.get("responsible_user_id", 0)),
        f"{prefix}[complete_till]": str(task.get("complete_till") or 0),
        f"{prefix}[last_modified]": str(task.get("updated_at") or int(acc.clock())),
        f"{prefix}[account_id]": str(acc.account_id),
        "account[id]": str(acc.account_id),
        "account[subdomain]": acc.subdomain,
    }


def task_changed(acc: AmoAccount, task: dict[str, Any]) -> list[int]:
    """Post the ``update_task`` webhook of ``task`` to every subscriber on rentflow's origin."""
    return _post_to_rentflow(acc, acc.subscribers("update_task"), task_webhook_form(acc, task))


def _post_to_rentflow(acc: AmoAccount, urls: Iterable[str], form: dict[str, str]) -> list[int]:
    """Post a webhook's ``form`` to each of ``urls`` on rentflow's origin (the sandbox never
    posts anywhere else); their status codes."""
    ours = [url for url in urls if _origin(url) == _origin(acc.redirect_uri)]
    return [requests.post(url, data=form, timeout=TIMEOUT).status_code for url in ours]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def digital_pipeline_call(
    acc: AmoAccount, url: str, lead_id: int, settings: dict[str, Any]
) -> requests.Response:
    """Post the digital-pipeline event for a lead that entered a status with our action."""
    lead = acc.leads[lead_id]
    body = {
        "event": {
            "type": 15,
            "type_code": "lead_appeared_in_status",
            "data": {
                "id": lead_id,
                "element_type": 2,
                "status_id": lead["status_id"],
                "pipeline_id": lead["pipeline_id"],
                "direction_of_movement": "went_to_trigger",
            },
            "time": int(acc.clock()),
        },
        "action": {"settings": {"widget": {"settings": settings}}},
        "subdomain": acc.subdomain,
        "account_id": acc.account_id,
    }
    return requests.post(url, json=body, timeout=TIMEOUT)


def disable_integration(acc: AmoAccount, url: str) -> requests.Response:
    """An admin disables the integration: its tokens die at once, then the hook is sent."""
    acc.revoke_all()
    account_id = str(acc.account_id)
    signature = hmac.new(
        acc.client_secret.encode(), f"{acc.client_id}|{account_id}".encode(), hashlib.sha256
    ).hexdigest()
    params = {"account_id": account_id, "client_uuid": acc.client_id, "signature": signature}
    return requests.get(url, params=params, timeout=TIMEOUT)
