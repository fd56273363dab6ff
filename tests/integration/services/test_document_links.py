"""Document files: what a rolled-back or killed publish left behind is deleted, nothing else."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from backend.bootstrap import Container
from backend.domain.lease import LeaseStatus
from backend.ports import FixedClock
from backend.services.billing import PortalRun, issue_due
from backend.services.document_links import remove_orphan_files
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from tests import factories


def _age(path: os.PathLike[str], hours: float) -> None:
    moment = (datetime.now(UTC) - timedelta(hours=hours)).timestamp()
    os.utime(path, (moment, moment))


def test_only_old_files_no_link_names_are_removed(container: Container) -> None:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="files")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        register_lease(uow, container.clock, factories.lease(status=LeaseStatus.SIGNED))
        uow.commit()
    ports = container.billing_ports()
    issue_due(ports, portal.id, date(2026, 1, 27), PortalRun(portal.id))
    storage, root = container.document_storage(), container.settings.documents_dir
    linked = {key for key, _ in storage.stored(str(portal.id))}
    assert len(linked) == 4  # the invoice's PDFs and QR images
    storage.put(f"{portal.id}/99/invoice-dead.pdf", b"%PDF killed mid-publish")
    storage.put(f"{portal.id}/99/invoice_qr-young.pdf", b"%PDF being published now")
    storage.put(f"onec/{portal.id}/export.xml", b"<not a document file/>")
    for key in [*linked, f"{portal.id}/99/invoice-dead.pdf", f"onec/{portal.id}/export.xml"]:
        _age(root / key, hours=3)

    now = FixedClock(datetime.now(UTC))
    removed = remove_orphan_files(container.uow, storage, now, portal.id)

    assert removed == [f"{portal.id}/99/invoice-dead.pdf"]
    left = {key for key, _ in storage.stored(str(portal.id))}
    assert left == linked | {f"{portal.id}/99/invoice_qr-young.pdf"}
    assert (root / "onec" / str(portal.id) / "export.xml").exists()
