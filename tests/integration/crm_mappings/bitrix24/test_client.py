"""The client against the emulated portal over loopback HTTP."""

from __future__ import annotations

import threading

import pytest
import requests

from crm_mappings.bitrix24.client import Bitrix24Client, Bitrix24Error
from crm_mappings.port import CrmAuthLost, CrmUnavailable
from crm_mappings.tokens import MemoryTokenStore
from sandbox.bitrix24.state import PortalState


def _control(url: str, **switches: object) -> None:
    requests.post(f"{url}_portal/control", json=switches, timeout=10).raise_for_status()


def test_an_expired_token_is_refreshed_once_and_the_new_pair_saved(
    client: Bitrix24Client, store: MemoryTokenStore, portal: PortalState, portal_url: str
) -> None:
    before = store.load()
    _control(portal_url, expire_access=True)

    answer = client.call("app.info")

    after = store.load()
    assert answer.result["CODE"] == "local.rentflow"
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token
    assert before.refresh_token not in portal.refresh_tokens  # rotated: the old one is dead
    assert portal.refreshes == 1


def test_concurrent_expired_calls_refresh_only_once(
    client: Bitrix24Client, portal: PortalState, portal_url: str
) -> None:
    _control(portal_url, expire_access=True)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client.call("profile")
        except BaseException as err:  # collected for the assertion below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert portal.refreshes == 1


def test_a_dead_refresh_token_marks_the_portal_auth_lost(
    client: Bitrix24Client, store: MemoryTokenStore, portal_url: str
) -> None:
    _control(portal_url, expire_access=True, revoke_refresh=True)

    with pytest.raises(CrmAuthLost):
        client.call("profile")

    assert store.auth_lost is not None
    assert "invalid_grant" in store.auth_lost


def test_query_limit_exceeded_is_retried_with_growing_backoff(
    client: Bitrix24Client, sleeps: list[float], portal_url: str
) -> None:
    _control(portal_url, fail_next=2)

    assert client.call("profile").result["ID"] == "1"
    assert sleeps == [0.5, 1.0]


def test_a_portal_that_stays_down_raises_unavailable_after_the_retries(
    client: Bitrix24Client, sleeps: list[float], portal_url: str
) -> None:
    _control(portal_url, down=True)

    with pytest.raises(CrmUnavailable):
        client.call("profile")
    assert len(sleeps) == 3


def test_an_unreachable_portal_is_unavailable_not_an_error(sleeps: list[float]) -> None:
    from tests.integration.crm_mappings.bitrix24.conftest import tokens_for

    store = MemoryTokenStore(tokens_for(PortalState(), "http://127.0.0.1:9/"))
    client = Bitrix24Client(
        store, client_id="x", client_secret="y", oauth_token_url="http://127.0.0.1:9/oauth/token/",
        sleep=sleeps.append, retries=1,
    )  # fmt: skip
    with pytest.raises(CrmUnavailable):
        client.call("profile")


def test_a_batch_returns_results_and_errors_by_key(client: Bitrix24Client) -> None:
    answer = client.batch(
        {
            "me": ("profile", {}),
            "missing": ("crm.item.get", {"entityTypeId": 2, "id": 999}),
            "stages": ("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}}),
        }
    )

    assert answer.results["me"]["ID"] == "1"
    assert [s["STATUS_ID"] for s in answer.results["stages"]][:2] == ["NEW", "PREPARATION"]
    assert answer.errors["missing"].code == "NOT_FOUND"


def test_a_batch_of_more_than_50_commands_is_refused_before_sending(
    client: Bitrix24Client,
) -> None:
    with pytest.raises(ValueError, match="50"):
        client.batch({str(i): ("profile", {}) for i in range(51)})
    assert client.calls == 0


def test_list_all_follows_next_across_pages(client: Bitrix24Client, portal: PortalState) -> None:
    for i in range(120):
        portal.add_deal({"title": f"Deal {i}"})

    items = list(client.list_all("crm.item.list", {"entityTypeId": 2}, "items"))

    assert len(items) == 120
    assert client.calls == 3


def test_an_unknown_method_is_a_definite_error(client: Bitrix24Client) -> None:
    with pytest.raises(Bitrix24Error) as caught:
        client.call("crm.nothing.here")
    assert caught.value.code == "ERROR_METHOD_NOT_FOUND"
    assert caught.value.status == 404


def test_a_token_about_to_expire_is_refreshed_before_the_call(
    portal: PortalState, portal_url: str
) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from tests.integration.crm_mappings.bitrix24.conftest import tokens_for

    soon = replace(
        tokens_for(portal, portal_url), expires_at=datetime.now(UTC) + timedelta(minutes=1)
    )
    store = MemoryTokenStore(soon)
    client = Bitrix24Client(
        store, client_id="local.rentflow", client_secret="sandbox-secret",
        oauth_token_url=f"{portal_url}oauth/token/",
    )  # fmt: skip

    client.call("profile")

    assert portal.refreshes == 1
    assert store.load().access_token != soon.access_token
    assert portal.calls == ["profile"]  # one call: no 401 round trip was needed
