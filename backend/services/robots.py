"""Robots (Bitrix24 automation rules): what each one answers about a deal's lease.

The values go back to the business process (Bitrix24 ``bizproc.event.send`` RETURN_VALUES,
keys declared in the robot's RETURN_PROPERTIES); this module knows no CRM.
"""

from __future__ import annotations

from enum import StrEnum

from backend.domain.billing import DocumentKind
from backend.ports import Clock
from backend.services.deal_card import deal_card
from backend.services.unit_of_work import UnitOfWork


class Robot(StrEnum):
    ISSUE_INVOICE = "rentflow_issue_invoice"
    ISSUE_ACT = "rentflow_issue_act"
    SEND_DOCUMENTS = "rentflow_send_documents"
    CHECK_PAYMENT = "rentflow_check_payment"


def answer_robot(
    uow: UnitOfWork, clock: Clock, robot: Robot, deal_id: str, base_url: str
) -> dict[str, str]:
    """The return values of ``robot`` for the deal's lease; ``status`` is always present.

    Issuing and sending documents belong to the billing service: until it is wired in, the
    invoice/act robots report the latest document of that kind (``status`` "issued") or
    "none", and the send robot reports "queued" only when there is something to send.
    """
    with uow:
        card = deal_card(uow, clock, deal_id)
    if card is None:
        return {"status": "no_lease"}
    if robot is Robot.CHECK_PAYMENT:
        status = "paid" if card.debt.amount <= 0 else ("overdue" if card.overdue else "due")
        return {"status": status, "debt": str(card.debt.amount)}
    kind = DocumentKind.ACT if robot is Robot.ISSUE_ACT else DocumentKind.INVOICE
    docs = card.acts if kind is DocumentKind.ACT else card.invoices
    if not docs:
        return {"status": "none"}
    last = docs[-1]
    url = f"{base_url}/documents/{last.public_token}" if last.public_token else ""
    if robot is Robot.SEND_DOCUMENTS:
        return {"status": "queued"}
    prefix = "act" if kind is DocumentKind.ACT else "invoice"
    return {"status": "issued", f"{prefix}_id": last.number, f"{prefix}_url": url}
