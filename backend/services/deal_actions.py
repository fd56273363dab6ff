"""What a manager (or a robot) does to a deal's lease from the CRM, besides reading it
(``deal_panel`` shows it; ``deal_lease`` creates it)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from backend.domain.billing import DocumentKind, ScheduleItem
from backend.ports import Clock
from backend.services.billing import issue_item
from backend.services.billing_mail import tenant_message
from backend.services.billing_ports import BillingPorts
from backend.services.unit_of_work import UnitOfWork


def mark_original_received(uow: UnitOfWork, clock: Clock, deal_id: str) -> bool:
    """Record that the signed original of the deal's lease came back; caller commits.

    False when the deal has no lease."""
    lease = uow.leases.by_deal(deal_id)
    if lease is None or lease.id is None:
        return False
    uow.leases.save(replace(lease, original_received=True), now=clock.now())
    uow.audit.record(clock.now(), "lease.original_received", "lease", lease.id)
    return True


class DealAction(StrEnum):
    """What a Bitrix24 robot, an amoCRM digital-pipeline step or a card button asks for."""

    ISSUE_INVOICE = "issue_invoice"
    ISSUE_ACT = "issue_act"
    SEND_DOCUMENTS = "send_documents"


@dataclass(frozen=True)
class ActionResult:
    """``issued``: documents made now (to push to the deal); ``queued``: an email was queued."""

    action: DealAction
    issued: tuple[int, ...] = ()
    queued: bool = False
    lease_id: int | None = None
    # the next invoice is planned for later than today: issued only once confirmed
    needs_confirmation: ScheduleItem | None = None


def run_deal_action(
    ports: BillingPorts,
    portal_id: int,
    deal_id: str,
    action: DealAction,
    today: date,
    *,
    confirm_future: bool = True,
) -> ActionResult:
    """Do ``action`` for the deal's lease, the way the billing run would.

    - issue invoice: the next planned invoice, now; one planned for a later day (a future
      period billed ahead of its schedule) only with ``confirm_future``, else the result
      names it in ``needs_confirmation`` and nothing is issued (a robot's explicit step
      confirms by itself; a panel button asks the manager first);
    - issue act: the act of the earliest planned period that has ended (an act records a
      period that ran, and is dated no earlier than its last day), now;
    - send documents: email the tenant the latest invoice and act again, whatever the
      lease's auto-send says (asked twice the same day, it goes once).
    """
    with ports.uow(portal_id) as uow:
        lease = uow.leases.by_deal(deal_id)
        if lease is None or lease.id is None:
            return ActionResult(action)
        planned = uow.schedule.for_lease(lease.id)
    if action is DealAction.SEND_DOCUMENTS:
        return ActionResult(
            action, queued=resend_documents(ports, portal_id, lease.id, today), lease_id=lease.id
        )
    kind = DocumentKind.INVOICE if action is DealAction.ISSUE_INVOICE else DocumentKind.ACT
    candidates = [
        i
        for i in planned
        if i.kind is kind and (kind is DocumentKind.INVOICE or i.period.end <= today)
    ]
    if not candidates:
        return ActionResult(action, lease_id=lease.id)
    if kind is DocumentKind.INVOICE and candidates[0].issue_on > today and not confirm_future:
        return ActionResult(action, lease_id=lease.id, needs_confirmation=candidates[0])
    issued = issue_item(ports, portal_id, lease.id, candidates[0], today)
    return ActionResult(action, () if issued is None else (issued,), lease_id=lease.id)


def resend_documents(ports: BillingPorts, portal_id: int, lease_id: int, today: date) -> bool:
    """Queue an email to the tenant with the lease's latest invoice and act; False when there
    is nothing to send or nobody to send it to."""
    with ports.uow(portal_id) as uow:
        lease = uow.leases.get(lease_id)
        documents = [d for d in uow.documents.for_lease(lease_id) if d.status != "cancelled"]
        latest = [
            max(
                (d for d in documents if d.kind is kind), key=lambda d: d.period.start, default=None
            )
            for kind in (DocumentKind.INVOICE, DocumentKind.ACT)
        ]
        chosen = [d for d in latest if d is not None]
        if not chosen or not lease.tenant.emails:
            return False
        message = tenant_message(uow, ports, portal_id, lease, chosen)
        ids = "-".join(str(d.id) for d in chosen)
        resent = replace(
            message, dedup_key=f"resend:{portal_id}:{lease_id}:{ids}:{today.isoformat()}"
        )
        added = uow.outbox.add(resent, ports.clock.now())
        uow.audit.record(
            ports.clock.now(), "documents.resent", "lease", lease_id, {"documents": ids}
        )
        uow.commit()
    return added


class PanelAction(StrEnum):
    """A button of a CRM card panel (the amoCRM lead card; the Bitrix24 deal tab's are the
    same words)."""

    ISSUE_NEXT_INVOICE = "issue_next_invoice"
    ISSUE_ACT = "issue_act"
    RESEND_DOCUMENTS = "resend_documents"
    MARK_ORIGINAL_RECEIVED = "mark_original_received"


class PanelOutcome(StrEnum):
    """What the button did, for the panel to say."""

    DONE = "done"
    NO_LEASE = "no_lease"
    NOTHING_PLANNED = "nothing_planned"  # no invoice planned, or no started period to act on
    NOTHING_TO_SEND = "nothing_to_send"  # no document or tenant email, or already sent today
    CONFIRM_FUTURE = "confirm_future"  # the next invoice is ahead of its schedule: ask first


@dataclass(frozen=True)
class PanelResult:
    """The outcome and the documents issued now (the caller queues their push to the deal)."""

    outcome: PanelOutcome
    issued: tuple[int, ...] = ()
    future: ScheduleItem | None = None  # with CONFIRM_FUTURE: the invoice that would be issued


_PANEL_DEAL_ACTIONS = {
    PanelAction.ISSUE_NEXT_INVOICE: DealAction.ISSUE_INVOICE,
    PanelAction.ISSUE_ACT: DealAction.ISSUE_ACT,
    PanelAction.RESEND_DOCUMENTS: DealAction.SEND_DOCUMENTS,
}


def run_panel_action(
    ports: BillingPorts,
    portal_id: int,
    deal_id: str,
    action: PanelAction,
    today: date,
    *,
    confirm_future: bool = False,
) -> PanelResult:
    """Do a panel button's ``action`` for the deal's lease: the deal actions above, or
    recording that the signed original came back. Domain errors (broken requisites) pass.

    "Issue next invoice" for a period whose invoice is planned for a later day answers
    ``CONFIRM_FUTURE`` (with the invoice in ``future``) and issues nothing until the
    manager presses again with ``confirm_future``: a click must not bill next month today."""
    if action is PanelAction.MARK_ORIGINAL_RECEIVED:
        with ports.uow(portal_id) as uow:
            done = mark_original_received(uow, ports.clock, deal_id)
            uow.commit()
        return PanelResult(PanelOutcome.DONE if done else PanelOutcome.NO_LEASE)
    wanted = _PANEL_DEAL_ACTIONS[action]
    result = run_deal_action(
        ports, portal_id, deal_id, wanted, today, confirm_future=confirm_future
    )
    if result.lease_id is None:
        return PanelResult(PanelOutcome.NO_LEASE)
    if result.needs_confirmation is not None:
        return PanelResult(PanelOutcome.CONFIRM_FUTURE, future=result.needs_confirmation)
    if wanted is DealAction.SEND_DOCUMENTS:
        return PanelResult(PanelOutcome.DONE if result.queued else PanelOutcome.NOTHING_TO_SEND)
    if not result.issued:
        return PanelResult(PanelOutcome.NOTHING_PLANNED)
    return PanelResult(PanelOutcome.DONE, result.issued)
