"""``rentflow invoices list``: the invoices with what is paid and what is still owed."""

from __future__ import annotations

import json

import click

from backend.domain.documents import InvoiceStatus


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
    from backend.cli_payments import pick_portal
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
