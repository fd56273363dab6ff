"""Rendering and publishing an issued document's files, for the billing run and for documents
issued beside it (penalty invoices)."""

from __future__ import annotations

from backend.domain.documents import IssuedDocument
from backend.domain.lease import Lease
from backend.services.billing_ports import BillingPorts
from backend.services.document_links import publish_files, render_document_files


def publish_document_files(ports: BillingPorts, portal_id: int, document_id: int) -> bool:
    """Render an issued document's files and publish them, unless it has them already.
    Returns whether this call published them."""
    with ports.uow(portal_id) as uow:
        if uow.links.for_document(portal_id, document_id):
            return False
        document = uow.documents.get(document_id)
        lease = uow.leases.get(document.lease_id)
    return render_and_publish(ports, portal_id, lease, document)


def render_and_publish(
    ports: BillingPorts, portal_id: int, lease: Lease, document: IssuedDocument
) -> bool:
    """Render outside any transaction, then publish in a short one; ``publish_files``
    checks under the document's lock that no other worker published it first."""
    if document.id is None:
        return False
    files = render_document_files(ports.rendering, lease, document)
    with ports.uow(portal_id) as uow:
        published = publish_files(uow, ports.storage, ports.clock, document.id, files)
        uow.commit()
    return bool(published)
