"""A thin amoCRM API v4 client on ``requests``: rate limit, retries, OAuth refresh.

No maintained Python client for API v4 fits (``amocrm_api`` speaks API v2 and keeps its own
token storage), so this is a small one.

- Limit: at most 7 requests per second per account
  (https://www.amocrm.ru/developers/content/api/recommendations); we stay under it with the
  account's limiter (``ratelimit.limiter_for``: every process's, or this process's), and retry
  429/5xx with exponential backoff (``ratelimit.backoff_delay``).
- OAuth: POST ``/oauth2/access_token`` with ``grant_type=refresh_token``
  (https://www.amocrm.ru/developers/content/oauth/step-by-step). The refresh token is
  single-use: ``oauth.RefreshingTokens`` refreshes under the store's per-portal lock; this
  client only says what the request looks like (``_refresh_grant``).
- Secrets go only to account hosts of the allow-list (``hosts.AccountHosts``): the code
  exchange, every refresh and every API call check their base URL before sending.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from crm_mappings import ratelimit
from crm_mappings.amocrm.hosts import AccountHosts
from crm_mappings.oauth import RefreshingTokens
from crm_mappings.port import CrmAuthLost, CrmError, CrmNotFound, CrmUnavailable
from crm_mappings.tokens import OAuthTokens, TokenStore

RATE_PER_SECOND = 6.0  # amoCRM allows 7/s; one request of headroom
TIMEOUT = 20
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def limiter_for(base_url: str, rate: float = RATE_PER_SECOND) -> ratelimit.Limiter:
    """The limiter of one account (keyed by its API base URL): requests spaced ``1/rate``
    apart, across every process when ``crm_mappings.ratelimit`` is configured."""
    return ratelimit.limiter_for(f"amocrm:{base_url}", 1, rate)


def tokens_from_grant(
    answer: dict[str, Any], now: datetime, extra: dict[str, str] | None = None
) -> OAuthTokens:
    """Build the stored pair from an ``/oauth2/access_token`` answer."""
    return OAuthTokens(
        access_token=str(answer["access_token"]),
        refresh_token=str(answer["refresh_token"]),
        expires_at=now + timedelta(seconds=int(answer["expires_in"])),
        extra=dict(extra or {}),
    )


def exchange_code(
    base_url: str,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    hosts: AccountHosts,
    session: requests.Session | None = None,
) -> dict[str, Any]:
    """Trade an install's authorization code for the first token pair (only at an allowed
    account host: the request carries the client secret)."""
    base = hosts.check_base(base_url)
    http = session or requests.Session()
    try:
        answer = http.post(
            f"{base}/oauth2/access_token",
            json={
                "client_id": client_id,
                "client_secret": client_secret,
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
            },
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise CrmUnavailable(f"amoCRM unreachable: {exc}") from exc
    if answer.status_code != 200:
        raise CrmAuthLost(f"code exchange refused ({answer.status_code}): {answer.text[:300]}")
    data: dict[str, Any] = answer.json()
    return data


class AmoClient:
    """Calls one account's API with its tokens."""

    def __init__(
        self,
        store: TokenStore,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        hosts: AccountHosts,
        session: requests.Session | None = None,
        limiter: ratelimit.Limiter | None = None,
        attempts: int = 5,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.tokens = RefreshingTokens(store, now, self._refresh_grant)
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._hosts = hosts
        self._http = session or requests.Session()
        self._limiter = limiter
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep
        self._now = now
        self.calls = 0  # requests sent (the benchmark reports it)

    def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        """Send one API call; returns the decoded JSON, or None for 204 No Content."""
        tokens = self.tokens.current()
        refreshed = False
        for attempt in range(self._attempts):
            answer = self._send(method, path, tokens, json, params)
            if answer is not None and answer.status_code in {429, 503}:  # everyone pauses
                base = tokens.extra["base_url"].rstrip("/")
                ratelimit.back_off(self._limiter or limiter_for(base), self._delay(attempt, answer))
            if answer is None or answer.status_code in RETRY_STATUSES:
                self._sleep(self._delay(attempt, answer))
                continue
            if answer.status_code == 401 and not refreshed:
                tokens, refreshed = self.refresh(tokens.access_token), True
                continue
            return self._decode(method, path, answer)
        raise CrmUnavailable(f"amoCRM {method} {path}: still failing after {self._attempts} tries")

    def _send(
        self,
        method: str,
        path: str,
        tokens: OAuthTokens,
        body: Any,
        params: dict[str, Any] | None,
    ) -> requests.Response | None:
        base = self._hosts.check_base(tokens.extra["base_url"])
        limiter = self._limiter or limiter_for(base)
        limiter.acquire()
        self.calls += 1
        try:
            return self._http.request(
                method,
                f"{base}{path}",
                json=body,
                params=params,
                headers={"Authorization": f"Bearer {tokens.access_token}"},
                timeout=TIMEOUT,
            )
        except (requests.ConnectionError, requests.Timeout):
            return None

    def _delay(self, attempt: int, answer: requests.Response | None) -> float:
        retry_after = answer.headers.get("Retry-After", "") if answer is not None else ""
        return ratelimit.backoff_delay(attempt, self._backoff, retry_after)

    @staticmethod
    def _decode(method: str, path: str, answer: requests.Response) -> Any:
        if answer.status_code == 204:
            return None
        if answer.status_code == 404:
            raise CrmNotFound(f"amoCRM {method} {path}: not found")
        if answer.status_code == 401:
            raise CrmAuthLost(f"amoCRM {method} {path}: unauthorized after a refresh")
        if answer.status_code >= 400:
            raise CrmError(f"amoCRM {method} {path} -> {answer.status_code}: {answer.text[:500]}")
        return answer.json()

    def refresh(self, stale_access_token: str) -> OAuthTokens:
        """Refresh once per account at a time; return the pair to use from now on."""
        return self.tokens.refresh(stale_access_token)

    def _refresh_grant(self, current: OAuthTokens) -> OAuthTokens:
        base = self._hosts.check_base(current.extra["base_url"])
        try:
            answer = self._http.post(
                f"{base}/oauth2/access_token",
                json={
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                    "grant_type": "refresh_token",
                    "refresh_token": current.refresh_token,
                    "redirect_uri": self._redirect_uri,
                },
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise CrmUnavailable(f"amoCRM token refresh unreachable: {exc}") from exc
        if answer.status_code in RETRY_STATUSES:
            raise CrmUnavailable(f"amoCRM token refresh answered {answer.status_code}")
        if answer.status_code != 200:
            raise CrmAuthLost(f"refresh refused ({answer.status_code}): {answer.text[:300]}")
        return tokens_from_grant(answer.json(), self._now(), current.extra)
