"""The ``rentflow`` command."""

from __future__ import annotations

import click


@click.group()
def main() -> None:
    """rentflow: lease billing inside Bitrix24 and amoCRM."""


@main.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as dist_version

    click.echo(dist_version("rentflow"))
