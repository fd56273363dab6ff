"""The 1C jobs of one portal: the OData payment poll, the monthly EnterpriseData export, the
drafts written over OData, and sealing a 1C password still stored in plain text.

``portal.settings["onec"]``: ``odata_url``, ``user``, ``password_encrypted`` (sealed with the
app's Fernet key, ``backend.onec.credentials``), ``poll`` (bool), ``poll_days`` (how far back
each poll re-reads, default 31), ``export`` (the monthly export on), ``write_drafts``.
The OData client, the sealing and the export files come through ``OneCPorts``, which the
composition root builds (``Container.onec_ports``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from backend.domain.portal import Portal, PortalStatus
from backend.ports import Clock, DocumentStorage
from backend.services.lease_events import EventQueue
from backend.services.onec_drafts import DraftResult, OneCWriter, push_drafts
from backend.services.onec_export import ExportResult, export_month, previous_month
from backend.services.onec_sync import OneCReader, PollSummary, poll_payments
from backend.services.payment_news import NewsQueue
from backend.services.unit_of_work import UnitOfWorkFactory


class OneCClient(OneCReader, OneCWriter, Protocol):
    """An OData client that reads payments and writes drafts (``backend.onec.odata``)."""


@dataclass(frozen=True)
class OneCPorts:
    """What the 1C jobs need beside the store."""

    uow: UnitOfWorkFactory
    clock: Clock
    files: DocumentStorage  # where export files are kept (beside the documents)
    # a portal's settings -> its OData client, or None without OData settings
    odata: Callable[[Mapping[str, Any]], OneCClient | None]
    # a portal's settings with a plain 1C password sealed, or None when there is none
    seal: Callable[[Mapping[str, Any]], dict[str, Any] | None]
    queue_event: EventQueue | None = None  # pushes the deal moves of paid invoices
    queue_news: NewsQueue | None = None  # the deals' debt and a note on each payment


def _onec(portal: Portal) -> Mapping[str, Any]:
    return portal.settings.get("onec") or {}


def portals_to_poll(ports: OneCPorts) -> list[int]:
    """Active portals whose 1C settings turn polling on."""
    with ports.uow(None) as uow:
        portals = uow.portals.list()
    return [
        p.id
        for p in portals
        if p.id is not None and _onec(p).get("odata_url") and _onec(p).get("poll", True)
    ]


def poll_portal(ports: OneCPorts, portal_id: int) -> PollSummary | None:
    """Poll one portal's 1C base and commit; None when the portal has no OData settings or
    was uninstalled (its jobs stop)."""
    with ports.uow(None) as uow:
        portal = uow.portals.get(portal_id)
    if portal.status is PortalStatus.UNINSTALLED:
        return None
    portal = seal_portal_password(ports, portal)
    client = ports.odata(portal.settings)
    if client is None:
        return None
    days = int(_onec(portal).get("poll_days", 31))
    with ports.uow(portal_id) as uow:
        summary = poll_payments(
            uow, ports.clock, client, days=days, queue=ports.queue_event,
            news_queue=ports.queue_news,
        )  # fmt: skip
        uow.commit()
    return summary


def portals_to_export(ports: OneCPorts) -> list[int]:
    """Active portals whose 1C settings ask for the monthly export (``onec.export``)."""
    with ports.uow(None) as uow:
        portals = uow.portals.list()
    return [p.id for p in portals if p.id is not None and _onec(p).get("export")]


def export_portal(
    ports: OneCPorts,
    portal_id: int,
    *,
    year: int | None = None,
    month: int | None = None,
    reexport: bool = False,
) -> ExportResult:
    """Export one portal's month (default: the previous month) and commit."""
    if year is None or month is None:
        year, month = previous_month(ports.clock.today())
    with ports.uow(portal_id) as uow:
        result = export_month(
            uow, ports.clock, ports.files, year=year, month=month, reexport=reexport
        )
        uow.commit()
    return result


def push_portal_drafts(
    ports: OneCPorts, portal_id: int, *, year: int | None = None, month: int | None = None
) -> DraftResult | None:
    """Write the month's documents to 1C as drafts when the portal enables it
    (``settings.onec.write_drafts`` and an ``odata_url``); None when it does not."""
    with ports.uow(None) as uow:
        portal = uow.portals.get(portal_id)
    portal = seal_portal_password(ports, portal)
    client = ports.odata(portal.settings)
    if client is None or not _onec(portal).get("write_drafts"):
        return None
    if year is None or month is None:
        year, month = previous_month(ports.clock.today())
    with ports.uow(portal_id) as uow:
        result = push_drafts(uow, ports.clock, client, year=year, month=month)
        uow.commit()
    return result


def seal_portal_password(ports: OneCPorts, portal: Portal) -> Portal:
    """Seal a plain password still stored in ``portal``'s settings; the portal as stored."""
    if ports.seal(portal.settings) is None:
        return portal
    with ports.uow(None) as uow:
        current = uow.portals.get(portal.id or 0)
        sealed = ports.seal(current.settings)
        if sealed is None:  # sealed meanwhile by another worker
            return current
        portal = replace(current, settings=sealed)
        uow.portals.save(portal)
        uow.commit()
    return portal


def seal_stored_passwords(ports: OneCPorts) -> list[int]:
    """Seal every plain 1C password still stored (installed or not); the portals changed."""
    with ports.uow(None) as uow:
        portals = uow.portals.list(active_only=False)
    changed: list[int] = []
    for portal in portals:
        if portal.id is not None and ports.seal(portal.settings):
            seal_portal_password(ports, portal)
            changed.append(portal.id)
    return changed
