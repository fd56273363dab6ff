"""The demo's story: install on both CRMs, create and sign three leases on each, then live
through the months day by day — the nightly billing run, the outbox, the bank statements.

Each simulated day runs as production would: at 00:00 UTC the billing run task (issue, push to
the deal, tenant and manager mail, reminders and the overdue chain), then the outbox; at noon
the day's bank statement lands in the watched 1C folder and the folder task imports it.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from backend.demo.crms import AmoCrmDemo, Bitrix24Demo, DemoCrm, DemoError, crm_of
from backend.demo.report import Report, write_report
from backend.demo.stack import Stack, running_stack
from backend.demo.tenants import (
    ACCOUNTANT_EMAIL,
    LANDLORD,
    PAYERS,
    DemoLease,
    lease_json,
)
from backend.domain.billing import DocumentKind
from backend.domain.errors import stored_id
from backend.services.deal_lease import create_lease_for_deal
from backend.services.deal_panel import deal_panel
from sandbox.onec.bank_files import StatementDocument, render_statement

START = date(2026, 1, 1)
MANAGERS = {
    "bitrix24": {"name": "Сидоров Пётр", "email": "manager@romashka.example", "crm_user_id": "7"},
    "amocrm": {"name": "Орлова Мария", "email": "m.orlova@romashka.example", "crm_user_id": "9001"},
}
LEASE_PREFIX = {"bitrix24": "Б", "amocrm": "А"}
OWNED = ("var", "pdf", "mail", "statements", "summary.json")  # what a run replaces in DIR


class NotADemoFolder(Exception):
    """The output folder holds something else: the demo replaces only its own earlier output."""


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (day 1 stays day 1, which is all the demo needs)."""
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def run_demo(out: Path, months: int = 3, start: date = START) -> dict[str, Any]:
    """Run the whole cycle into ``out`` and return the summary written to summary.json."""
    if out.is_dir() and any(out.iterdir()) and not (out / "summary.json").is_file():
        raise NotADemoFolder(f"{out} holds files but no earlier demo: pick an empty folder")
    out.mkdir(parents=True, exist_ok=True)
    for name in OWNED:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    last = add_months(start, months) - timedelta(days=1)
    with running_stack(out / "var", start) as stack:
        sides: list[DemoCrm] = [Bitrix24Demo(stack), AmoCrmDemo(stack)]
        leases = [lease for side in sides for lease in open_leases(stack, side, start)]
        day = start
        while day <= last:
            live_day(stack, leases, day, out)
            day += timedelta(days=1)
        report = Report(stack, {side.name: side for side in sides}, leases, start, last)
        return write_report(report, out)


def open_leases(stack: Stack, side: DemoCrm, start: date) -> list[DemoLease]:
    """Install rentflow on ``side``, map its stages, and for each tenant create a deal, its
    lease (from the deal, as the card panel does) and drag the deal to "signed"."""
    portal = side.install()
    side.map_stages()
    portal_id = stored_id(portal.id, "portal")
    with stack.container.uow() as uow:
        # the portal's 1C settings name the accountant the overdue chain's last step tells
        current = uow.portals.get(portal_id)
        settings = {**current.settings, "onec": {"accountant_email": ACCOUNTANT_EMAIL}}
        uow.portals.save(replace(current, settings=settings), at=stack.clock.now())
        uow.commit()
    made = []
    for n, payer in enumerate(PAYERS, start=1):
        deal_id = side.new_deal(f"Аренда помещения {payer.premises}, {payer.name}")
        number = f"{LEASE_PREFIX[side.name]}-{n}/{start.year}"
        terms = lease_json(payer, number, start, MANAGERS[side.name])
        lease_id = create_lease_for_deal(
            stack.container.uow(portal_id), stack.clock, crm_of(stack, portal), deal_id, terms
        )
        side.sign(deal_id)
        made.append(DemoLease(side.name, portal_id, deal_id, lease_id, number, payer, terms))
    return made


def live_day(stack: Stack, leases: list[DemoLease], day: date, out: Path) -> None:
    """One simulated day: the midnight billing run and mail, then the noon bank statement."""
    stack.at(day, 0)
    stack.run_task("jobs.tasks.billing_run")
    deliver_all(stack)
    stack.drain()  # the deal moves the delivered mail and overdue invoices asked for
    stack.at(day, 12)
    if drop_statements(stack, leases, day, out):
        stack.run_task("jobs.tasks.import_statement_folder")
        inbox = stack.statement_inbox
        refused = sorted(inbox.glob("*/failed/*.error.txt"))
        if refused:
            raise DemoError(f"{refused[0].name}: {refused[0].read_text(encoding='utf-8')}")
        deliver_all(stack)
        stack.drain()  # "paid" deal moves


def deliver_all(stack: Stack) -> None:
    """Run the outbox task until nothing is due (it sends at most 100 per run)."""
    for _ in range(50):
        with stack.container.uow() as uow:
            if not uow.outbox.due(stack.clock.now(), 1):
                return
        stack.run_task("jobs.tasks.deliver_outbox")


def drop_statements(stack: Stack, leases: list[DemoLease], day: date, out: Path) -> int:
    """Write today's bank statement of each portal into the watched folder (and a copy into
    ``out/statements``): one payment order per invoice a tenant pays today. Returns how many
    payments were written."""
    by_portal: dict[int, list[StatementDocument]] = {}
    for lease in leases:
        for document in today_payments(stack, lease, day):
            by_portal.setdefault(lease.portal_id, []).append(document)
    account = str(LANDLORD["bank"]["account"])
    for portal_id, documents in sorted(by_portal.items()):
        data = render_statement(documents, account=account, start=day, end=day)
        name = f"{day.isoformat()}.txt"
        inbox = stack.statement_inbox
        for folder in (inbox / str(portal_id), out / "statements" / str(portal_id)):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    return sum(len(d) for d in by_portal.values())


def today_payments(stack: Stack, lease: DemoLease, day: date) -> list[StatementDocument]:
    """The payment orders ``lease``'s tenant sends today, noting each in ``lease.payments``
    with the late-payment penalty the deal card showed just before it."""
    container, payer = stack.container, lease.payer
    with container.uow(lease.portal_id) as uow:
        invoices = uow.documents.for_lease(lease.lease_id, DocumentKind.INVOICE)
    paying = []
    for invoice in invoices:
        if invoice.due_on is None:
            continue
        on, amount = payer.payment(invoice.due_on, invoice.total.amount)
        if on == day:
            paying.append((invoice, invoice.due_on, amount))
    if not paying:
        return []  # the card is read only on a day the tenant pays: most days it is not
    with container.uow(lease.portal_id) as uow:
        panel = deal_panel(uow, day, lease.deal_id, container.link_url)
    penalties = {d["number"]: d["penalty"] for d in panel["documents"]}
    orders = []
    for invoice, due_on, amount in paying:
        number = f"{lease.portal_id}{lease.lease_id:02d}{len(lease.payments) + 1:02d}"
        purpose = (
            f"Оплата по счету № {invoice.number} от {invoice.issued_on:%d.%m.%Y}"
            f" за аренду помещения {payer.premises}. В т.ч. НДС 22%"
        )
        order = StatementDocument(
            number=number, on=day, amount=amount, payer=payer.name, payer_inn=payer.inn,
            payer_account=payer.account, payer_bank=payer.bank, payer_bic=payer.bic,
            payee=LANDLORD["name"], payee_inn=LANDLORD["inn"],
            payee_account=LANDLORD["bank"]["account"], purpose=purpose,
        )  # fmt: skip
        orders.append(order)
        lease.payments.append(
            {
                "on": day.isoformat(),
                "amount": f"{amount:.2f}",
                "invoice": invoice.number,
                "invoice_total": f"{invoice.total.amount:.2f}",
                "due_on": due_on.isoformat(),
                "days_late": max(0, (day - due_on).days),
                "penalty_shown_before": penalties.get(invoice.number, "0"),
            }
        )
    return orders
