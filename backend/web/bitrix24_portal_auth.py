"""What the Bitrix24 endpoints do, apart from HTTP: install a portal, check that a request
really comes from the portal it names, sign the frame's follow-up requests.

Trust rules (EN apidocs.bitrix24.com):
- events carry ``auth[application_token]``; it is compared with the one stored at install
  (api-reference/events/safe-event-handlers), and their ``ts`` must be recent
  (``bitrix24_trust.check_fresh``). ONAPPUNINSTALL has nothing else to check
  (common/events/on-app-uninstall). ONAPPUPDATE brings a *new* application_token
  (common/events/on-app-update), so it proves itself with its access token instead;
- placements and the app page carry ``AUTH_ID``; it is checked by calling ``app.info`` on the
  portal's *stored* REST endpoint (widgets/_includes/widget_data.md, common/system/app-info);
  the app page asks ``user.admin`` (common/users/user-admin) and signs a workspace viewer
  (administrator or not); the deal tab signs a ``tab`` frame that no workspace page accepts;
- install: DOMAIN must be an allowed portal domain and SERVER_ENDPOINT a known OAuth server
  (``bitrix24_trust``); the tokens are checked on the portal named by DOMAIN; a re-install of
  a known ``member_id`` must also pass on the stored endpoint, so a look-alike portal cannot
  take over another's record (settings/oauth/simple-way).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend.bootstrap import Container
from backend.domain.portal import Portal
from backend.services import installation
from backend.services.portals import lookup_portal
from backend.web import bitrix24_trust as trust
from backend.web.bitrix24_trust import Forbidden, NotAllowed
from crm_mappings.accounts import Connection
from crm_mappings.bitrix24.client import auth_id_is_valid, user_is_admin
from crm_mappings.port import CrmKind
from crm_mappings.tokens import OAuthTokens

KIND = CrmKind.BITRIX24.value
FRAME_TOKEN_AGE = 8 * 3600
TAB_FRAME = "tab"  # the deal tab's forms (the app page signs a workspace viewer instead)

__all__ = ["Forbidden", "NotAllowed"]


@dataclass(frozen=True)
class PortalAuth:
    """Credentials a portal handed over (install POST or ONAPPINSTALL)."""

    member_id: str
    domain: str
    client_endpoint: str
    server_endpoint: str
    access_token: str
    refresh_token: str
    expires_in: int
    application_token: str = ""
    lang: str = "ru"


def portal_id(portal: Portal) -> int:
    """The id of a stored portal (repositories always return one)."""
    if portal.id is None:
        raise LookupError(f"portal {portal.external_id} is not stored")
    return portal.id


def token_hash(application_token: str) -> str:
    return hashlib.sha256(application_token.encode()).hexdigest()


def find_portal(container: Container, member_id: str) -> Portal | None:
    with container.uow() as uow:
        return uow.portals.find(KIND, member_id) if member_id else None


def stored_endpoint(container: Container, portal: Portal) -> str:
    return str(portal.settings.get("client_endpoint", ""))


def install(container: Container, auth: PortalAuth) -> Portal:
    """Check the hosts and the tokens, then store the portal and its encrypted tokens
    (re-install too: ``services.installation``)."""
    trust.check_client_endpoint(container.settings, auth.domain, auth.client_endpoint)
    trust.check_server_endpoint(container.settings, auth.server_endpoint)
    client_id = trust.app_code(container.settings)
    if not auth_id_is_valid(auth.client_endpoint, auth.access_token, client_id):
        raise Forbidden("the portal does not confirm these tokens")
    known = find_portal(container, auth.member_id)
    moved = known is not None and auth.client_endpoint != stored_endpoint(container, known)
    if moved and known is not None:
        before = stored_endpoint(container, known)
        if not auth_id_is_valid(before, auth.access_token, client_id):
            raise Forbidden("a re-install must be confirmed by the portal installed before")
    settings: dict[str, Any] = {
        "client_endpoint": auth.client_endpoint,
        "server_endpoint": auth.server_endpoint,
        "lang": auth.lang,
    }
    if auth.application_token:
        settings["application_token_sha256"] = token_hash(auth.application_token)
    tokens = OAuthTokens(
        access_token=auth.access_token,
        refresh_token=auth.refresh_token,
        expires_at=container.clock.now() + timedelta(seconds=auth.expires_in),
        extra={
            "client_endpoint": auth.client_endpoint,
            "server_endpoint": auth.server_endpoint,
            "member_id": auth.member_id,
            "domain": auth.domain,
        },
    )
    connection = Connection(KIND, auth.member_id, auth.domain, settings, tokens)
    return installation.install(container.install_ports(), connection)


def check_fresh(container: Container, ts: object) -> None:
    """``Forbidden`` for an event or robot call sent longer ago than the window allows."""
    trust.check_fresh(container.settings, container.clock.now(), ts)


def app_updated(container: Container, auth: dict[str, Any], version: str) -> Portal:
    """ONAPPUPDATE: a new version brings a new ``application_token`` and tokens
    (common/events/on-app-update); its access token must be live on the stored portal."""
    portal = find_portal(container, str(auth.get("member_id", "")))
    if portal is None or not portal.active:
        raise Forbidden("unknown or inactive portal")
    endpoint = stored_endpoint(container, portal)
    access = str(auth.get("access_token", ""))
    if not auth_id_is_valid(endpoint, access, trust.app_code(container.settings)):
        raise Forbidden("ONAPPUPDATE tokens are not valid on this portal")
    changes: dict[str, Any] = {"app_version": version}
    if auth.get("application_token"):
        changes["application_token_sha256"] = token_hash(str(auth["application_token"]))
    tokens = None
    if auth.get("refresh_token"):
        tokens = OAuthTokens(
            access_token=access,
            refresh_token=str(auth["refresh_token"]),
            expires_at=container.clock.now()
            + timedelta(seconds=int(auth.get("expires_in", 3600) or 3600)),
        )
    return installation.renew(container.install_ports(), portal_id(portal), changes, tokens)


def event_portal(container: Container, auth: dict[str, Any]) -> Portal:
    """The portal an event comes from, if its ``application_token`` is the stored one."""
    portal = lookup_portal(container.uow, KIND, str(auth.get("member_id", "")))
    if portal is None:
        raise Forbidden("unknown portal")
    stored = str(portal.settings.get("application_token_sha256", ""))
    given = token_hash(str(auth.get("application_token", "")))
    if not stored or not hmac.compare_digest(stored, given):
        raise Forbidden("application_token does not match")
    return portal


def frame_portal(container: Container, member_id: str, auth_id: str) -> Portal:
    """The portal of a placement/app-page request, if its AUTH_ID is live there."""
    portal = find_portal(container, member_id)
    if portal is None or not portal.active:
        raise Forbidden("unknown or inactive portal")
    endpoint = stored_endpoint(container, portal)
    if not auth_id_is_valid(endpoint, auth_id, trust.app_code(container.settings)):
        raise Forbidden("AUTH_ID is not valid on this portal")
    return portal


def check_admin(container: Container, portal: Portal, auth_id: str) -> None:
    """``NotAllowed`` unless the user of ``auth_id`` may manage the app's settings."""
    if not user_is_admin(stored_endpoint(container, portal), auth_id):
        raise NotAllowed("only a portal administrator can change rentflow's settings")


def _serializer(container: Container) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(container.settings.secret_key, salt="bitrix24-frame")


def sign_frame(container: Container, portal_id: int, kind: str, deal_id: str = "") -> str:
    """A token the frame's own follow-up POSTs carry instead of re-sending AUTH_ID; ``kind``
    says which page signed it (``TAB_FRAME``: the deal tab)."""
    return _serializer(container).dumps({"p": portal_id, "d": deal_id, "k": kind})


def read_frame(container: Container, token: str, kind: str) -> tuple[int, str]:
    """(portal id, deal id) of a signed frame token of ``kind``: ``Forbidden`` when it is not
    ours, ``NotAllowed`` when another page signed it (a deal tab's token on a settings form)."""
    try:
        data = _serializer(container).loads(token, max_age=FRAME_TOKEN_AGE)
    except BadSignature as err:
        raise Forbidden("bad frame token") from err
    if data.get("k") != kind:
        raise NotAllowed(f"a {data.get('k')} frame cannot act on the {kind} page")
    return int(data["p"]), str(data.get("d", ""))


def with_settings(portal: Portal, changes: dict[str, Any]) -> Portal:
    """The portal with ``changes`` merged into its settings."""
    return replace(portal, settings={**portal.settings, **changes})
