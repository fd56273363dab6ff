"""The emulated portal answers with Bitrix24's shapes over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from sandbox.bitrix24.app import create_emulator
from sandbox.bitrix24.state import LeakyBucket, PortalState
from tests.loopback import serve


@pytest.fixture
def portal() -> PortalState:
    return PortalState(bucket=LeakyBucket(burst=5, drain=0.0001))


@pytest.fixture
def url(portal: PortalState) -> Iterator[str]:
    with serve(create_emulator(portal)) as base:
        yield f"{base}/"


def _call(url: str, method: str, **params: object) -> requests.Response:
    return requests.post(f"{url}rest/{method}", json=params, timeout=10)


def test_calls_beyond_the_burst_get_503_query_limit_exceeded(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    answers = [_call(url, "profile", auth=token) for _ in range(6)]

    assert [a.status_code for a in answers] == [200] * 5 + [503]
    assert answers[-1].json()["error"] == "QUERY_LIMIT_EXCEEDED"


def test_a_limited_stretch_refuses_every_call_then_ends() -> None:
    portal = PortalState()
    with serve(create_emulator(portal)) as base:
        token = portal.issue_tokens()["access_token"]
        requests.post(f"{base}/_portal/control", json={"limit_for": 0.5, "limit_after": 1},
                      timeout=10)  # fmt: skip
        first, refused = (_call(f"{base}/", "profile", auth=token) for _ in range(2))
        time.sleep(0.6)
        after = _call(f"{base}/", "profile", auth=token)

    assert first.status_code == 200
    assert refused.status_code == 503
    # b24restdocs _includes/system-errors.md: 503 QUERY_LIMIT_EXCEEDED "Too many requests"
    assert refused.json() == {
        "error": "QUERY_LIMIT_EXCEEDED",
        "error_description": "Too many requests",
    }
    assert after.status_code == 200
    assert portal.limited == 1


def test_an_expired_token_gets_401_expired_token(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    portal.expire_access_tokens()

    answer = _call(url, "profile", auth=token)

    assert answer.status_code == 401
    assert answer.json()["error"] == "expired_token"


def test_a_call_without_auth_gets_401_no_auth_found(url: str) -> None:
    answer = _call(url, "profile")
    assert (answer.status_code, answer.json()["error"]) == (401, "NO_AUTH_FOUND")


def test_the_refresh_rotates_and_the_old_refresh_token_dies(portal: PortalState, url: str) -> None:
    old = portal.issue_tokens()["refresh_token"]
    query = {"grant_type": "refresh_token", "client_id": portal.client_id,
             "client_secret": portal.client_secret, "refresh_token": old}  # fmt: skip

    first = requests.get(f"{url}oauth/token/", params=query, timeout=10)
    again = requests.get(f"{url}oauth/token/", params=query, timeout=10)

    assert first.status_code == 200
    assert first.json()["refresh_token"] != old
    assert first.json()["member_id"] == portal.member_id
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_batch_with_halt_stops_at_the_first_error(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    cmd = {"a": "crm.item.get?entityTypeId=2&id=1", "b": "profile"}

    halted = _call(url, "batch", auth=token, halt=1, cmd=cmd).json()["result"]
    full = _call(url, "batch", auth=token, halt=0, cmd=cmd).json()["result"]

    assert halted["result"] == []
    assert halted["result_error"]["a"]["error"] == "NOT_FOUND"
    assert full["result"]["b"]["ID"] == "1"


def test_batch_refuses_more_than_50_commands(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    cmd = {f"c{i}": "profile" for i in range(51)}

    answer = _call(url, "batch", auth=token, cmd=cmd)

    assert (answer.status_code, answer.json()["error"]) == (400, "ERROR_BATCH_LENGTH_EXCEEDED")


def test_batch_commands_can_use_earlier_results(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    cmd = {
        "new": "crm.item.add?entityTypeId=2&fields[title]=Первая",
        "read": "crm.item.get?entityTypeId=2&id=$result[new][item][id]",
    }

    answer = _call(url, "batch", auth=token, cmd=cmd).json()["result"]

    assert answer["result"]["read"]["item"]["title"] == "Первая"


def test_lists_page_by_50_with_total_and_next(portal: PortalState, url: str) -> None:
    token = portal.issue_tokens()["access_token"]
    for _ in range(60):
        portal.add_deal({})

    first = _call(url, "crm.item.list", auth=token, entityTypeId=2).json()
    last = _call(url, "crm.item.list", auth=token, entityTypeId=2, start=50).json()

    assert (len(first["result"]["items"]), first["total"], first["next"]) == (50, 60, 50)
    assert len(last["result"]["items"]) == 10
    assert "next" not in last
