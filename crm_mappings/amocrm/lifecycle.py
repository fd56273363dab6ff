"""An amoCRM account's lifecycle: install (code exchange, fields, portal) and uninstall.

Install: amoCRM redirects the admin to our redirect_uri with ``code`` and ``referer`` (the
account's host); the code is exchanged at ``https://<referer>/oauth2/access_token``
(https://www.amocrm.ru/developers/content/oauth/step-by-step), the account is read from
GET /api/v4/account, our lead fields are created or found, then the portal and its tokens are
stored.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from backend.domain.portal import Portal
from backend.services.auth_lost import notify_auth_lost
from backend.services.portals import install_portal, uninstall_portal
from crm_mappings.amocrm.adapter import FIELDS_SETTING, AmoCrm, ensure_fields, redirect_uri
from crm_mappings.amocrm.client import AmoClient, exchange_code, tokens_from_grant
from crm_mappings.port import CrmAuthLost, CrmError, CrmKind
from crm_mappings.tokens import MemoryTokenStore

if TYPE_CHECKING:
    from backend.bootstrap import Container

log = logging.getLogger(__name__)


def api_base_url(configured: str, referer: str) -> str:
    """Where an account's API lives: the configured base (sandbox) or https://<referer>."""
    return configured.rstrip("/") if configured else f"https://{referer.strip('/')}"


def install_account(container: Container, *, code: str, referer: str) -> Portal:
    """Exchange the install code, prepare the fields and store the portal with its tokens."""
    settings = container.settings
    base = api_base_url(settings.amocrm_base_url, referer)
    answer = exchange_code(
        base,
        client_id=settings.amocrm_client_id,
        client_secret=settings.amocrm_client_secret,
        redirect_uri=redirect_uri(settings.amocrm_redirect_uri, settings.public_base_url),
        code=code,
    )
    tokens = tokens_from_grant(answer, container.clock.now(), {"base_url": base})
    memory = MemoryTokenStore(tokens)
    client = AmoClient(
        memory,
        client_id=settings.amocrm_client_id,
        client_secret=settings.amocrm_client_secret,
        redirect_uri=redirect_uri(settings.amocrm_redirect_uri, settings.public_base_url),
        now=container.clock.now,
    )
    info = client.request("GET", "/api/v4/account")
    fields = ensure_fields(client)
    with container.uow() as uow:
        portal = install_portal(
            uow,
            container.clock,
            kind=CrmKind.AMOCRM.value,
            external_id=str(info["id"]),
            domain=referer,
            settings={FIELDS_SETTING: {str(k): v for k, v in fields.items()}},
        )
        uow.commit()
    assert portal.id is not None  # stored
    container.token_store(portal.id).save(memory.load())
    return portal


def adapter_for(container: Container, portal: Portal) -> AmoCrm:
    """The adapter of an installed account (typed, for the web views)."""
    crm = container.crm(portal)
    assert isinstance(crm, AmoCrm)
    return crm


def disable_signature(client_uuid: str, account_id: str, secret: str) -> str:
    """The ``signature`` of amoCRM's "integration disabled" hook: HMAC-SHA256, keyed with the
    integration's secret, of ``"<client_uuid>|<account_id>"``.

    The hook is a GET to the integration's disable-hook URL with ``account_id``,
    ``client_uuid`` (the integration id) and ``signature``; the receiver first checks that
    ``client_uuid`` is its own integration id, then the signature
    (https://www.amocrm.ru/developers/content/oauth/step-by-step, section on disabling the
    integration; that section could not be read in our page store, the format was taken from
    a digest of that page, so verify it against a live account)."""
    message = f"{client_uuid}|{account_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def disable_hook_valid(
    *, client_id: str, secret: str, client_uuid: str, account_id: str, signature: str
) -> bool:
    """Whether a disable hook comes from amoCRM for our integration."""
    if not client_id or not hmac.compare_digest(client_uuid.encode(), client_id.encode()):
        return False
    expected = disable_signature(client_uuid, account_id, secret)
    return hmac.compare_digest(expected.encode(), signature.encode())


def uninstall_account(container: Container, account_id: str) -> Portal | None:
    """Stop an account: the portal is marked uninstalled, which forgets its tokens (the
    stored pair is erased with the status change) and stops its jobs (tasks skip portals
    that are not active). amoCRM has no token revocation endpoint we could find (its OAuth
    docs and official PHP client offer none): disabling the integration kills the tokens on
    amoCRM's side, so forgetting ours is the whole of revoking. None for an unknown account."""
    with container.uow() as uow:
        portal = uow.portals.find(CrmKind.AMOCRM.value, account_id)
        if portal is None or portal.id is None:
            return None
        stopped = uninstall_portal(uow, container.clock, portal.id)
        uow.commit()
    log.info("amoCRM account %s disabled the integration: portal %s uninstalled",
             account_id, portal.id)  # fmt: skip
    return stopped


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
