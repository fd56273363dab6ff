"""An amoCRM account's lifecycle: install (code exchange, fields, webhook, portal) and
uninstall.

Install (https://www.amocrm.ru/developers/content/oauth/step-by-step): the admin opens
rentflow's ``/amocrm/install``, which sends them to amoCRM's authorization page with a
``state``; amoCRM redirects back to our redirect_uri with ``code``, ``referer`` (the
account's host) and that ``state``. Installing the widget from the marketplace sends the
code to the same redirect_uri with ``from_widget`` and no ``state`` (the official client's
examples/get_token.php, github:amocrm/amocrm-api-php, skips the state check exactly then).
Either way the code is exchanged only at an allowed account host (``hosts``), then the
account is read from GET /api/v4/account, our lead fields are created or found, our webhook
is subscribed (``webhooks``), and the portal and its tokens are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from backend.db.nonces import NonceStore
from backend.domain.errors import stored_id
from backend.domain.portal import Portal
from backend.services.auth_lost import notify_auth_lost
from backend.services.portals import install_portal, uninstall_portal
from crm_mappings.amocrm import webhooks
from crm_mappings.amocrm.adapter import (
    FIELDS_SETTING,
    AmoCrm,
    api_hosts,
    ensure_fields,
    redirect_uri,
)
from crm_mappings.amocrm.client import AmoClient, exchange_code, tokens_from_grant
from crm_mappings.amocrm.signing import InvalidState, issue_state, verify_state
from crm_mappings.port import CrmAuthLost, CrmError, CrmKind
from crm_mappings.tokens import MemoryTokenStore

if TYPE_CHECKING:
    from backend.bootstrap import Container

log = logging.getLogger(__name__)


AUTHORIZE_URL = "https://www.amocrm.ru/oauth"  # step-by-step: "Получение Authorization code"


def authorize_url(container: Container) -> str:
    """Where ``/amocrm/install`` sends the admin: amoCRM's authorization page (the
    emulator's in the sandbox) with our client_id and a fresh ``state``."""
    settings = container.settings
    base = api_hosts(settings).sandbox_base
    page = f"{base}/oauth" if base else AUTHORIZE_URL
    state = issue_state(settings.secret_key, container.clock.now())
    query = urlencode({"client_id": settings.amocrm_client_id, "state": state,
                       "mode": "post_message"})  # fmt: skip
    return f"{page}?{query}"


def install_account(
    container: Container, *, code: str, referer: str, state: str = "", from_widget: bool = False
) -> Portal:
    """Check the ``state`` (unless the widget's install sent the code) and the account host,
    exchange the code, prepare the fields and the webhook, store the portal and its tokens.
    Raises ``InvalidState`` or ``hosts.UntrustedHost`` before any request leaves."""
    settings = container.settings
    if not from_widget:
        _spend_state(container, state)
    hosts = api_hosts(settings)
    base = hosts.base_for(referer)
    answer = exchange_code(
        base,
        client_id=settings.amocrm_client_id,
        client_secret=settings.amocrm_client_secret,
        redirect_uri=redirect_uri(settings.amocrm_redirect_uri, settings.public_base_url),
        code=code,
        hosts=hosts,
    )
    tokens = tokens_from_grant(answer, container.clock.now(), {"base_url": base})
    memory = MemoryTokenStore(tokens)
    client = AmoClient(
        memory,
        client_id=settings.amocrm_client_id,
        client_secret=settings.amocrm_client_secret,
        redirect_uri=redirect_uri(settings.amocrm_redirect_uri, settings.public_base_url),
        hosts=hosts,
        now=container.clock.now,
    )
    info = client.request("GET", "/api/v4/account")
    fields = ensure_fields(client)
    account_id = str(info["id"])
    destination = webhooks.destination_for(container, account_id)
    webhooks.subscribe(client, destination)
    with container.uow() as uow:
        portal = install_portal(
            uow,
            container.clock,
            kind=CrmKind.AMOCRM.value,
            external_id=account_id,
            domain=hosts.account_host(referer),
            settings={
                FIELDS_SETTING: {str(k): v for k, v in fields.items()},
                webhooks.WEBHOOK_SETTING: destination,
            },
        )
        uow.commit()
    container.token_store(stored_id(portal.id, "portal")).save(memory.load())
    return portal


def _spend_state(container: Container, state: str) -> None:
    now = container.clock.now()
    checked = verify_state(state, container.settings.secret_key, now)
    nonces = NonceStore(container.uow.session_factory)
    if not nonces.claim("amocrm_state", checked.nonce, expires_at=checked.expires_at, now=now):
        raise InvalidState("state already used")


class NotAmoCrm(CrmError):
    """The CRM registry gave something other than the amoCRM adapter for a portal."""


def adapter_for(container: Container, portal: Portal) -> AmoCrm:
    """The adapter of an installed account (typed, for the web views)."""
    crm = container.crm(portal)
    if not isinstance(crm, AmoCrm):
        raise NotAmoCrm(f"portal {portal.id} ({portal.kind}) is served by {type(crm).__name__}")
    return crm


def disable_signature(client_uuid: str, account_id: str, secret: str) -> str:
    """The ``signature`` of amoCRM's "integration disabled" hook: HMAC-SHA256, keyed with the
    integration's secret, of ``"<client_uuid>|<account_id>"``, hex.

    The hook is a GET to the integration's disable-hook URL with ``account_id``,
    ``client_uuid`` (the integration id) and ``signature``; the receiver first checks that
    ``client_uuid`` is its own integration id, then the signature
    (https://www.amocrm.ru/developers/content/oauth/step-by-step, "Хук об отключении
    интеграции", changed on 25 January 2024 per the developers' changelog). amoCRM's official
    PHP client (github:amocrm/amocrm-api-php @1354d8a, src/AmoCRM/OAuth/AmoCRMOAuth.php) has
    no verifier of this hook to compare with: it verifies only disposable tokens. The format
    here is the one the page's digests give and that independent receivers implement the
    same way (``HMAC-SHA256("<client_id>|<account_id>", client_secret)``, hex); check it on a
    live account before relying on it alone."""
    message = f"{client_uuid}|{account_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def disable_hook_valid(
    *, client_id: str, secret: str, client_uuid: str, account_id: str, signature: str
) -> bool:
    """Whether a disable hook comes from amoCRM for our integration."""
    if not client_id or not hmac.compare_digest(client_uuid.encode(), client_id.encode()):
        return False
    if len(signature) != 64 or not account_id.isdigit():
        return False
    expected = disable_signature(client_uuid, account_id, secret)
    return hmac.compare_digest(expected.encode(), signature.encode())


def uninstall_account(container: Container, account_id: str) -> Portal | None:
    """Stop an account: the portal is marked uninstalled, which forgets its tokens (the
    stored pair is erased with the status change) and stops its jobs (tasks skip portals
    that are not active). amoCRM has no token revocation endpoint we could find (its OAuth
    docs and official PHP client offer none): disabling the integration kills the tokens on
    amoCRM's side, so forgetting ours is the whole of revoking. Our webhook is removed first
    when the tokens still work (an uninstall rentflow starts); after amoCRM's disable hook
    they are dead, the webhook's door refuses the account as uninstalled. None for an
    unknown account."""
    with container.uow() as uow:
        portal = uow.portals.find(CrmKind.AMOCRM.value, account_id)
    if portal is None or portal.id is None:
        return None
    _unsubscribe_quietly(container, portal)
    with container.uow() as uow:
        stopped = uninstall_portal(uow, container.clock, portal.id)
        uow.commit()
    log.info("amoCRM account %s disabled the integration: portal %s uninstalled",
             account_id, portal.id)  # fmt: skip
    return stopped


def _unsubscribe_quietly(container: Container, portal: Portal) -> None:
    if not portal.active or portal.id is None:
        return
    one_try = AmoClient(
        container.token_store(portal.id),
        client_id=container.settings.amocrm_client_id,
        client_secret=container.settings.amocrm_client_secret,
        redirect_uri=redirect_uri(
            container.settings.amocrm_redirect_uri, container.settings.public_base_url
        ),
        hosts=api_hosts(container.settings),
        attempts=1,
        now=container.clock.now,
    )
    try:
        webhooks.unsubscribe(one_try, webhooks.destination_for(container, portal.external_id))
    except CrmError as exc:
        log.info("amoCRM account %s: webhook not removed: %s", portal.external_id, exc)


def refresh_idle_accounts(container: Container, within: timedelta = timedelta(hours=12)) -> int:
    """Refresh every active account whose access token ends within ``within``.

    An account nobody touches would otherwise let its refresh token lapse (amoCRM refresh
    tokens live three months, https://www.amocrm.ru/developers/content/oauth/step-by-step);
    a refused refresh marks the portal AUTH_LOST like any other. Returns how many refreshed.
    """
    with container.uow() as uow:
        portals = [p for p in uow.portals.list() if p.kind == CrmKind.AMOCRM.value]
    refreshed = 0
    for portal in portals:
        client = adapter_for(container, portal).client
        try:
            tokens = client.store.load()
            if tokens.expires_at - within <= container.clock.now():
                client.refresh(tokens.access_token)
                refreshed += 1
        except CrmAuthLost as exc:
            log.warning("amoCRM account %s: refresh refused: %s", portal.external_id, exc)
            if portal.id is not None:
                notify_auth_lost(container.uow(portal.id), container.clock, portal.id)
        except CrmError as exc:
            log.warning("amoCRM account %s: token refresh failed: %s", portal.external_id, exc)
    return refreshed
