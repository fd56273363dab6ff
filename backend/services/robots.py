"""Robots (Bitrix24 automation rules): what each one answers about a deal's lease.

The values go back to the business process (Bitrix24 ``bizproc.event.send`` RETURN_VALUES,
keys declared in the robot's RETURN_PROPERTIES); this module knows no CRM and reads the lease
through ``deal_panel``, as the CRM cards do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

from backend.domain.attention import Rule
from backend.domain.billing import DocumentKind
from backend.ports import Clock
from backend.services.deal_panel import deal_panel
from backend.services.document_links import document_urls
from backend.services.unit_of_work import UnitOfWork

_OVERDUE = {Rule.LEASE_OVERDUE_DEBT.value, Rule.INVOICE_UNPAID.value}


@runtime_checkable
class RobotAnswers(Protocol):
    """A CRM whose robots wait for their values (Bitrix24's ``bizproc.event.send``)."""

    def return_robot_values(self, event_token: str, values: Mapping[str, str]) -> None: ...


class Robot(StrEnum):
    ISSUE_INVOICE = "rentflow_issue_invoice"
    ISSUE_ACT = "rentflow_issue_act"
    SEND_DOCUMENTS = "rentflow_send_documents"
    CHECK_PAYMENT = "rentflow_check_payment"


def answer_robot(
    uow: UnitOfWork, clock: Clock, robot: Robot, deal_id: str, link_url: Callable[[str], str]
) -> dict[str, str]:
    """The return values of ``robot`` for the deal's lease; ``status`` is always present.

    The invoice and act robots report the latest document of that kind (``status``
    "issued") or "none" — the robot task first issues the next planned one
    (``deal_actions.run_deal_action``). The send robot reports "queued" when there is
    something to send; the task has queued the tenant's email by then.
    """
    with uow:
        panel = deal_panel(uow, clock.today(), deal_id, link_url)
        lease = uow.leases.by_deal(deal_id)
        kind = DocumentKind.ACT if robot is Robot.ISSUE_ACT else DocumentKind.INVOICE
        docs = uow.documents.for_lease(lease.id, kind) if lease and lease.id else []
        urls = document_urls(uow, docs[-1].id or 0, link_url) if docs else {}
    if panel["lease"] is None:
        return {"status": "no_lease"}
    if robot is Robot.CHECK_PAYMENT:
        overdue = any(flag["rule"] in _OVERDUE for flag in panel["attention"])
        paid = Decimal(panel["debt"]) <= 0
        return {
            "status": "paid" if paid else "overdue" if overdue else "due",
            "debt": panel["debt"],
        }
    if not docs:
        return {"status": "none"}
    if robot is Robot.SEND_DOCUMENTS:
        return {"status": "queued"}
    prefix = str(kind)
    return {
        "status": "issued",
        f"{prefix}_id": docs[-1].number,
        f"{prefix}_url": urls.get(prefix, ""),
    }
