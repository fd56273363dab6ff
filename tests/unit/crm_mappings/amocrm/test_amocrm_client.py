"""amoCRM's wire format and errors, answered by ``responses``: the bearer call, the refresh
grant on a 401, Retry-After, 204 and 404, a refused refresh
(https://www.amocrm.ru/developers/content/oauth/step-by-step,
https://www.amocrm.ru/developers/content/api/recommendations)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import responses
from responses import matchers

from crm_mappings.amocrm.client import AmoClient
from crm_mappings.amocrm.hosts import AccountHosts
from crm_mappings.port import CrmAuthLost, CrmNotFound, CrmUnavailable
from crm_mappings.ratelimit import LeakyBucket
from crm_mappings.tokens import MemoryTokenStore, OAuthTokens

BASE = "https://acme.amocrm.ru"
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def _client(
    ends_in: timedelta = timedelta(hours=1),
) -> tuple[AmoClient, MemoryTokenStore, list[float]]:
    store = MemoryTokenStore(
        OAuthTokens("old-access", "old-refresh", NOW + ends_in, {"base_url": BASE})
    )
    slept: list[float] = []
    client = AmoClient(
        store,
        client_id="cid",
        client_secret="secret",
        redirect_uri="https://rentflow.example/amocrm/oauth",
        hosts=AccountHosts(("*.amocrm.ru",)),
        limiter=LeakyBucket(burst=1000),
        sleep=slept.append,
        now=lambda: NOW,
        attempts=3,
    )
    return client, store, slept


def _grant(access: str) -> dict[str, object]:
    return {
        "token_type": "Bearer",
        "expires_in": 86400,
        "access_token": access,
        "refresh_token": f"{access}-refresh",
    }


@responses.activate
def test_a_call_carries_the_bearer_token_and_decodes_json() -> None:
    responses.get(
        f"{BASE}/api/v4/leads/7",
        json={"id": 7},
        match=[matchers.header_matcher({"Authorization": "Bearer old-access"})],
    )
    client, _store, _slept = _client()
    assert client.request("GET", "/api/v4/leads/7") == {"id": 7}


@responses.activate
def test_a_401_refreshes_with_the_refresh_grant_and_repeats_the_call() -> None:
    responses.get(f"{BASE}/api/v4/account", status=401)
    responses.post(
        f"{BASE}/oauth2/access_token",
        json=_grant("new-access"),
        match=[
            matchers.json_params_matcher(
                {
                    "client_id": "cid",
                    "client_secret": "secret",
                    "grant_type": "refresh_token",
                    "refresh_token": "old-refresh",
                    "redirect_uri": "https://rentflow.example/amocrm/oauth",
                }
            )
        ],
    )
    responses.get(
        f"{BASE}/api/v4/account",
        json={"id": 1},
        match=[matchers.header_matcher({"Authorization": "Bearer new-access"})],
    )
    client, store, _slept = _client()
    assert client.request("GET", "/api/v4/account") == {"id": 1}
    saved = store.load()
    assert (saved.access_token, saved.refresh_token) == ("new-access", "new-access-refresh")
    assert saved.expires_at == NOW + timedelta(days=1)
    assert saved.extra == {"base_url": BASE}


@responses.activate
def test_a_refused_refresh_marks_the_account_lost() -> None:
    responses.post(
        f"{BASE}/oauth2/access_token", status=400, json={"hint": "Token has been revoked"}
    )
    client, store, _slept = _client(ends_in=timedelta(minutes=1))
    with pytest.raises(CrmAuthLost, match="refresh refused"):
        client.request("GET", "/api/v4/account")
    assert "400" in (store.auth_lost or "")


@responses.activate
def test_429_waits_as_long_as_retry_after_says_then_gives_up_as_unavailable() -> None:
    for _ in range(3):
        responses.get(f"{BASE}/api/v4/leads", status=429, headers={"Retry-After": "2"})
    client, _store, slept = _client()
    with pytest.raises(CrmUnavailable, match="still failing after 3 tries"):
        client.request("GET", "/api/v4/leads")
    assert slept == [2.0, 2.0, 2.0]


@responses.activate
def test_a_5xx_backs_off_exponentially_then_succeeds() -> None:
    responses.patch(f"{BASE}/api/v4/leads", status=502)
    responses.patch(f"{BASE}/api/v4/leads", status=504)
    responses.patch(f"{BASE}/api/v4/leads", json={"_embedded": {"leads": []}})
    client, _store, slept = _client()
    assert client.request("PATCH", "/api/v4/leads", json=[{"id": 1}]) == {
        "_embedded": {"leads": []}
    }
    assert slept == [0.5, 1.0]
    assert json.loads(responses.calls[-1].request.body or b"") == [{"id": 1}]


@responses.activate
def test_204_is_none_and_404_is_not_found() -> None:
    responses.get(f"{BASE}/api/v4/webhooks", status=204)
    responses.get(f"{BASE}/api/v4/leads/9", status=404)
    client, _store, _slept = _client()
    assert client.request("GET", "/api/v4/webhooks") is None
    with pytest.raises(CrmNotFound):
        client.request("GET", "/api/v4/leads/9")
