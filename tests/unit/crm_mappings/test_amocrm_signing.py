"""The install ``state`` and the per-account secrets of rentflow's amoCRM doors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm_mappings.amocrm.signing import (
    STATE_TTL,
    InvalidState,
    _mac,
    account_secret,
    account_secret_ok,
    issue_state,
    verify_state,
)

KEY = "rentflow-secret-key"
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def test_a_fresh_state_verifies_until_the_code_would_have_expired() -> None:
    state = issue_state(KEY, NOW)
    checked = verify_state(state, KEY, NOW + STATE_TTL)
    assert checked.expires_at == NOW + STATE_TTL
    assert checked.nonce == state.split(".")[0]
    with pytest.raises(InvalidState):
        verify_state(state, KEY, NOW + STATE_TTL + timedelta(seconds=1))


@pytest.mark.parametrize(
    "state",
    ["", "x", "a.b.c", "a.1769947200.", "{tampered}", "{other_key}"],
)
def test_a_forged_or_broken_state_is_refused(state: str) -> None:
    good = issue_state(KEY, NOW)
    nonce, issued, mac = good.split(".")
    given = state.format(
        tampered=f"{nonce}.{int(issued) + 60}.{mac}", other_key=issue_state("other", NOW)
    )
    with pytest.raises(InvalidState):
        verify_state(given, KEY, NOW)


def test_a_signed_state_with_an_absurd_time_is_refused_not_a_crash() -> None:
    body = "n." + "9" * 30  # signed by the key itself, so only the time can refuse it
    with pytest.raises(InvalidState):
        verify_state(f"{body}.{_mac(KEY, 'state', body)}", KEY, NOW)


def test_two_states_differ() -> None:
    assert issue_state(KEY, NOW) != issue_state(KEY, NOW)


def test_account_secrets_differ_by_account_purpose_and_key() -> None:
    secrets = {
        account_secret(KEY, "30000001", "webhook"),
        account_secret(KEY, "30000002", "webhook"),
        account_secret(KEY, "30000001", "dp"),
        account_secret("another-key", "30000001", "webhook"),
    }
    assert len(secrets) == 4
    mine = account_secret(KEY, "30000001", "dp")
    assert account_secret_ok(KEY, "30000001", "dp", mine)
    assert not account_secret_ok(KEY, "30000002", "dp", mine)
    assert not account_secret_ok(KEY, "30000001", "dp", "")
