"""``rentflow bic load <file.zip|file.xml>`` or ``rentflow bic load --url``: the Bank of
Russia's BIC directory (Справочник БИК, ЭСИД ED807) that the landlord form looks banks up in.

A load replaces the stored directory whole, or not at all: a broken file is refused with the
reason, and the directory loaded before stays. In the sandbox, ``rentflow serve`` loads a
small sample of real banks when no directory is loaded (``sandbox/cbr/ed807_sample.xml``).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import click

from backend.bootstrap import Container, bootstrap
from backend.cbr.download import CBR_DIRECTORY_URL, NotTheCbr, check_cbr_url, fetch_directory
from backend.cbr.ed807 import Directory, read_directory, read_directory_file
from backend.config import Settings
from backend.domain.banks import BadDirectory
from backend.services.bank_directory import LoadResult, directory_is_empty, load_directory

SANDBOX_SAMPLE = "ed807_sample.xml"


@click.group()
def bic() -> None:
    """The Bank of Russia's BIC directory (ED807) the landlord form looks banks up in."""


@bic.command("load")
@click.argument(
    "path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--url", is_flag=False, flag_value=CBR_DIRECTORY_URL, default=None,
    help=f"Download it from the Bank of Russia (default {CBR_DIRECTORY_URL}; only an"
    " https://cbr.ru address is fetched).",
)  # fmt: skip
def load(path: Path | None, url: str | None) -> None:
    """Load the directory from PATH (the .zip from cbr.ru or its .xml) or from --url."""
    if (path is None) == (url is None):
        raise click.UsageError("name the file, or --url to download it from cbr.ru (one of them)")
    if url is not None:
        try:
            check_cbr_url(url)  # before anything else: no request to a host the caller chose
        except NotTheCbr as err:
            raise click.UsageError(str(err)) from err
    container = bootstrap()
    try:
        try:
            result = store_directory(container, _read(path, url))
        except BadDirectory as err:
            raise click.ClickException(
                f"the directory was not loaded: {err}. {_kept(container)}"
            ) from err
    finally:
        container.dispose()
    click.echo(
        f"loaded {result.loaded} banks of the directory of {result.business_day or 'no date'}"
        f" ({result.skipped} entries left out: closed, withdrawn or without a bank in force)"
    )


def _read(path: Path | None, url: str | None) -> Directory:
    if path is not None:
        return read_directory_file(path)
    return read_directory(fetch_directory(url or CBR_DIRECTORY_URL))


def store_directory(container: Container, directory: Directory) -> LoadResult:
    """Store what a file holds, replacing the directory loaded before."""
    with container.uow(None) as uow:
        return load_directory(
            uow, container.clock, directory.banks, directory.skipped, directory.business_day
        )


def _kept(container: Container) -> str:
    with container.uow(None) as uow:
        count, day = uow.banks.summary()
    if not count:
        return "No directory is loaded: the landlord form checks only a BIC's digits."
    return f"The directory loaded before is kept: {count} banks of {day or 'no date'}."


def load_sandbox_directory(container: Container) -> LoadResult | None:
    """The sandbox's sample directory, loaded when none is: a handful of real banks with
    their real БИК and correspondent accounts."""
    with container.uow(None) as uow:
        if not directory_is_empty(uow):
            return None
    sample = files("sandbox.cbr").joinpath(SANDBOX_SAMPLE).read_bytes()
    return store_directory(container, read_directory(sample))


def seed_sandbox_directory(settings: Settings) -> None:
    """``rentflow serve`` in the sandbox: the sample directory when none is loaded."""
    container = bootstrap(settings)
    try:
        result = load_sandbox_directory(container)
    finally:
        container.dispose()
    if result is not None:
        click.echo(f"sandbox: the BIC directory sample loaded ({result.loaded} banks)")
