"""Runs the OData payment poll for a portal: builds the client from the portal's 1C settings.

``portal.settings["onec"]``: ``odata_url``, ``user``, ``password_encrypted``
(``backend.onec.credentials``), ``poll`` (bool),
``poll_days`` (how far back each poll re-reads, default 31).
"""

from __future__ import annotations

from backend.bootstrap import Container
from backend.domain.portal import PortalStatus
from backend.onec.credentials import seal_portal_password
from backend.onec.odata import ODataClient, ODataSettings
from backend.services.onec_sync import PollSummary, poll_payments


def portals_to_poll(container: Container) -> list[int]:
    """Active portals whose 1C settings turn polling on."""
    with container.uow(None) as uow:
        portals = uow.portals.list()
    return [
        p.id
        for p in portals
        if p.id is not None
        and (p.settings.get("onec") or {}).get("odata_url")
        and (p.settings.get("onec") or {}).get("poll", True)
    ]


def poll_portal(container: Container, portal_id: int) -> PollSummary | None:
    """Poll one portal's 1C base and commit; None when the portal has no OData settings or
    was uninstalled (its jobs stop)."""
    with container.uow(None) as uow:
        portal = uow.portals.get(portal_id)
    if portal.status is PortalStatus.UNINSTALLED:
        return None
    portal = seal_portal_password(container, portal)
    settings = ODataSettings.from_portal(portal.settings, container.cipher)
    if settings is None:
        return None
    days = int((portal.settings.get("onec") or {}).get("poll_days", 31))
    client = ODataClient(settings)
    with container.uow(portal_id) as uow:
        summary = poll_payments(
            uow, container.clock, client, days=days, queue=container.queue_lease_event
        )
        uow.commit()
    return summary
