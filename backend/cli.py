"""The ``rentflow`` command."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from backend import (
    cli_billing,
    cli_demo,
    cli_invoices,
    cli_lease,
    cli_onec,
    cli_payments,
    cli_runtime,
    cli_widget,
)
from documents.cli import documents

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

if __name__ == "__main__":
    main()
