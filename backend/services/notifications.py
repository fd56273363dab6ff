"""Reminders and the overdue chain of one portal, as outbox emails and CRM tasks (seed 000).

Runs with the nightly billing run. Each reminder's key (what + whom + date) makes it one
outbox row, so running twice a day, or catching up a missed night, tells nobody twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from backend.domain.billing import DocumentKind
from backend.domain.documents import InvoiceStatus, IssuedDocument
from backend.domain.lease import Lease
from backend.domain.messages import OutboxMessage
from backend.domain.reminders import (
    DEFAULT_CHAIN,
    Audience,
    EscalationStep,
    Reminder,
    ReminderKind,
    lease_reminders,
    overdue_reminders,
)
from backend.domain.status import SIGNED_STATES
from backend.ports import Clock
from backend.services.lease_events import EventQueue, record_lease_events
from backend.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from crm_mappings.mapping import LeaseEvent
from crm_mappings.port import CrmError, CrmPort, CrmTask

log = logging.getLogger(__name__)


@dataclass
class NotificationRun:
    queued: int = 0
    tasks: int = 0
    errors: list[str] = field(default_factory=list)


def chain_from_settings(settings: Mapping[str, Any]) -> tuple[EscalationStep, ...]:
    """The portal's overdue chain (``settings["overdue_chain"]``: a list of
    ``{"days": 1, "to": "manager", "task": true}``), or the default one."""
    steps = settings.get("overdue_chain")
    if not steps:
        return DEFAULT_CHAIN
    return tuple(
        EscalationStep(int(s["days"]), Audience(s["to"]), bool(s.get("task", False))) for s in steps
    )


def notify_portal(
    uow: UnitOfWorkFactory,
    clock: Clock,
    portal_id: int,
    today: date,
    crm: CrmPort | None,
    queue: EventQueue | None = None,
) -> NotificationRun:
    """Queue today's reminders and overdue steps; create the CRM tasks the chain asks for.
    An invoice's first overdue step also records the "overdue" deal move (pushed through
    ``queue`` once committed, see ``lease_events``)."""
    run = NotificationRun()
    tasks: list[CrmTask] = []
    with uow(portal_id) as work:
        settings = work.portals.get(portal_id).settings
        chain = chain_from_settings(settings)
        leases = {lease.id: lease for lease in work.leases.list(statuses=sorted(SIGNED_STATES))}
        for lease in leases.values():
            for reminder in lease_reminders(lease, today):
                run.queued += _queue(work, clock, portal_id, reminder, lease, None, settings)
        overdue: list[int] = []
        unpaid = (InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PARTIALLY_PAID)
        for invoice in work.documents.list(kind=DocumentKind.INVOICE, statuses=unpaid):
            lease = leases.get(invoice.lease_id) or work.leases.get(invoice.lease_id)
            for reminder in overdue_reminders(invoice, today, chain):
                added = _queue(work, clock, portal_id, reminder, lease, invoice, settings)
                run.queued += added
                if added and invoice.id is not None:
                    overdue.append(invoice.id)
                task = _task(work, lease, invoice, reminder, today) if added else None
                if task is not None:
                    tasks.append(task)
        record_lease_events(work, clock, sorted(set(overdue)), LeaseEvent.OVERDUE, queue)
        work.commit()
    if tasks and crm is not None:
        try:
            crm.add_tasks(tasks)
            run.tasks = len(tasks)
        except CrmError as err:
            # the emails went out; the tasks are reported (and in the run's errors), not retried
            log.warning("portal %s: CRM tasks not created: %s", portal_id, err)
            run.errors.append(f"CRM tasks not created: {err}")
    return run


def _recipients(
    audience: Sequence[Audience], lease: Lease, settings: Mapping[str, Any]
) -> dict[Audience, tuple[str, ...]]:
    accountant = lease.landlord.accountant.email or str(
        settings.get("onec", {}).get("accountant_email", "")
    )
    people = {
        Audience.MANAGER: (lease.manager.email,) if lease.manager else (),
        Audience.SUPERVISOR: (lease.supervisor.email,) if lease.supervisor else (),
        Audience.ACCOUNTANT: (accountant,),
        Audience.TENANT: tuple(lease.tenant.emails),
    }
    return {a: tuple(e for e in people[a] if e) for a in audience}


def _queue(
    uow: UnitOfWork,
    clock: Clock,
    portal_id: int,
    reminder: Reminder,
    lease: Lease,
    invoice: IssuedDocument | None,
    settings: Mapping[str, Any],
) -> int:
    subject, body = _text(reminder, lease, invoice)
    queued = 0
    for audience, emails in _recipients(reminder.audience, lease, settings).items():
        if not emails:
            continue
        tenant = audience is Audience.TENANT
        message = OutboxMessage(
            dedup_key=f"p{portal_id}:{reminder.key}:{audience}",
            recipients=emails,
            subject=subject,
            body_text=body,
            kind=str(reminder.kind),
            sender_name=lease.landlord.name if tenant else "",
            reply_to=lease.landlord.email if tenant else "",
            portal_id=portal_id,
        )
        queued += uow.outbox.add(message, clock.now())
    return queued


def _text(reminder: Reminder, lease: Lease, invoice: IssuedDocument | None) -> tuple[str, str]:
    basis = f"договор аренды № {lease.number} от {lease.signed_on:%d.%m.%Y}"
    if reminder.kind is ReminderKind.LEASE_END:
        end = lease.effective_end()
        when = (
            "сегодня последний день"
            if reminder.days_left == 0
            else f"через {reminder.days_left} дн."
        )
        return (
            f"Окончание договора № {lease.number} {end:%d.%m.%Y}",
            f"Добрый день!\n\n{basis} ({lease.tenant.name})"
            f" заканчивается {end:%d.%m.%Y}: {when}.\n",
        )
    if reminder.kind is ReminderKind.ADDENDUM_START:
        start = reminder.on + timedelta(days=reminder.days_left)
        return (
            f"Доп. соглашение {reminder.addendum} к договору № {lease.number} с {start:%d.%m.%Y}",
            f"Добрый день!\n\nДоп. соглашение {reminder.addendum} ({basis}) вступает в силу"
            f" {start:%d.%m.%Y}.\n",
        )
    if invoice is None:
        raise ValueError("an overdue reminder needs its invoice")
    return (
        f"Просрочена оплата счёта № {invoice.number} по договору № {lease.number}",
        f"Счёт № {invoice.number} от {invoice.issued_on:%d.%m.%Y} ({lease.tenant.name}, {basis})"
        f" не оплачен: срок {invoice.due_on:%d.%m.%Y}, к оплате {invoice.outstanding}.\n",
    )


def _task(
    uow: UnitOfWork, lease: Lease, invoice: IssuedDocument, reminder: Reminder, today: date
) -> CrmTask | None:
    """The manager's CRM task of an overdue step, on the lease's deal."""
    if not reminder.crm_task or lease.id is None or lease.manager is None:
        return None
    deal_id, _ = uow.leases.deal_of(lease.id)
    if not deal_id or not lease.manager.crm_user_id:
        return None
    return CrmTask(
        deal_id=deal_id,
        responsible_user_id=lease.manager.crm_user_id,
        title=f"Просрочена оплата счёта № {invoice.number}",
        text=(
            f"{lease.tenant.name}: к оплате {invoice.outstanding},"
            f" срок был {invoice.due_on:%d.%m.%Y}"
        ),
        deadline=datetime.combine(today + timedelta(days=1), time(9), tzinfo=UTC),
    )
