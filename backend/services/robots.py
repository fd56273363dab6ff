"""Robots (Bitrix24 automation rules): what each one answers about a deal's lease.

The values go back to the business process (Bitrix24 ``bizproc.event.send`` RETURN_VALUES,
keys declared in the robot's RETURN_PROPERTIES); this module knows no CRM and reads the lease
through ``deal_panel``, as the CRM cards do.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from backend.domain.attention import Rule
from backend.ports import Clock
from backend.services.deal_panel import deal_panel
from backend.services.unit_of_work import UnitOfWork

_OVERDUE = {Rule.LEASE_OVERDUE_DEBT.value, Rule.INVOICE_UNPAID.value}


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
        panel = deal_panel(uow, clock.today(), deal_id, base_url)
    if panel["lease"] is None:
        return {"status": "no_lease"}
    if robot is Robot.CHECK_PAYMENT:
        overdue = any(flag["rule"] in _OVERDUE for flag in panel["attention"])
        paid = Decimal(panel["debt"]) <= 0
        return {
            "status": "paid" if paid else "overdue" if overdue else "due",
            "debt": panel["debt"],
        }
    kind = "act" if robot is Robot.ISSUE_ACT else "invoice"
    docs = [d for d in panel["documents"] if d["kind"] == kind]
    if not docs:
        return {"status": "none"}
    if robot is Robot.SEND_DOCUMENTS:
        return {"status": "queued"}
    last = docs[-1]
    return {"status": "issued", f"{kind}_id": last["number"], f"{kind}_url": last["url"]}
