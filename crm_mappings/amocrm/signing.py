"""rentflow's own secrets towards amoCRM: the OAuth ``state`` of an install and the
per-account secrets of the addresses amoCRM calls (webhooks, digital pipeline).

- ``state``: amoCRM's authorization URL and button carry ``state`` and hand it back to the
  redirect_uri with ``code`` and ``referer``
  (https://www.amocrm.ru/developers/content/oauth/step-by-step, "Получение Authorization
  code"; the official client's examples/get_token.php in github:amocrm/amocrm-api-php checks
  it). Ours is ``<nonce>.<issued unix time>.<HMAC>`` keyed with SECRET_KEY, valid for the
  20 minutes an authorization code lives, and spent once (the caller records the nonce).
- per-account secrets: amoCRM signs neither webhooks
  (https://www.amocrm.ru/developers/content/crm_platform/webhooks-format) nor
  digital-pipeline calls (https://developers.kommo.com/docs/widgets-dp), so rentflow puts a
  secret of its own, derived from SECRET_KEY and the account id, where only amoCRM learns
  it: the webhook destination rentflow registers through the API and the digital-pipeline
  action's settings, which amoCRM echoes back in every call. Derived, not stored: nothing
  to seal at rest; changing SECRET_KEY changes them (reinstall to register again).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

STATE_TTL = timedelta(minutes=20)  # an authorization code lives 20 minutes (step-by-step)


class InvalidState(Exception):
    """The OAuth ``state`` is missing, forged or too old."""


@dataclass(frozen=True)
class InstallState:
    """A verified ``state``: its nonce (to spend once) and when it stops being valid."""

    nonce: str
    expires_at: datetime


def _mac(key: str, purpose: str, message: str) -> str:
    keyed = hmac.new(key.encode(), f"rentflow:amocrm:{purpose}".encode(), hashlib.sha256)
    return hmac.new(keyed.digest(), message.encode(), hashlib.sha256).hexdigest()


def issue_state(key: str, now: datetime) -> str:
    """A fresh ``state`` for the authorization URL."""
    body = f"{secrets.token_urlsafe(16)}.{int(now.timestamp())}"
    return f"{body}.{_mac(key, 'state', body)}"


def verify_state(state: str, key: str, now: datetime) -> InstallState:
    """Check the signature and age of ``state``; raises ``InvalidState``."""
    nonce, _, rest = state.partition(".")
    issued, _, mac = rest.partition(".")
    if not nonce or not issued.isdigit() or not mac:
        raise InvalidState("no valid state")
    if not hmac.compare_digest(_mac(key, "state", f"{nonce}.{issued}"), mac):
        raise InvalidState("state not signed by this rentflow")
    try:
        expires_at = datetime.fromtimestamp(int(issued), tz=now.tzinfo) + STATE_TTL
    except (OverflowError, ValueError, OSError) as exc:
        raise InvalidState("state time out of range") from exc
    if expires_at < now:
        raise InvalidState("state expired")
    return InstallState(nonce, expires_at)


def account_secret(key: str, account_id: str, purpose: str) -> str:
    """The secret of one account for one door (``"webhook"``, ``"dp"``)."""
    return _mac(key, purpose, str(account_id))[:40]


def account_secret_ok(key: str, account_id: str, purpose: str, given: str) -> bool:
    """Whether ``given`` is the account's secret for ``purpose`` (constant time)."""
    return bool(given) and hmac.compare_digest(
        account_secret(key, account_id, purpose).encode(), given.encode()
    )
