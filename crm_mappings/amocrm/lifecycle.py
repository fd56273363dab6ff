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
is subscribed (``webhooks``); ``services.installation`` then stores the portal and its tokens.
``AmoAccounts`` is amoCRM's side of ``crm_mappings.accounts.CrmAccounts``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

from backend.domain.portal import Portal
from crm_mappings.accounts import Connection
from crm_mappings.amocrm import webhooks
from crm_mappings.amocrm.adapter import (
    FIELDS_SETTING,
    api_hosts,
    ensure_fields,
    redirect_uri,
)
from crm_mappings.amocrm.client import AmoClient, exchange_code, tokens_from_grant
from crm_mappings.amocrm.signing import InvalidState, issue_state, verify_state
from crm_mappings.port import CrmError, CrmKind
from crm_mappings.tokens import MemoryTokenStore, TokenStore

if TYPE_CHECKING:
    from backend.config import Settings
    from backend.ports import Clock

log = logging.getLogger(__name__)


AUTHORIZE_URL = "https://www.amocrm.ru/oauth"  # step-by-step: "Получение Authorization code"


class Nonces(Protocol):
    """Single-use values (``backend.db.nonces.NonceStore``): a ``state`` is spent once."""

    def claim(self, kind: str, value: str, *, expires_at: datetime, now: datetime) -> bool: ...


class AmoAccounts:
    """Installing amoCRM accounts: the authorization page, the code exchange with the fields
    and webhook an account needs, its webhook removed at uninstall, idle tokens refreshed."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        nonces: Nonces,
        tokens: Callable[[Portal], TokenStore],
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.nonces = nonces
        self.tokens = tokens

    def authorize_url(self) -> str:
        """Where ``/amocrm/install`` sends the admin: amoCRM's authorization page (the
        emulator's in the sandbox) with our client_id and a fresh ``state``."""
        settings = self.settings
        base = api_hosts(settings).sandbox_base
        page = f"{base}/oauth" if base else AUTHORIZE_URL
        state = issue_state(settings.secret_key, self.clock.now())
        query = urlencode(
            {"client_id": settings.amocrm_client_id, "state": state, "mode": "post_message"}
        )
        return f"{page}?{query}"

    def connect(
        self, *, code: str, referer: str, state: str = "", from_widget: bool = False
    ) -> Connection:
        """Check the ``state`` (unless the widget's install sent the code) and the account
        host, exchange the code, prepare the fields and the webhook: what
        ``services.installation.install`` stores. Raises ``InvalidState`` or
        ``hosts.UntrustedHost`` before any request leaves."""
        settings = self.settings
        if not from_widget:
            self._spend_state(state)
        hosts = api_hosts(settings)
        base = hosts.base_for(referer)
        answer = exchange_code(
            base,
            client_id=settings.amocrm_client_id,
            client_secret=settings.amocrm_client_secret,
            redirect_uri=self._redirect_uri(),
            code=code,
            hosts=hosts,
        )
        memory = MemoryTokenStore(tokens_from_grant(answer, self.clock.now(), {"base_url": base}))
        client = self._client(memory)
        info = client.request("GET", "/api/v4/account")
        fields = ensure_fields(client)
        account_id = str(info["id"])
        destination = self.destination(account_id)
        webhooks.subscribe(client, destination)
        return Connection(
            kind=CrmKind.AMOCRM.value,
            external_id=account_id,
            domain=hosts.account_host(referer),
            settings={
                FIELDS_SETTING: {str(k): v for k, v in fields.items()},
                webhooks.WEBHOOK_SETTING: destination,
                webhooks.EVENTS_SETTING: list(webhooks.EVENTS),
                "base_url": base,  # the account's own address: its lead pages are there
            },
            tokens=memory.load(),
        )

    def destination(self, account_id: str) -> str:
        """This deployment's webhook address of ``account_id``."""
        settings = self.settings
        return webhooks.webhook_destination(
            settings.public_base_url, settings.secret_key, account_id
        )

    def release(self, portal: Portal) -> None:
        """Remove our webhook while the tokens still work (an uninstall rentflow starts);
        after amoCRM's disable hook they are dead, and the webhook's door refuses the account
        as uninstalled. amoCRM has no token revocation endpoint we could find (its OAuth docs
        and official PHP client offer none): disabling the integration kills the tokens on
        amoCRM's side, so forgetting ours is the whole of revoking."""
        one_try = self._client(self.tokens(portal), attempts=1)
        try:
            webhooks.unsubscribe(one_try, self.destination(portal.external_id))
        except CrmError as exc:
            log.info("amoCRM account %s: webhook not removed: %s", portal.external_id, exc)

    def refresh_if_ending(self, portal: Portal, within: timedelta) -> bool:
        """Refresh the account's tokens when they end within ``within`` (single-use refresh
        tokens live three months); a refusal marks the portal AUTH_LOST."""
        client = self._client(self.tokens(portal))
        tokens = client.store.load()
        if tokens.expires_at - within > self.clock.now():
            return False
        client.refresh(tokens.access_token)
        return True

    def resubscribe(self, portal: Portal) -> Mapping[str, Any] | None:
        """Subscribe the account at the current address to every event (removing an old
        address) unless the stored address and events are these; the settings that record
        them."""
        wanted = self.destination(portal.external_id)
        old = str(portal.settings.get(webhooks.WEBHOOK_SETTING, ""))
        events = portal.settings.get(webhooks.EVENTS_SETTING) or []
        if old == wanted and list(events) == webhooks.EVENTS:
            return None
        client = self._client(self.tokens(portal))
        if old and old != wanted:
            webhooks.unsubscribe(client, old)
        webhooks.subscribe(client, wanted)
        return {webhooks.WEBHOOK_SETTING: wanted, webhooks.EVENTS_SETTING: list(webhooks.EVENTS)}

    def _redirect_uri(self) -> str:
        return redirect_uri(self.settings.amocrm_redirect_uri, self.settings.public_base_url)

    def _client(self, store: TokenStore, attempts: int = 5) -> AmoClient:
        return AmoClient(
            store,
            client_id=self.settings.amocrm_client_id,
            client_secret=self.settings.amocrm_client_secret,
            redirect_uri=self._redirect_uri(),
            hosts=api_hosts(self.settings),
            attempts=attempts,
            now=self.clock.now,
        )

    def _spend_state(self, state: str) -> None:
        now = self.clock.now()
        checked = verify_state(state, self.settings.secret_key, now)
        if not self.nonces.claim(
            "amocrm_state", checked.nonce, expires_at=checked.expires_at, now=now
        ):
            raise InvalidState("state already used")


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
