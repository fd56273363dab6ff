"""``rentflow invoices list``: the invoices with what is paid and what is still owed;
``rentflow invoices penalty``: invoice a lease's late-payment penalty (пени)."""

from __future__ import annotations

import json
from datetime import datetime

import click

from backend.domain.documents import InvoiceStatus
from backend.domain.errors import DomainError


@click.group()
def invoices() -> None:
    """Issued invoices (счета на оплату) and their payment state."""


@invoices.command("list")
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
@click.option("--lease", "lease_id", type=int, help="Only this lease's invoices.")
@click.option(
    "--status", type=click.Choice([s.value for s in InvoiceStatus]), help="Only this status."
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def list_command(
    portal_id: int | None, lease_id: int | None, status: str | None, as_json: bool
) -> None:
    """List invoices with total, paid and outstanding amounts: how a statement left them."""
    from backend.bootstrap import bootstrap
    from backend.cli.payments import pick_portal
    from backend.services.invoices import list_invoices

    container = bootstrap()
    try:
        portal = pick_portal(container, portal_id)
        with container.uow(portal.id) as uow:
            rows = list_invoices(
                uow, lease_id=lease_id, status=InvoiceStatus(status) if status else None
            )
    finally:
        container.dispose()
    if as_json:
        data = [
            {
                "id": r.id, "number": r.number, "date": r.issued_on.isoformat(),
                "lease_id": r.lease_id, "lease": r.lease_number, "tenant": r.tenant,
                "period": [r.period_start.isoformat(), r.period_end.isoformat()],
                "due_on": r.due_on.isoformat() if r.due_on else None,
                "total": f"{r.total.amount:.2f}", "paid": f"{r.paid.amount:.2f}",
                "outstanding": f"{r.outstanding.amount:.2f}", "status": r.status,
                "purpose": r.purpose,
            }
            for r in rows
        ]  # fmt: skip
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{'number':<14}{'date':<12}{'lease':<14}{'total':>14}{'paid':>14}{'outstanding':>14}"
        "  status"
    )
    for r in rows:
        click.echo(
            f"{r.number:<14}{r.issued_on:%d.%m.%Y}  {r.lease_number:<14}{r.total.amount:>14.2f}"
            f"{r.paid.amount:>14.2f}{r.outstanding.amount:>14.2f}  {r.status}"
        )


@invoices.command("penalty")
@click.argument("lease_id", type=int)
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
@click.option(
    "--until", type=click.DateTime(["%Y-%m-%d"]), help="Accrued up to this day (default today)."
)
def penalty_command(lease_id: int, portal_id: int | None, until: datetime | None) -> None:
    """Invoice the lease's late-payment penalty (пени) not invoiced yet: its own invoice,
    numbered, with its own QR code; prints it, or says there is nothing to invoice."""
    from backend.bootstrap import bootstrap
    from backend.cli.payments import pick_portal_id
    from backend.services.penalties import invoice_penalty

    container = bootstrap()
    try:
        chosen = pick_portal_id(container, portal_id)
        today = container.clock.today()
        try:
            document_id = invoice_penalty(
                container.billing_ports(), chosen, lease_id, today,
                until.date() if until else None,
            )  # fmt: skip
        except DomainError as err:
            raise click.ClickException(str(err)) from err
        if document_id is None:
            click.echo(json.dumps({"lease_id": lease_id, "invoiced": None}))
            return
        with container.uow(chosen) as uow:
            document = uow.documents.get(document_id)
    finally:
        container.dispose()
    click.echo(
        json.dumps(
            {
                "lease_id": lease_id, "invoice_id": document_id, "number": document.number,
                "date": document.issued_on.isoformat(), "due_on": str(document.due_on),
                "period": [document.period.start.isoformat(), document.period.end.isoformat()],
                "total": f"{document.total.amount:.2f}",
            },
            ensure_ascii=False, indent=2,
        )
    )  # fmt: skip
