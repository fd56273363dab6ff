"""Portal lifecycle: install (or re-install), uninstall."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from backend.domain.portal import Portal, PortalStatus
from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


def install_portal(
    uow: UnitOfWork,
    clock: Clock,
    *,
    kind: str,
    external_id: str,
    domain: str = "",
    settings: Mapping[str, Any] | None = None,
) -> Portal:
    """Create the portal, or bring an existing one back to active: re-install is harmless."""
    now = clock.now()
    known = uow.portals.find(kind, external_id)
    if known is None:
        portal = uow.portals.add(
            Portal(
                kind=kind, external_id=external_id, domain=domain, settings=dict(settings or {})
            ),
            installed_at=now,
        )
        uow.audit.record(
            now, "portal.installed", "portal", portal.id, {"kind": kind, "domain": domain}
        )
        return portal
    merged = {**known.settings, **(settings or {})}
    portal = replace(
        known, domain=domain or known.domain, status=PortalStatus.ACTIVE, settings=merged
    )
    uow.portals.save(portal, at=now)
    uow.audit.record(now, "portal.reinstalled", "portal", portal.id, {"kind": kind})
    return portal


def uninstall_portal(uow: UnitOfWork, clock: Clock, portal_id: int) -> Portal:
    """Forget the portal's tokens, revoke its public document links (``/d/...`` answers 410)
    and stop its jobs (each task and the billing run skip an uninstalled portal); its
    documents stay until deletion is asked. Both CRMs' uninstall events come here."""
    now = clock.now()
    portal = replace(uow.portals.get(portal_id), status=PortalStatus.UNINSTALLED)
    uow.portals.save(portal, reason="uninstalled", at=now)
    revoked = uow.links.revoke_portal(portal_id, now)
    uow.audit.record(now, "portal.uninstalled", "portal", portal_id, {"links_revoked": revoked})
    return portal


def lookup_portal(uow_factory: UnitOfWorkFactory, kind: str, external_id: str) -> Portal | None:
    """The portal an incoming event or webhook names, for checking it: from the process's
    short portal cache, which this process's install and uninstall clear."""
    if not external_id:
        return None
    with uow_factory(None) as uow:
        return uow.portals.find_recent(kind, external_id)
