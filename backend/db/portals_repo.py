"""Installations: the portals, found by CRM kind and external id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.portal_cache import PortalCache
from backend.db.tables import (
    PortalRow,
)
from backend.domain.errors import NotFound
from backend.domain.portal import Portal, PortalStatus


def _portal_from_row(row: PortalRow) -> Portal:
    return Portal(
        id=row.id,
        kind=row.kind,
        external_id=row.external_id,
        domain=row.domain,
        name=row.name,
        status=PortalStatus(row.status),
        settings=dict(row.settings or {}),
    )


class PortalRepository:
    """Installations. Not portal-scoped: it is how a request finds its portal."""

    def __init__(self, session: Session, cache: PortalCache | None = None) -> None:
        self.session = session
        self.cache = cache
        self.changed = False  # the unit of work clears the cache when this commits
        # rows read stay referenced for the unit of work (the session's identity map keeps
        # rows only while referenced), so reading a portal again costs no query
        self._held: dict[int, PortalRow] = {}

    def add(self, portal: Portal, installed_at: datetime) -> Portal:
        self.changed = True
        row = PortalRow(
            kind=portal.kind,
            external_id=portal.external_id,
            domain=portal.domain,
            name=portal.name,
            status=portal.status.value,
            settings=dict(portal.settings),
            installed_at=installed_at,
        )
        self.session.add(row)
        self.session.flush()
        return _portal_from_row(row)

    def get(self, portal_id: int) -> Portal:
        row = self.session.get(PortalRow, portal_id)
        if row is None:
            raise NotFound(f"portal {portal_id}")
        self._held[portal_id] = row
        return _portal_from_row(row)

    def find(self, kind: str, external_id: str) -> Portal | None:
        row = self.session.scalar(
            select(PortalRow).where(PortalRow.kind == kind, PortalRow.external_id == external_id)
        )
        return None if row is None else _portal_from_row(row)

    def find_recent(self, kind: str, external_id: str) -> Portal | None:
        """``find`` from the process's portal cache (``backend.db.portal_cache``): for checking
        incoming events, where a few seconds' staleness across processes is harmless."""
        if self.cache is None:
            return self.find(kind, external_id)
        return self.cache.get(kind, external_id, lambda: self.find(kind, external_id))

    def list(self, *, active_only: bool = True) -> list[Portal]:
        query = select(PortalRow).order_by(PortalRow.id)
        if active_only:
            query = query.where(PortalRow.status == PortalStatus.ACTIVE.value)
        return [_portal_from_row(r) for r in self.session.scalars(query)]

    def save(self, portal: Portal, *, reason: str = "", at: datetime | None = None) -> None:
        self.changed = True
        row = self.session.get(PortalRow, portal.id)
        if row is None:
            raise NotFound(f"portal {portal.id}")
        row.domain, row.name = portal.domain, portal.name
        row.settings = dict(portal.settings)
        if row.status != portal.status.value:
            row.status, row.status_reason = portal.status.value, reason
            if portal.status is PortalStatus.UNINSTALLED:
                row.auth_encrypted, row.uninstalled_at = "", at
            if portal.status is PortalStatus.ACTIVE:
                row.installed_at, row.uninstalled_at = at or row.installed_at, None
