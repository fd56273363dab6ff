"""Runs the EnterpriseData export for a portal with the container's file store."""

from __future__ import annotations

from backend.bootstrap import Container
from backend.onec.credentials import seal_portal_password
from backend.onec.files import LocalFileStore
from backend.onec.odata import ODataClient, ODataSettings
from backend.services.onec_drafts import DraftResult, push_drafts
from backend.services.onec_export import ExportResult, export_month, previous_month


def export_store(container: Container) -> LocalFileStore:
    """Export files live beside the documents (``STORAGE_DIR``)."""
    return LocalFileStore(container.settings.documents_dir)


def portals_to_export(container: Container) -> list[int]:
    """Active portals whose 1C settings ask for the monthly export (``onec.export``)."""
    with container.uow(None) as uow:
        portals = uow.portals.list()
    return [
        p.id for p in portals if p.id is not None and (p.settings.get("onec") or {}).get("export")
    ]


def export_portal(
    container: Container,
    portal_id: int,
    *,
    year: int | None = None,
    month: int | None = None,
    reexport: bool = False,
) -> ExportResult:
    """Export one portal's month (default: the previous month) and commit."""
    if year is None or month is None:
        year, month = previous_month(container.clock.today())
    with container.uow(portal_id) as uow:
        result = export_month(
            uow, container.clock, export_store(container), year=year, month=month,
            reexport=reexport,
        )  # fmt: skip
        uow.commit()
    return result


def push_portal_drafts(
    container: Container, portal_id: int, *, year: int | None = None, month: int | None = None
) -> DraftResult | None:
    """Write the month's documents to 1C as drafts when the portal enables it
    (``settings.onec.write_drafts`` and an ``odata_url``); None when it does not."""
    with container.uow(None) as uow:
        portal = uow.portals.get(portal_id)
    portal = seal_portal_password(container, portal)
    odata = ODataSettings.from_portal(portal.settings, container.cipher)
    if odata is None or not (portal.settings.get("onec") or {}).get("write_drafts"):
        return None
    if year is None or month is None:
        year, month = previous_month(container.clock.today())
    with container.uow(portal_id) as uow:
        result = push_drafts(uow, container.clock, ODataClient(odata), year=year, month=month)
        uow.commit()
    return result
