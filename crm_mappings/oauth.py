"""The OAuth core both CRM clients share: a portal's tokens, refreshed before they end and
when the CRM says they did, one refresh at a time.

Both CRMs rotate refresh tokens (Bitrix24 on every refresh, amoCRM's are single-use), so a
refresh runs under the store's per-portal lock, re-reads the pair inside it (another worker
may have refreshed while this one waited) and saves the new pair before anyone uses it; a
refusal marks the portal AUTH_LOST (``TokenStore.mark_auth_lost``). What the refresh request
looks like is each client's own ``exchange``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm_mappings.port import CrmAuthLost
from crm_mappings.tokens import OAuthTokens, TokenStore

# the stored pair -> the CRM's new pair; CrmUnavailable to try later, CrmAuthLost when refused
Exchange = Callable[[OAuthTokens], OAuthTokens]


class RefreshingTokens:
    """One portal's tokens as a client uses them."""

    def __init__(self, store: TokenStore, now: Callable[[], datetime], exchange: Exchange):
        self.store = store
        self._now = now
        self._exchange = exchange

    def current(self) -> OAuthTokens:
        """The pair to call with: refreshed first when it ends within the margin."""
        tokens = self.store.load()
        if tokens.expires_soon(self._now()):
            tokens = self.refresh(tokens.access_token)
        return tokens

    def refresh(self, stale_access_token: str) -> OAuthTokens:
        """Refresh once per portal at a time; return the pair to use from now on. Whoever
        waited for another worker's refresh reuses its pair."""
        with self.store.refresh_lock():
            current = self.store.load()
            if current.access_token != stale_access_token and not current.expires_soon(self._now()):
                return current  # another worker refreshed while we waited
            try:
                fresh = self._exchange(current)
            except CrmAuthLost as refused:
                self.store.mark_auth_lost(str(refused))
                raise
            self.store.save(fresh)  # durable before anyone uses it: the old one is spent
            return fresh
