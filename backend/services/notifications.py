"""Reminders and the overdue chain of one portal, as outbox emails and CRM tasks (seed 000).

Runs with the nightly billing run. Each reminder's key (what + whom + date) makes it one
outbox row, so running twice a day, or catching up a missed night, tells nobody twice.

The tenant is reminded of a payment N days before its due date and on the day (the lease's
``due_reminder_days``, else the portal setting ``reminders.before_due``, else ``[3, 0]``,
seed 004). Each overdue step's email
names the invoice, the lease's debt, the penalty (пени) accrued to date and what happens
next, and says which step it is: the manager, the supervisor and the accountant each read
where the chain stands, not the same words three times.
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
from backend.domain.money import Money
from backend.domain.penalties import accrued_penalty
from backend.domain.reminders import (
    DEFAULT_CHAIN,
    DEFAULT_DUE_LEADS,
    Audience,
    EscalationStep,
    Reminder,
    ReminderKind,
    due_reminders,
    lease_reminders,
    overdue_reminders,
)
from backend.domain.status import SIGNED_STATES
from backend.ports import Clock
from backend.services import billing_ports
from backend.services.channels import queue_for_tenant
from backend.services.lease_events import EventQueue, record_lease_events
from backend.services.ledger import payments_by_invoice
from backend.services.ru_text import rub
from backend.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from crm_mappings.mapping import LeaseEvent
from crm_mappings.port import CrmError, CrmPort, CrmTask

log = logging.getLogger(__name__)

UNPAID = (InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PARTIALLY_PAID)


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


def due_leads_from_settings(settings: Mapping[str, Any]) -> tuple[int, ...]:
    """Days before the due date the tenant is reminded (``settings["reminders"]
    ["before_due"]``, e.g. ``[3, 0]``; 0 is the due day itself), or the default 3 and 0."""
    leads = (settings.get("reminders") or {}).get("before_due")
    if not isinstance(leads, list) or not leads:
        return DEFAULT_DUE_LEADS
    return tuple(int(n) for n in leads if isinstance(n, int) and 0 <= n <= 60) or DEFAULT_DUE_LEADS


@dataclass(frozen=True)
class _Situation:
    """What an overdue email says besides the invoice: the chain, the debt, the penalty."""

    chain: tuple[EscalationStep, ...]
    debt: Money
    penalty: Money
    today: date


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
    ``queue`` once committed, see ``lease_events``).

    The leases (signed, or owing an invoice) are read ``billing_ports.LEASES_AT_ONCE`` at a
    time with their open invoices, each page in a transaction of its own and its CRM tasks
    created after it, so the memory this takes does not grow with the portal. A run killed
    between pages is finished by the next: each reminder's key tells nobody twice."""
    run = NotificationRun()
    with uow(portal_id) as work:
        settings = work.portals.get(portal_id).settings
    last = 0
    while True:
        with uow(portal_id) as work:
            page = work.leases.ids_page(last, billing_ports.LEASES_AT_ONCE,
                                        statuses=sorted(SIGNED_STATES),
                                        or_invoices=UNPAID)  # fmt: skip
            if not page:
                return run
            tasks = _notify_page(work, clock, portal_id, today, page, settings, run, queue)
            work.commit()
        last = page[-1]
        if tasks and crm is not None:
            crm = _create_tasks(crm, tasks, portal_id, run)


def _notify_page(
    work: UnitOfWork,
    clock: Clock,
    portal_id: int,
    today: date,
    page: Sequence[int],
    settings: Mapping[str, Any],
    run: NotificationRun,
    queue: EventQueue | None,
) -> list[CrmTask]:
    """The reminders and overdue steps of the leases ``page`` (queued into ``run``); returns
    the CRM tasks the chain asks for."""
    chain = chain_from_settings(settings)
    leads = due_leads_from_settings(settings)
    leases = work.leases.get_many(page)
    for lease in leases.values():
        if lease.status in SIGNED_STATES:
            for reminder in lease_reminders(lease, today):
                run.queued += _queue(work, clock, portal_id, reminder, lease, None, settings)
    tasks: list[CrmTask] = []
    overdue: list[int] = []
    open_invoices = work.documents.list(kind=DocumentKind.INVOICE, statuses=UNPAID, leases=page)
    debts: dict[int, Money] = {}
    for invoice in open_invoices:
        before = debts.get(invoice.lease_id, Money.zero(invoice.total.currency))
        debts[invoice.lease_id] = before + invoice.outstanding
    for invoice in open_invoices:
        lease = leases[invoice.lease_id]
        own = lease.due_reminder_days  # the lease's own days ([] for none) before the portal's
        for reminder in due_reminders(invoice, today, leads if own is None else own):
            run.queued += _queue(work, clock, portal_id, reminder, lease, invoice, settings)
        due_steps = overdue_reminders(invoice, today, chain)
        if not due_steps:
            continue
        paid = payments_by_invoice(work, invoice.lease_id).get(invoice.id or 0, [])
        situation = _Situation(
            chain,
            debts[invoice.lease_id],
            accrued_penalty(invoice, paid, today, lease.penalty_rate_per_day),
            today,
        )
        for reminder in due_steps:
            added = _queue(work, clock, portal_id, reminder, lease, invoice, settings, situation)
            run.queued += added
            if added and invoice.id is not None:
                overdue.append(invoice.id)
            task = _task(work, lease, invoice, reminder, today) if added else None
            if task is not None:
                tasks.append(task)
    record_lease_events(work, clock, sorted(set(overdue)), LeaseEvent.OVERDUE, queue)
    return tasks


def _create_tasks(
    crm: CrmPort, tasks: Sequence[CrmTask], portal_id: int, run: NotificationRun
) -> CrmPort | None:
    """Create a page's CRM tasks; the CRM to create the next pages' with, None once it
    failed (the emails went out; the tasks are reported in the run's errors, not
    retried, and no later page waits for a CRM that is down)."""
    try:
        crm.add_tasks(tasks)
    except CrmError as err:
        log.warning("portal %s: CRM tasks not created: %s", portal_id, err)
        run.errors.append(f"CRM tasks not created: {err}")
        return None
    run.tasks += len(tasks)
    return crm


def _recipients(
    audience: Sequence[Audience], lease: Lease, settings: Mapping[str, Any]
) -> dict[Audience, tuple[str, ...]]:
    own = lease.accountant.email if lease.accountant is not None else ""
    accountant = (
        own
        or lease.landlord.accountant.email
        or str(settings.get("onec", {}).get("accountant_email", ""))
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
    situation: _Situation | None = None,
) -> int:
    subject, body = _text(reminder, lease, invoice, situation)
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
        if tenant:  # by the channels the tenant chose for the reminder's topic
            queued += queue_for_tenant(uow, clock, message, lease.tenant.id)
        else:
            queued += uow.outbox.add(message, clock.now())
    return queued


def _text(
    reminder: Reminder,
    lease: Lease,
    invoice: IssuedDocument | None,
    situation: _Situation | None = None,
) -> tuple[str, str]:
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
        raise ValueError("a payment reminder needs its invoice")
    if reminder.kind is ReminderKind.PAYMENT_DUE:
        return _due_text(reminder, lease, invoice, basis)
    if situation is None:
        raise ValueError("an overdue step needs the debt and the penalty")
    return _overdue_text(reminder, lease, invoice, basis, situation)


def _due_text(
    reminder: Reminder, lease: Lease, invoice: IssuedDocument, basis: str
) -> tuple[str, str]:
    """The tenant's reminder before the due date, and on it."""
    due = invoice.due_on
    when = "сегодня" if reminder.days_left == 0 else f"через {reminder.days_left} дн."
    subject = (
        f"Срок оплаты счёта № {invoice.number} — {when}, {due:%d.%m.%Y}"
        if due is not None
        else f"Оплата счёта № {invoice.number}"
    )
    body = (
        f"Добрый день!\n\nНапоминаем: счёт № {invoice.number} от {invoice.issued_on:%d.%m.%Y}"
        f" ({basis}) к оплате {rub(invoice.outstanding)}, срок оплаты {due:%d.%m.%Y} — {when}.\n"
        f"Получатель: {lease.landlord.name}, ИНН {lease.landlord.inn},"
        f" р/с {lease.landlord.bank.account} в {lease.landlord.bank.bank_name},"
        f" БИК {lease.landlord.bank.bic}.\n"
        "Если счёт уже оплачен, не обращайте внимания на это письмо.\n"
    )
    if lease.penalty_rate_per_day is not None:
        body += f"После срока начисляются пени {_rate(lease)}% в день.\n"
    return subject, body


def _rate(lease: Lease) -> str:
    """The penalty rate as a person writes it: 0.1, not 0.10."""
    rate = lease.penalty_rate_per_day
    return "" if rate is None else f"{rate.normalize():f}"


_AUDIENCE_RU = {
    Audience.MANAGER: "менеджеру",
    Audience.SUPERVISOR: "руководителю",
    Audience.ACCOUNTANT: "бухгалтеру",
    Audience.TENANT: "арендатору",
}


def _overdue_text(
    reminder: Reminder, lease: Lease, invoice: IssuedDocument, basis: str, situation: _Situation
) -> tuple[str, str]:
    """One overdue step's email: which step, the invoice, the debt, the penalty to date and
    what the chain does next."""
    chain, step = situation.chain, reminder.step
    due = invoice.due_on
    late = (situation.today - due).days if due is not None else 0
    subject = (
        f"Просрочка {late} дн., шаг {step} из {len(chain)}: счёт № {invoice.number}"
        f" по договору № {lease.number} ({lease.tenant.name})"
    )
    lines = [
        f"Шаг {step} из {len(chain)} цепочки по просрочке.",
        f"Счёт № {invoice.number} от {invoice.issued_on:%d.%m.%Y} ({basis}, {lease.tenant.name})"
        f" не оплачен: срок был {due:%d.%m.%Y}, просрочка {late} дн.,"
        f" к оплате по счёту {rub(invoice.outstanding)}.",
        f"Задолженность по договору всего: {rub(situation.debt)}.",
    ]
    if lease.penalty_rate_per_day is not None:
        lines.append(
            f"Пени на {situation.today:%d.%m.%Y}: {rub(situation.penalty)}"
            f" ({_rate(lease)}% в день, начисляются до дня оплаты)."
        )
    else:
        lines.append("Пени договором не предусмотрены.")
    if step < len(chain):
        following = chain[step]  # steps are numbered from 1
        on = due + timedelta(days=following.days_after_due) if due is not None else None
        when = f" {on:%d.%m.%Y}" if on is not None else ""
        lines.append(
            f"Что дальше: без оплаты{when} сообщение уйдёт {_AUDIENCE_RU[following.audience]}."
        )
    else:
        lines.append(
            "Что дальше: это последний шаг цепочки. Следующий шаг — претензия арендатору"
            " (досудебный порядок), решение за руководителем и бухгалтерией;"
            " пени продолжают начисляться до оплаты."
        )
    if reminder.crm_task:
        lines.append("В CRM поставлена задача ответственному менеджеру.")
    return subject, "\n".join(lines) + "\n"


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
            f"{lease.tenant.name}: к оплате {rub(invoice.outstanding)},"
            f" срок был {invoice.due_on:%d.%m.%Y}"
        ),
        deadline=datetime.combine(today + timedelta(days=1), time(9), tzinfo=UTC),
    )
