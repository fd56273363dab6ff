"""A portal: one installation of rentflow (a Bitrix24 portal or an amoCRM account)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class PortalStatus(StrEnum):
    ACTIVE = "active"
    AUTH_LOST = "auth_lost"  # the refresh token died: an admin must open the app again
    UNINSTALLED = "uninstalled"  # tokens removed, jobs stopped, documents kept


@dataclass(frozen=True)
class Portal:
    """An isolated customer of the service; every customer row carries its ``id``.

    ``kind`` is ``crm_mappings.port.CrmKind``'s value ("bitrix24" / "amocrm"), kept as text
    so the domain stays independent of the CRM package.
    """

    kind: str
    external_id: str  # Bitrix24 member_id / amoCRM account id
    domain: str = ""
    status: PortalStatus = PortalStatus.ACTIVE
    settings: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.status is PortalStatus.ACTIVE

    @property
    def web_base(self) -> str:
        """The portal's own address, scheme and path included, without the final "/", where
        its pages (a deal's, a lead's) are: where its API lives, as the install reported it
        (Bitrix24's OAuth ``client_endpoint``, amoCRM's ``base_url``; a portal on http, or
        mounted under a path as the sandboxes are, has its pages there too), else
        ``https://<domain>``."""
        if self.kind == "amocrm":
            return str(self.settings.get("base_url") or f"https://{self.domain}").rstrip("/")
        endpoint = str(self.settings.get("client_endpoint") or f"https://{self.domain}/rest/")
        return endpoint.removesuffix("/").removesuffix("/rest")
