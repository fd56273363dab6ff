"""``rentflow schedule LEASE.json``: print a lease's schedule as JSON (docs/lease-input.md)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import IO, Any, NoReturn

import click

from backend.domain.errors import InvalidLease


def fail(message: str) -> NoReturn:
    """One line on stderr and exit code 2: bad input, not a crash."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.command()
@click.argument("lease_file", type=click.File("r", encoding="utf-8"))
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Date the status is shown at.")
@click.option("--all/--remaining", "show_all", default=False, help="Ignore `issued` documents.")
def schedule(lease_file: IO[str], today: datetime | None, show_all: bool) -> None:
    """Print the schedule of the lease in LEASE_FILE ('-' for stdin) as JSON.

    Periods, planned issue and due dates, amounts and VAT of every invoice and act still to
    issue; documents listed under `issued` are not planned again.
    """
    from backend.domain.schedule import plan
    from backend.ports import SystemClock
    from backend.services.lease_json import parse_lease, schedule_json

    data = _read_json(lease_file)
    try:
        lease, issued = parse_lease(data)
    except InvalidLease as err:
        fail(str(err))
    items = plan(lease, () if show_all else issued)
    day = today.date() if today is not None else SystemClock().today()
    click.echo(json.dumps(schedule_json(lease, items, day), ensure_ascii=False, indent=2))


@click.group()
def leases() -> None:
    """Leases in the store: create one from its JSON (docs/lease-input.md)."""


@leases.command("create")
@click.argument("lease_file", type=click.File("r", encoding="utf-8"))
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
def create(lease_file: IO[str], portal_id: int | None) -> None:
    """Store the lease in LEASE_FILE ('-' for stdin) and print its id and planned documents.

    The same JSON as `rentflow schedule`; bad input (requisites included) is one line naming
    the field, exit code 2, and nothing is stored.
    """
    from backend.bootstrap import bootstrap
    from backend.cli.payments import pick_portal
    from backend.services.leases import create_lease_from_json

    data = _read_json(lease_file)
    container = bootstrap()
    try:
        portal = pick_portal(container, portal_id)
        with container.uow(portal.id) as uow:
            try:
                registered = create_lease_from_json(uow, container.clock, data)
            except InvalidLease as err:
                fail(str(err))
            planned = uow.schedule.for_lease(registered.lease_id)
            uow.commit()
    finally:
        container.dispose()
    click.echo(
        json.dumps(
            {
                "portal": portal.id,
                "lease_id": registered.lease_id,
                "landlord_id": registered.landlord_id,
                "tenant_id": registered.tenant_id,
                "planned_invoices": sum(1 for i in planned if i.kind == "invoice"),
                "planned_acts": sum(1 for i in planned if i.kind == "act"),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


def _read_json(lease_file: IO[str]) -> Any:
    """The JSON in ``lease_file`` (decimals kept exact); one line and exit 2 when it is not."""
    from backend.services.lease_json import loads

    name = getattr(lease_file, "name", "LEASE")
    try:
        return loads(lease_file.read())
    except json.JSONDecodeError as err:
        fail(f"{name}: not valid JSON: {err.msg} at line {err.lineno} column {err.colno}")
    except UnicodeDecodeError:
        fail(f"{name}: not UTF-8 text")
