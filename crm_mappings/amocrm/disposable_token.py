"""Verification of amoCRM's disposable (one-time) token sent by the widget as ``X-Auth-Token``.

https://www.amocrm.com/developers/content/oauth/one-time-tokens-for-integrations/ (and
https://developers.kommo.com/docs/one-time-tokens): a JWT signed HS256 with the integration's
secret key; claims ``iss`` (account address), ``aud`` (base address of the integration's
redirect_uri), ``jti``, ``iat``, ``nbf``, ``exp``, ``account_id``, ``user_id``,
``client_uuid``.

The audience is ``scheme://host`` of the redirect_uri, without port or path: that is what the
official client checks (``AmoCRMOAuth::parseDisposableToken`` in github:amocrm/amocrm-api-php,
src/AmoCRM/OAuth/AmoCRMOAuth.php: ``sprintf('%s://%s', $uri->getScheme(), $uri->getHost())``,
citing https://www.amocrm.ru/developers/content/web_sdk/mechanics).

"One-time": ``self.$authorizedAjax`` gets a new token for every request it sends (same
pages), so a token is spent by its first use; the caller records ``jti`` in the database
(``backend.db.nonces``) until ``exp``. A token claiming to live longer than
``MAX_LIFETIME`` (``exp`` = 10^12) is refused: amoCRM's live minutes, not years.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import jwt

from backend.config import SANDBOX_AMOCRM_CLIENT_SECRET

MAX_LIFETIME = 3600  # seconds between iat (or nbf) and exp that we accept
# the sandbox account's secret: public (it is in the source), never a production key
SANDBOX_SECRET = SANDBOX_AMOCRM_CLIENT_SECRET


class InvalidWidgetToken(Exception):
    """The token is missing, forged, expired, for another integration or another account."""


@dataclass(frozen=True)
class WidgetCaller:
    """Who called: the account and the user the token was issued for."""

    account_id: str
    user_id: str
    issuer: str
    token_id: str
    expires_at: datetime


def audience_for(redirect_uri: str) -> str:
    """The ``aud`` amoCRM puts in the token: scheme and host (no port) of the redirect_uri."""
    parts = urlsplit(redirect_uri)
    return f"{parts.scheme}://{parts.hostname or ''}"


def verify_widget_token(
    token: str, *, secret: str, audience: str, now: datetime, leeway: int = 5
) -> WidgetCaller:
    """Check signature, algorithm, audience, nbf/exp, a lifetime of at most
    ``MAX_LIFETIME`` and the presence of the account and ``jti`` (spending the ``jti`` is
    the caller's: it needs the database)."""
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
                "require": ["exp", "iat", "aud", "iss", "jti", "account_id"],
                # times are checked below against the injected clock, not the wall clock
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise InvalidWidgetToken(str(exc)) from exc
    try:
        expires, issued = int(claims["exp"]), int(claims["iat"])
        starts = int(claims.get("nbf", issued))
    except (TypeError, ValueError) as exc:
        raise InvalidWidgetToken("non-numeric time claims") from exc
    moment = now.timestamp()
    if expires + leeway < moment:
        raise InvalidWidgetToken("token expired")
    if starts - leeway > moment or issued - leeway > moment:
        raise InvalidWidgetToken("token not yet valid")
    if expires - min(issued, starts) > MAX_LIFETIME:
        raise InvalidWidgetToken("token lifetime too long")
    token_id = str(claims["jti"])
    if not token_id:
        raise InvalidWidgetToken("token without jti")
    return WidgetCaller(
        account_id=str(claims["account_id"]),
        user_id=str(claims.get("user_id", "")),
        issuer=str(claims["iss"]),
        token_id=token_id,
        expires_at=datetime.fromtimestamp(expires + leeway, tz=UTC),
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
    jti: str = "",
) -> str:
    """Make a token as amoCRM would, with a fresh ``jti`` unless given (the sandbox account
    and tests use it)."""
    moment = int(now.timestamp())
    claims = {
        "iss": f"https://{subdomain}.amocrm.ru",
        "aud": audience,
        "jti": jti or str(uuid.uuid4()),
        "iat": moment,
        "nbf": moment,
        "exp": moment + ttl,
        "account_id": int(account_id),
        "user_id": int(user_id),
        "client_uuid": "rentflow",
    }
    return jwt.encode(claims, secret, algorithm="HS256")
