"""Bitrix24's wire format and errors, answered by ``responses``: ``auth`` in the body, the
refresh on ``expired_token`` through the OAuth server, QUERY_LIMIT_EXCEEDED retried, a dead
token, NOT_FOUND, ``batch`` (EN apidocs.bitrix24.com: settings/how-to-call-rest-api,
settings/oauth/auto-renewal, limits, settings/how-to-call-rest-api/batch)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import responses
from responses import matchers

from crm_mappings.bitrix24.client import Bitrix24Client, Bitrix24Error
from crm_mappings.port import CrmAuthLost, CrmNotFound, CrmUnavailable
from crm_mappings.ratelimit import LeakyBucket
from crm_mappings.tokens import MemoryTokenStore, OAuthTokens

ENDPOINT = "https://acme.bitrix24.ru/rest/"
OAUTH = "https://oauth.bitrix.info/oauth/token/"
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def _client(
    ends_in: timedelta = timedelta(hours=1),
) -> tuple[Bitrix24Client, MemoryTokenStore, list[float]]:
    store = MemoryTokenStore(
        OAuthTokens("old-access", "old-refresh", NOW + ends_in, {"client_endpoint": ENDPOINT})
    )
    slept: list[float] = []
    client = Bitrix24Client(
        store,
        client_id="app.1",
        client_secret="secret",
        oauth_token_url=OAUTH,
        limiter=LeakyBucket(burst=1000),
        sleep=slept.append,
        retries=2,
        now=lambda: NOW,
    )
    return client, store, slept


@responses.activate
def test_a_call_posts_its_params_with_auth_and_reads_result_total_next() -> None:
    responses.post(
        f"{ENDPOINT}crm.deal.list",
        json={"result": [{"ID": "1"}], "total": 60, "next": 50},
        match=[matchers.json_params_matcher({"start": 0, "auth": "old-access"})],
    )
    client, _store, _slept = _client()
    answer = client.call("crm.deal.list", {"start": 0})
    assert (answer.result, answer.total, answer.next) == ([{"ID": "1"}], 60, 50)


@responses.activate
def test_expired_token_refreshes_at_the_oauth_server_and_repeats() -> None:
    responses.post(
        f"{ENDPOINT}user.current",
        status=401,
        json={
            "error": "expired_token",
            "error_description": "The access token provided has expired.",
        },
    )
    responses.get(
        OAUTH,
        json={
            "access_token": "new-access",
            "refresh_token": "new-refresh",
            "expires_in": 3600,
            "client_endpoint": ENDPOINT,
            "server_endpoint": "https://oauth.bitrix.info/rest/",
        },
        match=[
            matchers.query_param_matcher(
                {
                    "grant_type": "refresh_token",
                    "client_id": "app.1",
                    "client_secret": "secret",
                    "refresh_token": "old-refresh",
                }
            )
        ],
    )
    responses.post(
        f"{ENDPOINT}user.current",
        json={"result": {"ID": "1"}},
        match=[matchers.json_params_matcher({"auth": "new-access"})],
    )
    client, store, _slept = _client()
    assert client.call("user.current").result == {"ID": "1"}
    saved = store.load()
    assert (saved.access_token, saved.refresh_token) == ("new-access", "new-refresh")
    assert saved.extra["server_endpoint"] == "https://oauth.bitrix.info/rest/"


@responses.activate
def test_a_dead_refresh_token_marks_the_portal_lost() -> None:
    responses.get(OAUTH, status=400, json={"error": "invalid_grant"})
    client, store, _slept = _client(ends_in=timedelta(minutes=1))
    with pytest.raises(CrmAuthLost, match="invalid_grant"):
        client.call("user.current")
    assert store.auth_lost == "refresh failed: invalid_grant"


@responses.activate
def test_query_limit_exceeded_is_retried_with_backoff_then_unavailable() -> None:
    for _ in range(3):
        responses.post(
            f"{ENDPOINT}crm.deal.get",
            status=503,
            json={"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"},
        )
    client, _store, slept = _client()
    with pytest.raises(CrmUnavailable, match="QUERY_LIMIT_EXCEEDED"):
        client.call("crm.deal.get", {"id": 1})
    assert slept == [1.0, 2.0]


@responses.activate
def test_invalid_token_not_found_and_other_errors() -> None:
    responses.post(
        f"{ENDPOINT}profile", status=401, json={"error": "invalid_token", "error_description": "x"}
    )
    responses.post(
        f"{ENDPOINT}crm.deal.get",
        status=400,
        json={"error": "NOT_FOUND", "error_description": "Not found"},
    )
    responses.post(
        f"{ENDPOINT}crm.deal.add",
        status=400,
        json={"error": "ERROR_CORE", "error_description": "bad field"},
    )
    client, _store, _slept = _client()
    with pytest.raises(CrmAuthLost, match="invalid_token"):
        client.call("profile")
    with pytest.raises(CrmNotFound):
        client.call("crm.deal.get", {"id": 9})
    with pytest.raises(Bitrix24Error) as err:
        client.call("crm.deal.add", {"fields": {}})
    assert (err.value.code, err.value.description) == ("ERROR_CORE", "bad field")


@responses.activate
def test_batch_sends_encoded_commands_and_keys_results_and_errors() -> None:
    responses.post(
        f"{ENDPOINT}batch",
        json={
            "result": {
                "result": {"a": {"ID": "1"}},
                "result_error": {"b": {"error": "NOT_FOUND", "error_description": "Not found"}},
            }
        },
    )
    client, _store, _slept = _client()
    answer = client.batch({"a": ("crm.deal.get", {"id": 1}), "b": ("crm.deal.get", {"id": 2})})
    assert answer.results == {"a": {"ID": "1"}}
    assert answer.errors["b"].code == "NOT_FOUND"
    body = json.loads(responses.calls[0].request.body or b"")
    assert body["cmd"] == {"a": "crm.deal.get?id=1", "b": "crm.deal.get?id=2"}
    assert body["halt"] == 0
