"""The installation port: what installing a portal needs from one CRM kind
(``services.installation``), implemented beside each adapter
(``crm_mappings.amocrm.lifecycle.AmoAccounts``, ``crm_mappings.bitrix24.accounts``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from backend.domain.portal import Portal
from crm_mappings.tokens import OAuthTokens


@dataclass(frozen=True)
class Connection:
    """What a CRM handed over for an install: who the portal is, what rentflow keeps in its
    settings, and the token pair."""

    kind: str
    external_id: str
    domain: str
    settings: Mapping[str, Any]
    tokens: OAuthTokens


class CrmAccounts(Protocol):
    """What installing needs from one CRM kind beside the store."""

    def release(self, portal: Portal) -> None:
        """Undo, quietly, what the install set up in the CRM while the tokens still work
        (amoCRM: our webhook); nothing for a CRM that cleans up after itself."""
        ...

    def refresh_if_ending(self, portal: Portal, within: timedelta) -> bool:
        """Refresh the portal's tokens when they end within ``within``; whether it did.
        ``CrmAuthLost`` when the CRM refuses (the portal is then marked so)."""
        ...

    def resubscribe(self, portal: Portal) -> Mapping[str, Any] | None:
        """Make the CRM call this deployment's current address; the portal settings that
        record it, or None when nothing changed. ``CrmError`` when the CRM refuses."""
        ...
