"""Which hosts a Bitrix24 request may make rentflow talk to, and which requests are too old.

A request to ``/bitrix24/install`` (or an ONAPPINSTALL event) names a portal (``DOMAIN``) and
an OAuth server (``SERVER_ENDPOINT``). rentflow calls the portal to confirm the tokens, so the
portal must be a plausible Bitrix24 host: a cloud portal under a regional ``bitrix24.*`` zone
or an on-premise portal the operator listed (``BITRIX24_PORTAL_DOMAINS``). The OAuth server is
never called with a value from a request (the token URL is a setting); a ``SERVER_ENDPOINT``
outside the known OAuth hosts (``BITRIX24_OAUTH_HOSTS``: oauth.bitrix.info per the EN
settings/oauth/index.md, oauth.bitrix24.tech per the RU one) marks a portal that is not what
it says, and the install is refused. In the sandbox the emulated portal under
``/sandbox/bitrix24`` of rentflow's own base URL is allowed, and so is plain http.

Events carry ``ts``, "date and time of the event sent from the queue"
(api-reference/common/events/on-app-uninstall.md, on-app-update.md): one older (or later)
than ``BITRIX24_EVENT_MAX_AGE`` seconds is a replay and is refused.
"""

from __future__ import annotations

import re
from datetime import datetime
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from backend.config import SANDBOX_BITRIX24_PREFIX, Settings

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*(?::\d{{1,5}})?$")


class Forbidden(Exception):
    """The request does not prove it comes from the portal it names: answer 401."""


class NotAllowed(Exception):
    """A proven caller asks for what its frame or role does not allow: answer 403."""


def app_code(settings: Settings) -> str:
    """What ``app.info`` answers as ``CODE`` for rentflow: a Market app's code
    (``vendor.appname``) when set, else the client id (a local app's code is its client id)."""
    return settings.bitrix24_app_code or settings.bitrix24_client_id


def _sandbox_domain(settings: Settings) -> str:
    return f"{urlsplit(settings.public_base_url).netloc}{SANDBOX_BITRIX24_PREFIX}".lower()


def portal_endpoint(settings: Settings, domain: str, *, https: bool) -> str:
    """``{scheme}://{DOMAIN}/rest/`` if DOMAIN may be a Bitrix24 portal, else ``Forbidden``."""
    domain = domain.strip().lower()
    scheme = "https" if https else "http"
    if settings.sandbox and domain == _sandbox_domain(settings):
        return f"{scheme}://{domain}/rest/"
    if not https and not settings.sandbox:
        raise Forbidden("a portal is reached over https only")
    if not _HOST.fullmatch(domain):
        raise Forbidden(f"DOMAIN {domain[:80]!r} is not a host name")
    if not any(fnmatchcase(domain, pattern) for pattern in settings.bitrix24_portal_domains):
        raise Forbidden(f"DOMAIN {domain} is not an allowed Bitrix24 portal domain")
    return f"{scheme}://{domain}/rest/"


def check_client_endpoint(settings: Settings, domain: str, client_endpoint: str) -> None:
    """An endpoint handed over with ``domain`` must be that domain's own REST endpoint."""
    https = client_endpoint.startswith("https://")
    if portal_endpoint(settings, domain, https=https) != client_endpoint.lower():
        raise Forbidden("client_endpoint is not the REST endpoint of DOMAIN")


def check_server_endpoint(settings: Settings, server_endpoint: str) -> None:
    """``SERVER_ENDPOINT`` must be a known Bitrix24 OAuth server (or the one we refresh at)."""
    ours = settings.bitrix24_token_url.removesuffix("oauth/token/") + "rest/"
    if server_endpoint == ours:
        return
    parts = urlsplit(server_endpoint)
    known = (parts.hostname or "") in settings.bitrix24_oauth_hosts
    if parts.scheme == "https" and known and parts.port is None and parts.path == "/rest/":
        return
    raise Forbidden(f"SERVER_ENDPOINT {server_endpoint[:80]!r} is not a Bitrix24 OAuth server")


def check_fresh(settings: Settings, now: datetime, ts: object) -> None:
    """Refuse an event whose ``ts`` is missing or further from ``now`` than the window."""
    try:
        sent = int(str(ts))
    except ValueError:
        raise Forbidden("the event has no ts") from None
    if abs(now.timestamp() - sent) > settings.bitrix24_event_max_age:
        raise Forbidden(f"the event's ts {sent} is outside the accepted window")
