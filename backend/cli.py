"""The ``rentflow`` command."""

from __future__ import annotations

import os
from typing import Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from backend import (
    cli_billing,
    cli_bulk,
    cli_demo,
    cli_invoices,
    cli_lease,
    cli_onec,
    cli_payments,
    cli_runtime,
    cli_telegram,
    cli_widget,
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


main.add_command(cli_runtime.db)
main.add_command(cli_runtime.serve)
main.add_command(cli_runtime.worker)
main.add_command(cli_runtime.beat)
main.add_command(cli_runtime.doctor)
main.add_command(cli_widget.widget)
main.add_command(cli_lease.schedule)
main.add_command(cli_lease.leases)
main.add_command(cli_invoices.invoices)
main.add_command(cli_billing.billing)
main.add_command(documents)
main.add_command(cli_payments.payments)
main.add_command(cli_onec.onec)
main.add_command(cli_demo.demo)
main.add_command(cli_bulk.import_)
main.add_command(cli_bulk.export)
main.add_command(cli_bulk.feeds)
main.add_command(cli_bulk.api_keys)
main.add_command(cli_telegram.telegram)

if __name__ == "__main__":
    main()
