"""OAuth tokens of one portal and where adapters keep them.

Both CRMs rotate refresh tokens (Bitrix24: every refresh; amoCRM: single-use), so a refresh
must happen under a per-portal lock, re-read the tokens inside the lock (another worker may
have refreshed already), and save the new pair before using it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class OAuthTokens:
    """An access/refresh pair and when the access token expires (aware UTC)."""

    access_token: str
    refresh_token: str
    expires_at: datetime
    extra: dict[str, str] = field(default_factory=dict)  # endpoints, domain, member_id, ...

    def expires_soon(self, now: datetime | None = None) -> bool:
        moment = now or datetime.now(UTC)
        return self.expires_at - REFRESH_MARGIN <= moment


class TokenStore(Protocol):
    """Tokens of one portal, stored encrypted by the implementation."""

    def load(self) -> OAuthTokens:
        """The current pair; raises ``crm_mappings.port.CrmAuthLost`` if there is none."""
        ...

    def save(self, tokens: OAuthTokens) -> None:
        """Persist a new pair at once (committed before the caller uses it)."""
        ...

    def refresh_lock(self) -> AbstractContextManager[object]:
        """Hold while refreshing: one refresh at a time per portal, across processes."""
        ...

    def mark_auth_lost(self, reason: str) -> None:
        """Record that the refresh token is dead so the admin can be told."""
        ...


class MemoryTokenStore:
    """A process-local store for unit tests and the sandbox; the lock is a thread lock."""

    def __init__(self, tokens: OAuthTokens | None = None) -> None:
        import threading

        self._tokens = tokens
        self._lock = threading.Lock()
        self.auth_lost: str | None = None

    def load(self) -> OAuthTokens:
        from crm_mappings.port import CrmAuthLost

        if self._tokens is None:
            raise CrmAuthLost("no tokens stored for this portal")
        return self._tokens

    def save(self, tokens: OAuthTokens) -> None:
        self._tokens = tokens

    def refresh_lock(self) -> AbstractContextManager[object]:
        return self._lock

    def mark_auth_lost(self, reason: str) -> None:
        self.auth_lost = reason
