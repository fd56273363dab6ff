"""The account's webhook, set and removed by rentflow through API v4 (not by hand).

https://www.amocrm.ru/developers/content/crm_platform/webhooks-api:
- ``GET /api/v4/webhooks?filter[destination]=<url>`` lists the account's webhooks to that
  exact address (``_embedded.webhooks``; 204 when none);
- ``POST /api/v4/webhooks`` with ``{"destination": <url>, "settings": ["status_lead"],
  "sort": 10}`` subscribes (at most 100 webhooks per account);
- ``DELETE /api/v4/webhooks`` with ``{"destination": <url>}`` unsubscribes.
The same calls as the official client's ``Webhooks::subscribe``/``unsubscribe``
(github:amocrm/amocrm-api-php, src/AmoCRM/EntitiesServices/Webhooks.php,
src/AmoCRM/Models/WebhookModel.php ``toApi``/``toUnsubscribeApi``).

The destination carries the account's secret (``signing.account_secret``): amoCRM does not
sign webhooks, so only a caller who got the address from amoCRM can reach the door. The
address subscribed is kept in ``portal.settings``; the hourly job subscribes accounts whose
address is missing or changed (installed before rentflow set webhooks itself, or after
SECRET_KEY changed), removing the old one.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from crm_mappings.amocrm.adapter import amocrm_crm
from crm_mappings.amocrm.client import AmoClient
from crm_mappings.amocrm.signing import account_secret
from crm_mappings.port import CrmError, CrmKind

if TYPE_CHECKING:
    from backend.bootstrap import Container

log = logging.getLogger(__name__)
EVENTS = ["status_lead"]  # a lead changed status: what the stage mapping follows
WEBHOOK_SETTING = "amocrm_webhook"  # portal.settings key: the destination subscribed


def webhook_destination(public_base_url: str, key: str, account_id: str) -> str:
    """Where amoCRM posts the account's webhooks: rentflow's address with the secret."""
    secret = account_secret(key, account_id, "webhook")
    return f"{public_base_url.rstrip('/')}/amocrm/webhook/{account_id}/{secret}"


def subscribe(client: AmoClient, destination: str) -> None:
    """Subscribe ``destination`` unless it already is (a reinstall keeps the one webhook)."""
    found = client.request("GET", "/api/v4/webhooks", params={"filter[destination]": destination})
    hooks = (found or {}).get("_embedded", {}).get("webhooks", [])
    if any(hook.get("destination") == destination for hook in hooks):
        return
    body = {"destination": destination, "settings": EVENTS, "sort": 10}
    client.request("POST", "/api/v4/webhooks", json=body)


def unsubscribe(client: AmoClient, destination: str) -> None:
    """Remove the account's webhook to ``destination``."""
    client.request("DELETE", "/api/v4/webhooks", json={"destination": destination})


def destination_for(container: Container, account_id: str) -> str:
    """This deployment's webhook address of ``account_id``."""
    settings = container.settings
    return webhook_destination(settings.public_base_url, settings.secret_key, account_id)


def keep_subscribed(container: Container) -> int:
    """Subscribe every active account whose stored address is not the current one; returns
    how many were (re)subscribed. A refused account is logged and tried again next time."""
    with container.uow() as uow:
        portals = [p for p in uow.portals.list() if p.kind == CrmKind.AMOCRM.value and p.active]
    done = 0
    for portal in portals:
        wanted = destination_for(container, portal.external_id)
        old = str(portal.settings.get(WEBHOOK_SETTING, ""))
        if old == wanted:
            continue
        tokens = container.portal_tokens(portal)
        client = amocrm_crm(container.settings, tokens, container.clock, portal).client
        try:
            if old:
                unsubscribe(client, old)
            subscribe(client, wanted)
        except CrmError as exc:
            log.warning("amoCRM account %s: webhook not subscribed: %s", portal.external_id, exc)
            continue
        with container.uow() as uow:
            current = uow.portals.get(portal.id or 0)
            uow.portals.save(
                replace(current, settings={**current.settings, WEBHOOK_SETTING: wanted})
            )
            uow.commit()
        done += 1
    return done
