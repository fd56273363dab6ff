"""Which hosts may receive the integration's client secret and an account's tokens.

amoCRM sends the account's address as ``referer`` to the redirect_uri and the code is traded
at ``https://<referer>/oauth2/access_token`` together with ``client_id`` and
``client_secret`` (https://www.amocrm.ru/developers/content/oauth/step-by-step). A request
naming any host would receive the secret, so the account host must be one label under a
domain of the allow-list (``AMOCRM_ALLOWED_HOSTS``: ``*.amocrm.ru``, ``*.amocrm.com``,
``*.kommo.com`` by default), HTTPS on the default port. In the sandbox the configured
``AMOCRM_BASE_URL`` (the emulator) is the one API base of every account.

Every outbound call that carries a secret (code exchange, refresh, API calls with the
Bearer token) checks its base URL here first, so a portal stored before this rule existed
cannot leak either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from crm_mappings.port import CrmError

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class UntrustedHost(CrmError):
    """A host outside the allow-list was about to receive a secret."""


@dataclass(frozen=True)
class AccountHosts:
    """The allow-list of account hosts, plus the sandbox's one API base (or "")."""

    patterns: tuple[str, ...]
    sandbox_base: str = ""

    def account_host(self, referer: str) -> str:
        """The account host named by ``referer`` (``subdomain.amocrm.ru``), lower-cased;
        raises ``UntrustedHost`` unless it is one label under an allowed domain."""
        host = referer.strip().lower().removesuffix(".")
        for pattern in self.patterns:
            suffix = pattern.removeprefix("*.")
            if pattern.startswith("*.") and host.endswith("." + suffix):
                if _LABEL.fullmatch(host.removesuffix("." + suffix)):
                    return host
            elif host == pattern:
                return host
        raise UntrustedHost(f"{referer[:80]!r} is not an allowed amoCRM account host")

    def base_for(self, referer: str) -> str:
        """The API base URL of the account named by ``referer``."""
        host = self.account_host(referer)
        return self.sandbox_base or f"https://{host}"

    def check_base(self, base_url: str) -> str:
        """``base_url`` itself when a secret may be sent there; else ``UntrustedHost``."""
        base = base_url.rstrip("/")
        if self.sandbox_base and base == self.sandbox_base:
            return base
        parts = urlsplit(base)
        try:
            port = parts.port
        except ValueError as exc:
            raise UntrustedHost(f"{base[:80]!r} has a bad port") from exc
        if (
            parts.scheme != "https"
            or port is not None
            or parts.username is not None
            or parts.path
            or parts.query
            or parts.fragment
        ):
            raise UntrustedHost(f"{base[:80]!r} is not an amoCRM account address")
        self.account_host(parts.hostname or "")
        return base


def account_hosts(
    patterns: tuple[str, ...], *, sandbox: bool, configured_base: str
) -> AccountHosts:
    """The policy of a deployment: the configured base counts only in the sandbox."""
    return AccountHosts(patterns, configured_base.rstrip("/") if sandbox else "")
