"""Reminders and the overdue chain (seed 000 "Уведомления от системы", seed 001).

- Addendum start: N days before (N per addendum) and on the day — manager and tenant.
- Lease end: N days before (N per lease) and on the last day — manager and tenant.
- Payment due: N days before an invoice's due date and on the day itself (default 3 and 0,
  seed 004 item 24) — the tenant, while the invoice is unpaid.
- Overdue invoice: a chain of steps, each a number of days after the due date and whom it
  goes to; by default the manager (with a CRM task) the day after, the supervisor after 3
  days, the accountant after 7. Each step happens once; the chain stops when the invoice is
  paid. Late-payment penalties (пени) accrue per day at the lease's rate
  (``backend.domain.penalties``).

Every reminder has a date; one is due from that date for ``GRACE_DAYS`` so a night the run
did not happen loses nothing, and its key makes sure it goes out once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from backend.domain.documents import InvoiceStatus, IssuedDocument
from backend.domain.lease import Lease

GRACE_DAYS = 7


class Audience(StrEnum):
    MANAGER = "manager"
    SUPERVISOR = "supervisor"
    ACCOUNTANT = "accountant"
    TENANT = "tenant"


class ReminderKind(StrEnum):
    ADDENDUM_START = "addendum_start"
    LEASE_END = "lease_end"
    PAYMENT_DUE = "payment_due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Reminder:
    """Something to tell ``audience`` about on ``on``; ``key`` makes it go out once."""

    kind: ReminderKind
    on: date
    audience: tuple[Audience, ...]
    key: str
    lease_id: int | None
    days_left: int = 0  # for addendum start and lease end: days from ``on`` to the event
    addendum: str = ""
    document_id: int | None = None
    step: int = 0
    crm_task: bool = False


def _due(on: date, today: date) -> bool:
    return on <= today < on + timedelta(days=GRACE_DAYS)


def lease_reminders(lease: Lease, today: date) -> list[Reminder]:
    """The addendum-start and lease-end reminders of ``lease`` due today."""
    both = (Audience.MANAGER, Audience.TENANT)
    found: list[Reminder] = []
    for addendum in lease.addenda:
        start = addendum.effective_from
        for lead in sorted({addendum.reminder_days, 0}, reverse=True):
            on = start - timedelta(days=lead)
            if _due(on, today) and today <= start:
                key = f"addendum:{lease.id}:{addendum.number}:{start.isoformat()}:{lead}"
                found.append(
                    Reminder(
                        ReminderKind.ADDENDUM_START, on, both, key, lease.id, lead, addendum.number
                    )
                )
    end = lease.effective_end()
    for lead in sorted({lease.reminder_days, 0}, reverse=True):
        on = end - timedelta(days=lead)
        if _due(on, today) and today <= end:
            key = f"lease_end:{lease.id}:{end.isoformat()}:{lead}"
            found.append(Reminder(ReminderKind.LEASE_END, on, both, key, lease.id, lead))
    return found


@dataclass(frozen=True)
class EscalationStep:
    """Days after the due date, who is told, and whether a CRM task is created."""

    days_after_due: int
    audience: Audience
    crm_task: bool = False


DEFAULT_CHAIN: tuple[EscalationStep, ...] = (
    EscalationStep(1, Audience.MANAGER, crm_task=True),
    EscalationStep(3, Audience.SUPERVISOR),
    EscalationStep(7, Audience.ACCOUNTANT),
)


def is_unpaid(invoice: IssuedDocument) -> bool:
    """Issued, not cancelled and not fully paid."""
    return invoice.status != InvoiceStatus.CANCELLED and invoice.outstanding.is_positive()


DEFAULT_DUE_LEADS: tuple[int, ...] = (3, 0)  # days before the due date (seed 004 item 24)


def due_reminders(
    invoice: IssuedDocument, today: date, leads: tuple[int, ...] = DEFAULT_DUE_LEADS
) -> list[Reminder]:
    """The tenant's reminders of an unpaid invoice's due date due today: ``leads`` days
    before it (0: on the day). One missed by a night is caught up until the due date, never
    after it (then the overdue chain speaks)."""
    if invoice.due_on is None or not is_unpaid(invoice):
        return []
    found = []
    for lead in sorted(set(leads), reverse=True):
        on = invoice.due_on - timedelta(days=lead)
        if on <= today <= invoice.due_on:
            found.append(
                Reminder(
                    ReminderKind.PAYMENT_DUE, on, (Audience.TENANT,),
                    f"due:{invoice.id}:{invoice.due_on.isoformat()}:{lead}", invoice.lease_id,
                    days_left=lead, document_id=invoice.id,
                )
            )  # fmt: skip
    # a night missed: only the nearest reminder goes, not every one in arrears
    return found[-1:]


def overdue_reminders(
    invoice: IssuedDocument, today: date, chain: tuple[EscalationStep, ...] = DEFAULT_CHAIN
) -> list[Reminder]:
    """The steps of the chain due today for an unpaid invoice past its due date; none once
    it is paid. A step is due from its day on (for ``GRACE_DAYS``), so a missed night is
    caught up, and its key keeps it single."""
    if invoice.due_on is None or not is_unpaid(invoice):
        return []
    found = []
    for number, step in enumerate(chain, start=1):
        on = invoice.due_on + timedelta(days=step.days_after_due)
        if _due(on, today):
            found.append(
                Reminder(
                    ReminderKind.OVERDUE, on, (step.audience,),
                    f"overdue:{invoice.id}:{number}", invoice.lease_id,
                    document_id=invoice.id, step=number, crm_task=step.crm_task,
                )
            )  # fmt: skip
    return found
