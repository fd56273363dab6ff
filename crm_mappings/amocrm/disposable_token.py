"""Verification of amoCRM's disposable (one-time) token sent by the widget as ``X-Auth-Token``.

https://www.amocrm.com/developers/content/oauth/one-time-tokens-for-integrations/ (and
https://developers.kommo.com/docs/one-time-tokens): a JWT signed HS256 with the integration's
secret key; claims ``iss`` (account address), ``aud`` (base address of the integration's
redirect_uri), ``jti``, ``iat``, ``nbf``, ``exp``, ``account_id``, ``user_id``,
``client_uuid``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import jwt


class InvalidWidgetToken(Exception):
    """The token is missing, forged, expired, for another integration or another account."""


@dataclass(frozen=True)
class WidgetCaller:
    """Who called: the account and the user the token was issued for."""

    account_id: str
    user_id: str
    issuer: str
    token_id: str


def audience_for(redirect_uri: str) -> str:
    """The ``aud`` amoCRM puts in the token: scheme and host of the redirect_uri."""
    parts = urlsplit(redirect_uri)
    return f"{parts.scheme}://{parts.netloc}"


def verify_widget_token(
    token: str, *, secret: str, audience: str, now: datetime, leeway: int = 5
) -> WidgetCaller:
    """Check signature, algorithm, audience, nbf/exp and the presence of the account."""
    if not token:
        raise InvalidWidgetToken("no X-Auth-Token")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=audience,
            leeway=leeway,
            options={
                "require": ["exp", "aud", "iss", "account_id"],
                # times are checked below against the injected clock, not the wall clock
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise InvalidWidgetToken(str(exc)) from exc
    moment = now.timestamp()
    if int(claims["exp"]) + leeway < moment:
        raise InvalidWidgetToken("token expired")
    if int(claims.get("nbf", 0)) - leeway > moment:
        raise InvalidWidgetToken("token not yet valid")
    return WidgetCaller(
        account_id=str(claims["account_id"]),
        user_id=str(claims.get("user_id", "")),
        issuer=str(claims["iss"]),
        token_id=str(claims.get("jti", "")),
    )


def issue_widget_token(
    *,
    secret: str,
    audience: str,
    account_id: str,
    user_id: str,
    subdomain: str,
    now: datetime,
    ttl: int = 900,
    jti: str = "sandbox",
) -> str:
    """Make a token as amoCRM would (the sandbox account and tests use it)."""
    moment = int(now.timestamp())
    claims = {
        "iss": f"https://{subdomain}.amocrm.ru",
        "aud": audience,
        "jti": jti,
        "iat": moment,
        "nbf": moment,
        "exp": moment + ttl,
        "account_id": int(account_id),
        "user_id": int(user_id),
        "client_uuid": "rentflow",
    }
    return jwt.encode(claims, secret, algorithm="HS256")
