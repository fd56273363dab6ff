"""Bitrix24's side of installing (``crm_mappings.accounts.CrmAccounts``).

Bitrix24 hands its tokens to the install POST and ONAPPINSTALL itself, revokes them and
drops the app's event handlers when the app is removed (common/events/on-app-uninstall), and
calls the handlers ``setup.setup_portal`` bound at install at the addresses given then: there
is nothing to release or resubscribe. What is left is a refresh of tokens nobody used lately.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from backend.domain.portal import Portal
from crm_mappings.bitrix24.adapter import bitrix24_crm
from crm_mappings.tokens import TokenStore

if TYPE_CHECKING:
    from backend.config import Settings
    from backend.ports import Clock


class Bitrix24Accounts:
    """Installing Bitrix24 portals, beside what the web layer checks of the install POST."""

    def __init__(
        self, settings: Settings, clock: Clock, tokens: Callable[[Portal], TokenStore]
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.tokens = tokens

    def release(self, portal: Portal) -> None:
        """Nothing: Bitrix24 removes the app's handlers and tokens itself."""

    def refresh_if_ending(self, portal: Portal, within: timedelta) -> bool:
        """Refresh the portal's tokens when they end within ``within`` (one refresh per
        portal at a time, ``Bitrix24Client.refresh``); a refusal marks it AUTH_LOST."""
        client = bitrix24_crm(self.settings, self.tokens(portal), self.clock, portal).client
        tokens = client.tokens.load()
        if tokens.expires_at - within > self.clock.now():
            return False
        client.refresh(tokens)
        return True

    def resubscribe(self, portal: Portal) -> Mapping[str, Any] | None:
        """Nothing to change: the event handlers were bound at install."""
        return None
