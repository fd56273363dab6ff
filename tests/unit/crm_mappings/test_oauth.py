"""The OAuth core both CRM clients share: refreshed before the margin, once per portal under
the lock, another worker's fresh pair reused, a refusal recorded."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from crm_mappings.oauth import RefreshingTokens
from crm_mappings.port import CrmAuthLost, CrmUnavailable
from crm_mappings.tokens import MemoryTokenStore, OAuthTokens

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def _pair(name: str, ends_in: timedelta) -> OAuthTokens:
    return OAuthTokens(f"access-{name}", f"refresh-{name}", NOW + ends_in, {"k": "v"})


def test_a_pair_far_from_its_end_is_used_as_stored() -> None:
    store = MemoryTokenStore(_pair("a", timedelta(hours=1)))
    exchanged: list[OAuthTokens] = []

    def exchange(old: OAuthTokens) -> OAuthTokens:
        exchanged.append(old)
        return old

    tokens = RefreshingTokens(store, lambda: NOW, exchange)
    assert tokens.current().access_token == "access-a"
    assert exchanged == []


def test_a_pair_ending_within_the_margin_is_refreshed_and_saved_first() -> None:
    store = MemoryTokenStore(_pair("a", timedelta(minutes=2)))
    tokens = RefreshingTokens(store, lambda: NOW, lambda old: _pair("b", timedelta(hours=1)))
    assert tokens.current().access_token == "access-b"
    assert store.load().refresh_token == "refresh-b"


def test_a_worker_that_waited_reuses_the_pair_another_refreshed() -> None:
    store = MemoryTokenStore(_pair("a", timedelta(hours=1)))
    calls = 0

    def exchange(old: OAuthTokens) -> OAuthTokens:
        nonlocal calls
        calls += 1
        return _pair(f"n{calls}", timedelta(hours=1))

    tokens = RefreshingTokens(store, lambda: NOW, exchange)
    first = tokens.refresh("access-a")  # the CRM said access-a expired
    again = tokens.refresh("access-a")  # a second worker saw the same 401
    assert first == again
    assert calls == 1


def test_concurrent_refreshes_spend_the_single_use_token_once() -> None:
    store = MemoryTokenStore(_pair("a", timedelta(hours=1)))
    spent: list[str] = []

    def exchange(old: OAuthTokens) -> OAuthTokens:
        spent.append(old.refresh_token)
        return _pair(f"n{len(spent)}", timedelta(hours=1))

    tokens = RefreshingTokens(store, lambda: NOW, exchange)
    threads = [threading.Thread(target=tokens.refresh, args=("access-a",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert spent == ["refresh-a"]


def test_a_refused_refresh_marks_the_portal_and_keeps_the_old_pair() -> None:
    store = MemoryTokenStore(_pair("a", timedelta(minutes=1)))

    def refused(old: OAuthTokens) -> OAuthTokens:
        raise CrmAuthLost("refresh refused (400): invalid_grant")

    with pytest.raises(CrmAuthLost):
        RefreshingTokens(store, lambda: NOW, refused).current()
    assert store.auth_lost == "refresh refused (400): invalid_grant"
    assert store.load().access_token == "access-a"


def test_an_unreachable_token_server_is_not_a_lost_portal() -> None:
    store = MemoryTokenStore(_pair("a", timedelta(minutes=1)))

    def down(old: OAuthTokens) -> OAuthTokens:
        raise CrmUnavailable("oauth refresh: 503")

    with pytest.raises(CrmUnavailable):
        RefreshingTokens(store, lambda: NOW, down).current()
    assert store.auth_lost is None
