"""The account's webhook, set and removed by rentflow through API v4 (not by hand).

https://www.amocrm.ru/developers/content/crm_platform/webhooks-api:
- ``GET /api/v4/webhooks?filter[destination]=<url>`` lists the account's webhooks to that
  exact address (``_embedded.webhooks``; 204 when none);
- ``POST /api/v4/webhooks`` with ``{"destination": <url>, "settings": ["status_lead",
  "update_task"], "sort": 10}`` subscribes, or sets the events of a destination already
  subscribed (at most 100 webhooks per account);
- ``DELETE /api/v4/webhooks`` with ``{"destination": <url>}`` unsubscribes.
The same calls as the official client's ``Webhooks::subscribe``/``unsubscribe``
(github:amocrm/amocrm-api-php, src/AmoCRM/EntitiesServices/Webhooks.php,
src/AmoCRM/Models/WebhookModel.php ``toApi``/``toUnsubscribeApi``).

The destination carries the account's secret (``signing.account_secret``): amoCRM does not
sign webhooks, so only a caller who got the address from amoCRM can reach the door. The
address subscribed is kept in ``portal.settings``; the hourly job subscribes accounts whose
address is missing or changed (installed before rentflow set webhooks itself, or after
SECRET_KEY changed), removing the old one, and accounts subscribed to fewer events than
``EVENTS`` (``lifecycle.AmoAccounts.resubscribe`` under
``services.installation.keep_subscribed``).

The events (the list on https://www.amocrm.ru/developers/content/crm_platform/webhooks-api,
the entities and actions on .../webhooks-format: "Задача", "Изменение"): ``status_lead``, a
lead changed status, what the stage mapping follows; ``update_task``, a task changed, so a
tenant request's task closed by its manager reaches rentflow at once (``task[update][0][id]``;
the task is read back through the API, the poll of open tasks stays as the safety net).
"""

from __future__ import annotations

from crm_mappings.amocrm.client import AmoClient
from crm_mappings.amocrm.signing import account_secret

EVENTS = ["status_lead", "update_task"]
WEBHOOK_SETTING = "amocrm_webhook"  # portal.settings key: the destination subscribed
EVENTS_SETTING = "amocrm_webhook_events"  # portal.settings key: the events it was given


def webhook_destination(public_base_url: str, key: str, account_id: str) -> str:
    """Where amoCRM posts the account's webhooks: rentflow's address with the secret."""
    secret = account_secret(key, account_id, "webhook")
    return f"{public_base_url.rstrip('/')}/amocrm/webhook/{account_id}/{secret}"


def subscribe(client: AmoClient, destination: str) -> None:
    """Subscribe ``destination`` to ``EVENTS`` unless it already is (a reinstall keeps the
    one webhook; one subscribed to fewer events gets them all)."""
    found = client.request("GET", "/api/v4/webhooks", params={"filter[destination]": destination})
    hooks = (found or {}).get("_embedded", {}).get("webhooks", [])
    if any(
        hook.get("destination") == destination and set(EVENTS) <= set(hook.get("settings") or ())
        for hook in hooks
    ):
        return
    body = {"destination": destination, "settings": EVENTS, "sort": 10}
    client.request("POST", "/api/v4/webhooks", json=body)


def unsubscribe(client: AmoClient, destination: str) -> None:
    """Remove the account's webhook to ``destination``."""
    client.request("DELETE", "/api/v4/webhooks", json={"destination": destination})
