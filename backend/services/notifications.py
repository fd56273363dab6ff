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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from backend.catalogues import gettext_for, tenant_language
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
from backend.services.mail_templates import OVERDUE, PAYMENT_DUE
from backend.services.ru_text import day, number, rub
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
    texts: dict[str, tuple[str, str]] = {}
    queued = 0
    for audience, emails in _recipients(reminder.audience, lease, settings).items():
        if not emails:
            continue
        tenant = audience is Audience.TENANT
        lang = tenant_language(lease.tenant.language) if tenant else "ru"
        if lang not in texts:
            texts[lang] = _text(reminder, lease, invoice, settings, situation, lang)
        subject, body = texts[lang]
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
    settings: Mapping[str, Any],
    situation: _Situation | None = None,
    lang: str = "ru",
) -> tuple[str, str]:
    """The reminder's subject and body, in ``lang`` (the tenant's, for the tenant's copy;
    the overdue chain's steps are written for the landlord's staff, in Russian)."""
    _ = gettext_for(lang)
    basis = _(
        "lease No. %(number)s of %(date)s", number=lease.number, date=f"{lease.signed_on:%d.%m.%Y}"
    )
    if reminder.kind is ReminderKind.LEASE_END:
        end = f"{lease.effective_end():%d.%m.%Y}"
        return (
            _("Lease No. %(number)s ends on %(date)s", number=lease.number, date=end),
            _(
                "Hello,\n\n%(basis)s (%(tenant)s) ends on %(date)s: %(when)s.\n",
                basis=basis, tenant=lease.tenant.name, date=end,
                when=_when(_, reminder.days_left, _("today is the last day")),
            ),
        )  # fmt: skip
    if reminder.kind is ReminderKind.ADDENDUM_START:
        start = f"{reminder.on + timedelta(days=reminder.days_left):%d.%m.%Y}"
        return (
            _(
                "Addendum %(addendum)s to lease No. %(number)s from %(date)s",
                addendum=reminder.addendum, number=lease.number, date=start,
            ),
            _(
                "Hello,\n\nAddendum %(addendum)s (%(basis)s) takes effect on %(date)s.\n",
                addendum=reminder.addendum, basis=basis, date=start,
            ),
        )  # fmt: skip
    if invoice is None:
        raise ValueError("a payment reminder needs its invoice")
    if reminder.kind is ReminderKind.PAYMENT_DUE:
        return _due_text(reminder, lease, invoice, settings, basis, lang)
    if situation is None:
        raise ValueError("an overdue step needs the debt and the penalty")
    return _overdue_text(reminder, lease, invoice, situation, settings)


def _lease_values(lease: Lease, invoice: IssuedDocument) -> dict[str, str]:
    return {
        "lease_number": lease.number, "lease_date": day(lease.signed_on),
        "tenant": lease.tenant.name, "landlord": lease.landlord.name,
        "invoice_number": invoice.number, "invoice_date": day(invoice.issued_on),
        "due_date": day(invoice.due_on), "amount": rub(invoice.outstanding),
    }  # fmt: skip


def _when(_: Callable[..., str], days_left: int, on_the_day: str) -> str:
    return on_the_day if days_left == 0 else _("in %(days)s days", days=days_left)


def _due_text(
    reminder: Reminder,
    lease: Lease,
    invoice: IssuedDocument,
    settings: Mapping[str, Any],
    basis: str,
    lang: str,
) -> tuple[str, str]:
    """The tenant's reminder before the due date, and on it: in the portal's wording where
    the landlord wrote their own (as written, whatever the tenant reads), else the default
    in the tenant's language."""
    _ = gettext_for(lang)
    if PAYMENT_DUE.is_own(settings):
        return _own_due_text(reminder, lease, invoice, settings)
    due = f"{invoice.due_on:%d.%m.%Y}" if invoice.due_on is not None else ""
    when = _when(_, reminder.days_left, _("today"))
    subject = (
        _("Invoice No. %(number)s is due %(when)s, %(date)s",
          number=invoice.number, when=when, date=due)
        if due
        else _("Payment of invoice No. %(number)s", number=invoice.number)
    )  # fmt: skip
    bank = lease.landlord.bank
    body = _(
        "Hello,\n\nA reminder: invoice No. %(number)s of %(issued)s (%(basis)s), %(amount)s"
        " to pay, is due %(date)s — %(when)s.\n",
        number=invoice.number, issued=f"{invoice.issued_on:%d.%m.%Y}", basis=basis,
        amount=rub(invoice.outstanding), date=due, when=when,
    ) + _(
        "Payee: %(name)s, INN %(inn)s, account %(account)s at %(bank)s, BIC %(bic)s.\n",
        name=lease.landlord.name, inn=lease.landlord.inn, account=bank.account,
        bank=bank.bank_name, bic=bank.bic,
    ) + _("If the invoice is paid already, please disregard this message.\n")  # fmt: skip
    if lease.penalty_rate_per_day is not None:
        body += _(
            "After the due date a penalty of %(rate)s%% a day accrues.\n", rate=_rate(lease, lang)
        )
    return subject, body


def _own_due_text(
    reminder: Reminder,
    lease: Lease,
    invoice: IssuedDocument,
    settings: Mapping[str, Any],
) -> tuple[str, str]:
    """The due reminder in the landlord's own wording, its values written in Russian."""
    bank = lease.landlord.bank
    values = _lease_values(lease, invoice) | {
        "when": "сегодня" if reminder.days_left == 0 else f"через {reminder.days_left} дн.",
        "requisites": f"ИНН {lease.landlord.inn}, р/с {bank.account} в {bank.bank_name},"
        f" БИК {bank.bic}",
        "penalty": f"После срока начисляются пени {_rate(lease)}% в день.\n"
        if lease.penalty_rate_per_day is not None
        else "",
    }
    return PAYMENT_DUE.fill(settings, values)


def _rate(lease: Lease, lang: str = "ru") -> str:
    """The penalty rate as a person writes it in ``lang``: 0,1 in Russian, 0.1 in English."""
    rate = lease.penalty_rate_per_day
    return "" if rate is None else number(rate, lang)


_AUDIENCE_RU = {
    Audience.MANAGER: "менеджеру",
    Audience.SUPERVISOR: "руководителю",
    Audience.ACCOUNTANT: "бухгалтеру",
    Audience.TENANT: "арендатору",
}


def _overdue_text(
    reminder: Reminder,
    lease: Lease,
    invoice: IssuedDocument,
    situation: _Situation,
    settings: Mapping[str, Any],
) -> tuple[str, str]:
    """One overdue step's email, in the portal's wording: which step, the invoice, the
    debt, the penalty to date and what the chain does next."""
    chain, step = situation.chain, reminder.step
    due = invoice.due_on
    values = _lease_values(lease, invoice) | {
        "step": str(step), "steps": str(len(chain)),
        "days_late": str((situation.today - due).days if due is not None else 0),
        "debt": rub(situation.debt), "penalty": _penalty_line(lease, situation),
        "next_step": _next_step_line(chain, step, due),
        "crm_task": "В CRM поставлена задача ответственному менеджеру.\n"
        if reminder.crm_task
        else "",
    }  # fmt: skip
    return OVERDUE.fill(settings, values)


def _penalty_line(lease: Lease, situation: _Situation) -> str:
    if lease.penalty_rate_per_day is None:
        return "Пени договором не предусмотрены."
    return (
        f"Пени на {day(situation.today)}: {rub(situation.penalty)}"
        f" ({_rate(lease)}% в день, начисляются до дня оплаты)."
    )


def _next_step_line(chain: Sequence[EscalationStep], step: int, due: date | None) -> str:
    if step >= len(chain):
        return (
            "Что дальше: это последний шаг цепочки. Следующий шаг — претензия арендатору"
            " (досудебный порядок), решение за руководителем и бухгалтерией;"
            " пени продолжают начисляться до оплаты."
        )
    following = chain[step]  # steps are numbered from 1
    on = due + timedelta(days=following.days_after_due) if due is not None else None
    when = f" {day(on)}" if on is not None else ""
    return f"Что дальше: без оплаты{when} сообщение уйдёт {_AUDIENCE_RU[following.audience]}."


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
