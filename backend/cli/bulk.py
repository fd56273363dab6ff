"""``rentflow import``, ``rentflow export``, ``rentflow feeds``: thin layers over the bulk
services (premises, tenants and personal accounts; the CIAN feed)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click

from backend.bootstrap import bootstrap
from backend.cli.payments import pick_portal_id as _portal_id
from backend.services.portal_settings import InvalidSettings


def _echo(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group("import")
def import_() -> None:
    """Import premises, tenants and personal accounts (seed 002)."""


@import_.command("xml")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
def import_xml(file: Path, portal_id: int | None) -> None:
    """Import an XML file (docs/import-xml.md); exit 1 when the import stopped on an error."""
    from backend.bulk.wiring import read_xml

    _import_file(file, portal_id, read_xml, "xml")


@import_.command("excel")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
def import_excel(file: Path, portal_id: int | None) -> None:
    """Import a workbook made from the template (``rentflow export excel template``)."""
    from backend.bulk.excel import read_workbook

    _import_file(file, portal_id, read_workbook, "excel")


def _import_file(
    file: Path, portal_id: int | None, read: Callable[[IO[bytes]], Any], channel: str
) -> None:
    """Import ``file`` read by ``read``; print the report, exit 1 when it stopped on an error."""
    from backend.services.imports import import_records

    container = bootstrap()
    try:
        pid = _portal_id(container, portal_id)
        with container.uow(pid) as uow, file.open("rb") as stream:
            report = import_records(
                uow, container.clock, read(stream), channel=channel, source=file.name
            )
    finally:
        container.dispose()
    _echo({"portal": pid, **report.as_dict()})
    if not report.ok:
        raise SystemExit(1)


@import_.command("run")
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
def import_run(portal_id: int | None) -> None:
    """Fetch and import the portal's configured files now («Запустить сейчас»)."""
    from backend.services.import_schedule import run_portal_import

    container = bootstrap()
    try:
        pid = _portal_id(container, portal_id)
        reports = run_portal_import(container.bulk_ports(), pid, "manual")
    finally:
        container.dispose()
    _echo([r.as_dict() for r in reports])
    if not all(r.ok for r in reports):
        raise SystemExit(1)


@import_.command("settings")
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
@click.option("--source", "sources", multiple=True, help="http(s)://, sftp:// or ftp:// URL.")
@click.option("--schedule", help="Cron expression, e.g. '0 3 * * *' (UTC); '' = none.")
@click.option("--delete-after-read/--keep-files", default=None)
@click.option("--report-to", "report_to", multiple=True, help="Email for the run reports.")
@click.option("--enable/--disable", "enabled", default=None)
def import_settings(
    portal_id: int | None,
    sources: tuple[str, ...],
    schedule: str | None,
    delete_after_read: bool | None,
    report_to: tuple[str, ...],
    enabled: bool | None,
) -> None:
    """Show or change the scheduled XML import settings (only the options given change)."""
    from backend.services.import_schedule import save_settings, settings_of

    container = bootstrap()
    try:
        pid = _portal_id(container, portal_id)
        with container.uow(pid) as uow:
            current = settings_of(uow.portals.get(pid).settings).as_dict()
            changes = {
                "sources": list(sources) or None,
                "schedule": schedule,
                "delete_after_read": delete_after_read,
                "report_to": list(report_to) or None,
                "enabled": enabled,
            }
            given = {k: v for k, v in changes.items() if v is not None}
            if given:
                saved = save_settings(uow, container.clock, {**current, **given})
                uow.commit()
                current = saved.as_dict()
    except InvalidSettings as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        container.dispose()
    _echo({"portal": pid, **_hidden(current)})


def _hidden(settings: dict[str, Any]) -> dict[str, Any]:
    from backend.services.import_schedule import settings_of

    return settings_of({"imports": settings}).as_dict(hide_secrets=True)


@import_.command("log")
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
@click.option("--limit", default=20, show_default=True)
def import_log(portal_id: int | None, limit: int) -> None:
    """The last import runs: status, counts, warnings, error, started, finished."""
    container = bootstrap()
    try:
        pid = _portal_id(container, portal_id)
        with container.uow(pid) as uow:
            runs = uow.import_runs.recent(limit)
    finally:
        container.dispose()
    _echo(runs)


@click.group()
def feeds() -> None:
    """Feeds of vacant premises for ad sites (CIAN)."""


@feeds.command("cian")
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write it here.")
@click.option("--mode", type=click.Choice(["per_premises", "per_floor"]), help="Change mode.")
@click.option("--building", "buildings", multiple=True, help="Publish only these buildings.")
@click.option("--phone", help="Contact phone of the ads.")
@click.option("--new-key", is_flag=True, help="Make a new secret feed URL (the old one dies).")
def cian(
    portal_id: int | None,
    out: Path | None,
    mode: str | None,
    buildings: tuple[str, ...],
    phone: str | None,
    new_key: bool,
) -> None:
    """Print the feed URL and lots; write the feed to --out; change settings if given."""
    from backend.services.cian_feed import rendered_feed, save_settings, settings_of

    container = bootstrap()
    try:
        pid = _portal_id(container, portal_id)
        with container.uow(pid) as uow:
            settings = settings_of(uow.portals.get(pid).settings)
            changes: dict[str, Any] = {"new_key": new_key} if new_key else {}
            if mode:
                changes["mode"] = mode
            if buildings:
                changes["buildings"] = list(buildings)
            if phone is not None:
                changes["phone"] = phone
            if changes or not settings.key:
                settings = save_settings(uow, changes)
                uow.commit()
        feed = rendered_feed(container.bulk_ports(), pid)
        base = container.settings.public_base_url.rstrip("/")
    except InvalidSettings as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        container.dispose()
    if out is not None:
        out.write_bytes(feed.body)
    _echo({
        "portal": pid, "url": f"{base}/feeds/{settings.key}/cian.xml",
        "mode": settings.mode.value, "lots": feed.lots, "skipped": feed.skipped,
        "out": str(out) if out else None,
    })  # fmt: skip


@feeds.command("avito")
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def avito(portal_id: int | None, out: Path) -> None:
    """Write the Avito autoload feed of the same lots (settings: ``feeds cian``)."""
    from backend.services.cian_feed import rendered_feed, settings_of

    container = bootstrap()
    try:
        pid = _portal_id(container, portal_id)
        with container.uow(pid) as uow:
            key = settings_of(uow.portals.get(pid).settings).key
        feed = rendered_feed(container.bulk_ports(), pid, "avito")
        base = container.settings.public_base_url.rstrip("/")
    finally:
        container.dispose()
    out.write_bytes(feed.body)
    url = f"{base}/feeds/{key}/avito.xml" if key else "run `rentflow feeds cian` first"
    _echo({"portal": pid, "url": url, "lots": feed.lots, "skipped": feed.skipped})


@click.group()
def export() -> None:
    """Export the register to Excel."""


@export.command("excel")
@click.argument("what", type=click.Choice(["premises", "tenants", "template"]))
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--building", default="", help="Premises: only this building.")
@click.option("--floor", default="", help="Premises: only this floor.")
@click.option("--status", default="", help="Premises: vacant, booked or rented.")
@click.option("--kind", default="", help="Premises: office, warehouse, retail, service, other.")
@click.option("--search", default="", help="Tenants: name, INN or phone digits.")
def export_excel(
    what: str,
    portal_id: int | None,
    out: Path,
    building: str,
    floor: str,
    status: str,
    kind: str,
    search: str,
) -> None:
    """Write the premises or tenant list (with the filters given), or the import template."""
    from backend.bulk.excel import write_premises, write_template, write_tenants
    from backend.domain.premises import PremisesFilter
    from backend.services.register import all_premises, all_tenants

    if what == "template":
        with out.open("wb") as stream:
            write_template(stream)
        _echo({"out": str(out), "rows": 0})
        return
    container = bootstrap()
    try:
        pid = _portal_id(container, portal_id)
        with container.uow(pid) as uow, out.open("wb") as stream:
            if what == "premises":
                where = PremisesFilter(building, floor, status, kind)
                rows = write_premises(all_premises(uow, where), stream)
            else:
                rows = write_tenants(all_tenants(uow, search), stream)
    finally:
        container.dispose()
    _echo({"portal": pid, "out": str(out), "rows": rows})


@click.group("api-keys")
def api_keys() -> None:
    """Keys of the public API v1 (docs/api.md)."""


@api_keys.command("create")
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
@click.option("--name", default="", help="What the key is for.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(["read", "write"]),
              default=("read",), show_default=True)  # fmt: skip
def api_keys_create(portal_id: int | None, name: str, scopes: tuple[str, ...]) -> None:
    """Make a key and print it: it is shown this once (only its hash is stored)."""
    from backend.services.api_keys import create_key

    container = bootstrap()
    try:
        pid = _portal_id(container, portal_id)
        with container.uow(pid) as uow:
            key_id, key = create_key(uow, container.clock, pid, name, scopes)
            uow.commit()
    finally:
        container.dispose()
    _echo({"portal": pid, "id": key_id, "key": key, "scopes": sorted(scopes)})


@api_keys.command("revoke")
@click.argument("key_id", type=int)
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
def api_keys_revoke(key_id: int, portal_id: int | None) -> None:
    """Revoke a key of the portal by its id."""
    from backend.services.api_keys import revoke_key

    container = bootstrap()
    try:
        pid = _portal_id(container, portal_id)
        with container.uow(pid) as uow:
            done = revoke_key(uow, container.clock, pid, key_id)
            uow.commit()
    finally:
        container.dispose()
    if not done:
        raise click.ClickException(f"portal {pid} has no active key {key_id}")
    _echo({"portal": pid, "id": key_id, "revoked": True})


@api_keys.command("list")
@click.option("--portal", "portal_id", type=int, help="Portal id (default: the only one).")
def api_keys_list(portal_id: int | None) -> None:
    """The portal's keys (ids, names, scopes, dates; never the keys themselves)."""
    container = bootstrap()
    try:
        pid = _portal_id(container, portal_id)
        with container.uow(pid) as uow:
            keys = uow.api_keys.list(pid)
    finally:
        container.dispose()
    _echo(keys)
