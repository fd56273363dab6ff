"""The widget's disposable token is accepted only when signature, audience, time and account fit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from crm_mappings.amocrm.disposable_token import (
    InvalidWidgetToken,
    audience_for,
    issue_widget_token,
    verify_widget_token,
)

SECRET = "s" * 64
AUD = "https://rentflow.example"
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def _token(**overrides: object) -> str:
    values: dict[str, object] = {
        "secret": SECRET,
        "audience": AUD,
        "account_id": "30000001",
        "user_id": "9001",
        "subdomain": "acme",
        "now": NOW,
    }
    values.update(overrides)
    return issue_widget_token(**values)  # type: ignore[arg-type]


def test_a_good_token_names_the_account_and_user() -> None:
    caller = verify_widget_token(_token(), secret=SECRET, audience=AUD, now=NOW)
    assert (caller.account_id, caller.user_id, caller.issuer) == (
        "30000001",
        "9001",
        "https://acme.amocrm.ru",
    )


@pytest.mark.parametrize(
    "token",
    [
        _token(secret="x" * 64),
        _token(audience="https://other.example"),
        _token(now=NOW - timedelta(hours=1)),
        _token(now=NOW + timedelta(hours=1)),
        "",
        "not.a.jwt",
    ],
    ids=["forged", "other-audience", "expired", "not-yet-valid", "missing", "garbage"],
)
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidWidgetToken):
        verify_widget_token(token, secret=SECRET, audience=AUD, now=NOW)


def test_a_token_without_account_is_refused() -> None:
    token = jwt.encode(
        {"iss": "x", "aud": AUD, "exp": int(NOW.timestamp()) + 60}, SECRET, algorithm="HS256"
    )
    with pytest.raises(InvalidWidgetToken):
        verify_widget_token(token, secret=SECRET, audience=AUD, now=NOW)


def test_audience_is_the_redirect_uri_scheme_and_host_without_port() -> None:
    assert audience_for("https://rentflow.example/amocrm/oauth") == "https://rentflow.example"
    assert audience_for("http://127.0.0.1:8000/amocrm/oauth") == "http://127.0.0.1"


def _signed(**claims: object) -> str:
    moment = int(NOW.timestamp())
    body: dict[str, object] = {"iss": "https://acme.amocrm.ru", "aud": AUD, "jti": "j-1",
                               "iat": moment, "nbf": moment, "exp": moment + 900,
                               "account_id": 30000001}  # fmt: skip
    body.update(claims)
    return jwt.encode({k: v for k, v in body.items() if v is not None}, SECRET, "HS256")


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": 10**12},
        {"iat": int(NOW.timestamp()) - 7200, "nbf": None, "exp": int(NOW.timestamp()) + 60},
        {"jti": None},
        {"jti": ""},
        {"iat": None},
        {"exp": "soon"},
    ],
    ids=["exp-10^12", "lived-two-hours", "no-jti", "empty-jti", "no-iat", "text-exp"],
)
def test_tokens_beyond_amocrm_s_shape_are_refused(claims: dict[str, object]) -> None:
    with pytest.raises(InvalidWidgetToken):
        verify_widget_token(_signed(**claims), secret=SECRET, audience=AUD, now=NOW)


def test_a_good_token_says_until_when_its_jti_must_be_remembered() -> None:
    caller = verify_widget_token(_signed(), secret=SECRET, audience=AUD, now=NOW)
    assert caller.token_id == "j-1"
    assert caller.expires_at == NOW + timedelta(seconds=905)  # exp plus the leeway


def test_issued_tokens_get_a_fresh_jti_each() -> None:
    first = jwt.decode(_token(), options={"verify_signature": False})
    second = jwt.decode(_token(), options={"verify_signature": False})
    assert first["jti"] != second["jti"]
