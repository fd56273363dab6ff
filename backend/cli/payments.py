"""``rentflow payments import FILE [--portal P]``, ``payments review``, ``payments allocate``."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from backend.bootstrap import Container, bootstrap
from backend.domain.errors import DomainError, stored_id
from backend.domain.money import Money
from backend.domain.portal import Portal
from backend.onec.bank_statement import StatementError


@click.group()
def payments() -> None:
    """Payments from 1C: bank statements, allocation (разноска), manual review."""


def _echo(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def pick_portal(container: Container, portal_id: int | None) -> Portal:
    """The portal named, or the only active one."""
    with container.uow(None) as uow:
        if portal_id is not None:
            return uow.portals.get(portal_id)
        active = uow.portals.list()
    if len(active) != 1:
        raise click.ClickException(f"{len(active)} active portals: name one with --portal")
    return active[0]


def pick_portal_id(container: Container, portal_id: int | None) -> int:
    """The id of the portal named, or of the only active one."""
    return stored_id(pick_portal(container, portal_id).id, "portal")


@payments.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
def import_file(file: Path, portal_id: int | None) -> None:
    """Import a 1CClientBankExchange bank statement and print a JSON summary."""
    from backend.services.payments import import_statement

    container = bootstrap()
    try:
        chosen = pick_portal_id(container, portal_id)
        max_bytes = container.settings.statement_max_mb * 1024 * 1024
        with container.uow(chosen) as uow, file.open("rb") as stream:
            summary = import_statement(
                uow, container.clock, stream, queue=container.queue_lease_event,
                news_queue=container.queue_payment_news,
                max_bytes=max_bytes,
            )  # fmt: skip
            uow.commit()
    except (StatementError, DomainError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        container.dispose()
    _echo({"portal": chosen, "file": str(file), **summary.as_dict()})


@payments.command("review")
@click.option("--portal", "portal_id", type=int)
def review(portal_id: int | None) -> None:
    """List payments with money not yet allocated."""
    from backend.services.payments import review_list

    container = bootstrap()
    try:
        portal = pick_portal(container, portal_id)
        with container.uow(portal.id) as uow:
            items = review_list(uow)
    finally:
        container.dispose()
    _echo([
        {"payment_id": i.payment.id, "number": i.payment.number, "date": i.payment.paid_on,
         "payer": i.payment.payer_name, "inn": i.payment.payer_inn,
         "purpose": i.payment.purpose, "unallocated": f"{i.unallocated.amount:.2f}",
         "reason": i.reason}
        for i in items
    ])  # fmt: skip


@payments.command("allocate")
@click.argument("payment_id", type=int)
@click.argument("amount")
@click.option("--invoice", "invoice_id", type=int)
@click.option("--lease", "lease_id", type=int, help="Keep as an advance on this lease.")
@click.option("--portal", "portal_id", type=int)
@click.option("--by", default="cli", show_default=True)
def allocate(
    payment_id: int,
    amount: str,
    invoice_id: int | None,
    lease_id: int | None,
    portal_id: int | None,
    by: str,
) -> None:
    """Allocate AMOUNT of a payment by hand, to an invoice or as a lease's advance."""
    from backend.services.payments import allocate_manually

    try:
        money = Money(Decimal(amount))
    except InvalidOperation as exc:
        raise click.BadParameter(f"not an amount: {amount}") from exc
    container = bootstrap()
    try:
        portal = pick_portal(container, portal_id)
        with container.uow(portal.id) as uow:
            allocate_manually(
                uow, container.clock, payment_id, money, invoice_id=invoice_id,
                lease_id=lease_id, by=by, queue=container.queue_lease_event,
                news_queue=container.queue_payment_news,
            )  # fmt: skip
            uow.commit()
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        container.dispose()
    _echo({"payment_id": payment_id, "allocated": f"{money.amount:.2f}"})
