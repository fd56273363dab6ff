"""Lease -> CRM: tell the deal that a document was issued (fields, stage, timeline comment).

CRM-agnostic: it speaks only ``CrmPort``; the stage comes from the portal's mapping of the
deal's pipeline (seed 001: "счёт выставлен" moves the deal), the fields are rentflow's deal
fields (invoice id and link, act link).
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.domain.billing import DocumentKind
from backend.ports import Clock
from backend.services.crm_sync import deal_update_for_event, load_mapping
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.mapping import LeaseEvent
from crm_mappings.port import CrmPort, DealComment, DealUpdate, LeaseField


@dataclass(frozen=True)
class Pushed:
    deal_id: str
    update: DealUpdate
    comment: str


def push_document_issued(
    uow: UnitOfWork, clock: Clock, crm: CrmPort, document_id: int, url: str
) -> Pushed | None:
    """Write the document's number and link to its lease's deal, move the deal to the mapped
    stage and add a timeline comment; None when the lease has no deal. ``uow`` is entered here.
    """
    with uow:
        doc = uow.documents.get(document_id)
        deal_id, pipeline_id = uow.leases.deal_of(doc.lease_id)
        if not deal_id:
            return None
        mapping = load_mapping(uow, pipeline_id)
    if doc.kind is DocumentKind.INVOICE:
        fields = {LeaseField.INVOICE_ID: doc.number, LeaseField.INVOICE_URL: url}
        update = deal_update_for_event(mapping, deal_id, LeaseEvent.INVOICE_ISSUED, fields)
        text = f"rentflow: выставлен счёт № {doc.number} от {doc.issued_on:%d.%m.%Y} на {doc.total}"
    else:
        update = DealUpdate(deal_id=deal_id, fields={LeaseField.ACT_URL: url})
        text = f"rentflow: выставлен акт № {doc.number} от {doc.issued_on:%d.%m.%Y}"
    crm.update_deals([update])
    crm.add_comments([DealComment(deal_id, f"{text}\n{url}")])
    with uow:
        uow.documents.mark(document_id, crm_synced_at=clock.now())
        uow.audit.record(clock.now(), "document.crm_synced", "document", document_id)
        uow.commit()
    return Pushed(deal_id, update, text)
