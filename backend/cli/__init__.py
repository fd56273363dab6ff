"""The ``rentflow`` command: one module per command group (``python -m backend.cli`` too)."""

from __future__ import annotations

import os
from typing import Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from backend.cli import (
    bic,
    billing,
    bulk,
    demo,
    invoices,
    lease,
    onec,
    payments,
    runtime,
    telegram,
    widget,
)
from documents.cli import documents

# files rentflow creates (database and its WAL, broker, documents, exports, outbox .eml)
# are its own: 0600, folders 0700; workers and the processes they fork inherit it
PRIVATE_UMASK = 0o077

# How a database without rentflow's tables answers: SQLite, PostgreSQL (psycopg).
_NOT_MIGRATED = ("no such table", "undefinedtable", "does not exist")


class _Rentflow(click.Group):
    """The command group; a database that was never migrated is a one-line answer that says
    what to run, never a traceback, whichever command first touched it."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as err:
            text = f"{type(err.orig).__name__} {err.orig}".lower()
            if any(marker in text for marker in _NOT_MIGRATED):
                raise click.ClickException(
                    "the database has no rentflow tables yet: run `rentflow db upgrade`"
                ) from err
            raise


@click.group(cls=_Rentflow)
def main() -> None:
    """rentflow: lease billing inside Bitrix24 and amoCRM."""
    os.umask(PRIVATE_UMASK)


@main.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as dist_version

    click.echo(dist_version("rentflow"))


main.add_command(runtime.db)
main.add_command(runtime.serve)
main.add_command(runtime.worker)
main.add_command(runtime.beat)
main.add_command(runtime.doctor)
main.add_command(widget.widget)
main.add_command(lease.schedule)
main.add_command(lease.leases)
main.add_command(invoices.invoices)
main.add_command(billing.billing)
main.add_command(documents)
main.add_command(payments.payments)
main.add_command(onec.onec)
main.add_command(demo.demo)
main.add_command(bulk.import_)
main.add_command(bulk.export)
main.add_command(bulk.feeds)
main.add_command(bulk.api_keys)
main.add_command(telegram.telegram)
main.add_command(bic.bic)
