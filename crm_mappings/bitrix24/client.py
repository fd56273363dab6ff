"""A Bitrix24 REST client for one portal, over ``requests``, with what b24pysdk lacks.

Why not b24pysdk / fast-bitrix24: b24pysdk 1.3.2 builds every URL as ``https://{domain}/rest``
and refreshes against a fixed ``https://oauth.bitrix24.tech`` (api/callers/call_method.py,
api/requesters/bitrix_oauth_requester.py), retries only 503, has no client-side throttle and no
lock around a refresh; fast-bitrix24 takes a ``token_func`` returning only an access token and
leaves refresh-token storage for many portals to the app (its README, issue #41). rentflow
needs the endpoint the portal reports (the sandbox portal is plain HTTP on loopback), a
refresh under the per-portal DB lock with rotating refresh tokens, and a per-portal limiter, so
the client is this thin layer.

Rules it follows (EN apidocs.bitrix24.com):
- call ``{client_endpoint}{method}`` with ``auth`` (settings/how-to-call-rest-api/index);
- 401 ``expired_token`` -> refresh once through the OAuth server, then repeat the call
  (settings/oauth/auto-renewal); ``invalid_grant`` means the refresh token is dead. The token
  URL is fixed by the settings (``https://oauth.bitrix.info/oauth/token/``): "client_secret is
  used only in requests to the authorization server oauth.bitrix.info" (settings/oauth/index),
  so the ``server_endpoint`` a portal reports is never where the secret goes;
- 503 ``QUERY_LIMIT_EXCEEDED`` when the leaky bucket (50 burst, 2/s drain) overflows, 429
  ``OPERATION_TIME_LIMIT`` (limits.html): back off and retry;
- ``batch`` of at most 50 commands (settings/how-to-call-rest-api/batch).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from crm_mappings import ratelimit
from crm_mappings.bitrix24 import phpquery
from crm_mappings.oauth import RefreshingTokens
from crm_mappings.port import CrmAuthLost, CrmError, CrmNotFound, CrmUnavailable
from crm_mappings.tokens import OAuthTokens, TokenStore

log = logging.getLogger(__name__)
MAX_BATCH = 50
_TRANSIENT_CODES = {"QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT", "INTERNAL_SERVER_ERROR"}


class Bitrix24Error(CrmError):
    """A definite error answer from the portal: ``code`` and ``description`` as sent."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(f"{code or 'error'}: {description}")
        self.code, self.description, self.status = code, description, status


def bucket_for(portal_key: str) -> ratelimit.Limiter:
    """The one limiter of a portal (the portal counts per portal): its 50-request burst less
    some headroom, draining at 2/s, across every process when ``crm_mappings.ratelimit`` is
    configured."""
    return ratelimit.limiter_for(f"bitrix24:{portal_key}", 45, 2)


@dataclass(frozen=True)
class Answer:
    """A successful answer: ``result`` plus ``total``/``next`` of list methods."""

    result: Any
    total: int | None = None
    next: int | None = None


@dataclass(frozen=True)
class BatchAnswer:
    results: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, Bitrix24Error] = field(default_factory=dict)


def _keyed(value: Any) -> dict[str, Any]:
    # PHP sends [] for an empty map and a list for keys 0..n-1 (batch.md; FB issue #44)
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return dict(value or {})


class Bitrix24Client:
    """Calls one portal's REST API with the tokens in ``tokens``."""

    def __init__(
        self,
        tokens: TokenStore,
        *,
        client_id: str,
        client_secret: str,
        oauth_token_url: str,
        session: requests.Session | None = None,
        limiter: ratelimit.Limiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        retries: int = 5,
        backoff: float = 1.0,
        timeout: float = 30.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.tokens = tokens
        self.oauth = RefreshingTokens(tokens, now, self._refresh_grant)
        self._now = now
        self._client_id, self._client_secret = client_id, client_secret
        self._oauth_url = oauth_token_url
        self._http = session or requests.Session()
        self._limiter = limiter or ratelimit.LeakyBucket()
        self._sleep = sleep
        self._retries, self._backoff, self._timeout = retries, backoff, timeout
        self.calls = 0  # HTTP requests made, for the benchmark and the tests

    # --- calls ------------------------------------------------------------------------------
    def call(self, method: str, params: Mapping[str, Any] | None = None) -> Answer:
        """Call ``method``; refresh shortly before expiry and once on ``expired_token``; retry
        transient failures."""
        tokens = self.oauth.current()
        try:
            return self._with_retries(method, params or {}, tokens)
        except _Expired:
            fresh = self.refresh(tokens)
            try:
                return self._with_retries(method, params or {}, fresh)
            except _Expired as again:
                raise CrmAuthLost(f"{method}: token expired right after a refresh") from again

    def batch(
        self, commands: Mapping[str, tuple[str, Mapping[str, Any]]], *, halt: bool = False
    ) -> BatchAnswer:
        """Run up to 50 commands in one ``batch`` call; per-command errors come back keyed."""
        if len(commands) > MAX_BATCH:
            raise ValueError(f"a batch takes at most {MAX_BATCH} commands")
        if not commands:
            return BatchAnswer()
        cmd = {key: f"{method}?{phpquery.encode(p)}" for key, (method, p) in commands.items()}
        answer = self.call("batch", {"halt": 1 if halt else 0, "cmd": cmd}).result
        errors = {
            key: Bitrix24Error(str(e.get("error", "")), str(e.get("error_description", "")))
            for key, e in _keyed(answer.get("result_error")).items()
        }
        return BatchAnswer(_keyed(answer.get("result")), errors)

    def batch_all(self, commands: Sequence[tuple[str, str, Mapping[str, Any]]]) -> BatchAnswer:
        """Run (key, method, params) commands in batches of 50, in order."""
        results: dict[str, Any] = {}
        errors: dict[str, Bitrix24Error] = {}
        for start in range(0, len(commands), MAX_BATCH):
            chunk = commands[start : start + MAX_BATCH]
            answer = self.batch({key: (method, params) for key, method, params in chunk})
            results.update(answer.results)
            errors.update(answer.errors)
        return BatchAnswer(results, errors)

    def list_all(self, method: str, params: Mapping[str, Any], key: str = "") -> Iterator[Any]:
        """Every item of a list method, page by page (``start`` = previous ``next``)."""
        start: int | None = 0
        while start is not None:
            answer = self.call(method, {**params, "start": start})
            page = answer.result[key] if key else answer.result
            yield from page
            start = answer.next

    # --- transport --------------------------------------------------------------------------
    def _with_retries(self, method: str, params: Mapping[str, Any], tokens: OAuthTokens) -> Answer:
        endpoint = tokens.extra.get("client_endpoint", "")
        if not endpoint:
            raise CrmAuthLost("no client_endpoint stored for this portal")
        for attempt in range(self._retries + 1):
            try:
                return self._once(f"{endpoint}{method}", method, params, tokens.access_token)
            except CrmUnavailable as err:
                if attempt == self._retries:
                    raise
                delay = ratelimit.backoff_delay(attempt, self._backoff)
                log.info("bitrix24 %s: %s, retry in %.1fs", method, err, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, url: str, method: str, params: Mapping[str, Any], token: str) -> Answer:
        self._limiter.acquire()
        self.calls += 1
        try:
            response = self._http.post(url, json={**params, "auth": token}, timeout=self._timeout)
        except (requests.Timeout, requests.ConnectionError) as err:
            raise CrmUnavailable(f"{method}: {type(err).__name__}") from err
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.ok and "result" in body:
            return Answer(body["result"], body.get("total"), body.get("next"))
        code = str(body.get("error", "") or "")
        description = str(body.get("error_description", "") or response.reason)
        if code == "expired_token":
            raise _Expired(description)
        if response.status_code in {429, 503} or code == "QUERY_LIMIT_EXCEEDED":
            ratelimit.back_off(self._limiter)  # every process pauses this portal's calls
        if response.status_code in {429, 500, 502, 503, 504} or code in _TRANSIENT_CODES:
            raise CrmUnavailable(f"{method}: {response.status_code} {code} {description}")
        if code in {"invalid_token", "NO_AUTH_FOUND", "INVALID_CREDENTIALS"}:
            raise CrmAuthLost(f"{method}: {code} {description}")
        if code == "NOT_FOUND" or description.lower() == "not found":
            raise CrmNotFound(f"{method}: {description}")
        raise Bitrix24Error(code, description, response.status_code)

    # --- OAuth ------------------------------------------------------------------------------
    def refresh(self, used: OAuthTokens) -> OAuthTokens:
        """One refresh at a time per portal (``oauth.RefreshingTokens``); whoever waited
        reuses the new pair."""
        return self.oauth.refresh(used.access_token)

    def _refresh_grant(self, current: OAuthTokens) -> OAuthTokens:
        try:
            response = self._http.get(
                self._oauth_url,
                params={
                    "grant_type": "refresh_token",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                    "refresh_token": current.refresh_token,
                },
                timeout=self._timeout,
            )
        except (requests.Timeout, requests.ConnectionError) as err:
            raise CrmUnavailable(f"oauth refresh: {type(err).__name__}") from err
        body = response.json() if response.content else {}
        if response.status_code >= 500:
            raise CrmUnavailable(f"oauth refresh: {response.status_code}")
        if not response.ok or "access_token" not in body:
            raise CrmAuthLost(f"refresh failed: {body.get('error', response.status_code)}")
        endpoints = {k: str(body[k]) for k in ("client_endpoint", "server_endpoint") if k in body}
        return OAuthTokens(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_at=self._now() + timedelta(seconds=int(body.get("expires_in", 3600))),
            extra={**current.extra, **endpoints},
        )


class _Expired(Exception):
    """Internal: the access token expired; ``call`` refreshes and repeats once."""


def _call_with(client_endpoint: str, token: str, method: str, timeout: float) -> Any:
    """``result`` of ``method`` called with a user's token, or None on any failure. No secret
    is sent: only the token the portal itself handed over."""
    if not client_endpoint or not token:
        return None
    try:
        response = requests.post(
            f"{client_endpoint}{method}", json={"auth": token}, timeout=timeout
        )
    except (requests.Timeout, requests.ConnectionError):
        return None
    if not response.ok:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("result") if isinstance(body, dict) else None


def auth_id_is_valid(
    client_endpoint: str, auth_id: str, app_code: str, timeout: float = 15.0
) -> bool:
    """True when ``auth_id`` is a live token of our app on the portal at ``client_endpoint``.

    How a placement or app-page request is checked: call ``app.info`` with the token it carries.
    Its ``CODE`` is the application code (api-reference/common/system/app-info: e.g.
    ``telefum24.kp10``): a Market app's ``vendor.appname``, a local app's client id, so the
    caller passes ``BITRIX24_APP_CODE`` or the client id. The endpoint must be the one stored
    for the portal (or built from an allowed DOMAIN), never one named by the request.
    """
    result = _call_with(client_endpoint, auth_id, "app.info", timeout)
    return isinstance(result, dict) and str(result.get("CODE", "")) == app_code


def user_is_admin(client_endpoint: str, auth_id: str, timeout: float = 15.0) -> bool:
    """True when the user whose token this is may manage the app's settings: ``user.admin``
    (scope basic, api-reference/common/users/user-admin) answers ``true``."""
    return _call_with(client_endpoint, auth_id, "user.admin", timeout) is True


def current_user(client_endpoint: str, auth_id: str, timeout: float = 15.0) -> tuple[str, str]:
    """(id, "Name Last name") of the user whose token this is: ``user.current``
    (api-reference/user/user-current); empty strings when the portal does not say."""
    result = _call_with(client_endpoint, auth_id, "user.current", timeout)
    if not isinstance(result, dict):
        return "", ""
    name = " ".join(str(result.get(k) or "") for k in ("NAME", "LAST_NAME")).strip()
    return str(result.get("ID", "")), name
