"""``rentflow onec export --month YYYY-MM [--reexport]`` and ``rentflow onec poll``."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from backend.bootstrap import bootstrap
from backend.cli.payments import pick_portal, pick_portal_id


@click.group()
def onec() -> None:
    """1C: EnterpriseData export of documents, OData payment poll."""


def _month(text: str | None) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    try:
        year, month = (int(part) for part in text.split("-"))
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM", param_hint="--month") from exc
    return year, month


@onec.command("export")
@click.option("--month", help="YYYY-MM (default: the previous month).")
@click.option("--portal", "portal_id", type=int)
@click.option("--reexport", is_flag=True, help="Include documents exported before.")
def export(month: str | None, portal_id: int | None, reexport: bool) -> None:
    """Export a month's invoices and acts as EnterpriseData XML and email it."""
    from backend.services.onec_runs import export_portal

    year, number = _month(month)
    container = bootstrap()
    try:
        result = export_portal(
            container.onec_ports(),
            pick_portal_id(container, portal_id),
            year=year,
            month=number,
            reexport=reexport,
        )
    finally:
        container.dispose()
    click.echo(
        json.dumps({**asdict(result), "documents": result.documents}, ensure_ascii=False, indent=2)
    )


@onec.command("login")
@click.option("--portal", "portal_id", type=int)
@click.option("--odata-url", required=True, help="http(s)://host/<base>/odata/standard.odata")
@click.option("--user", required=True, help="The 1C user OData logs in as.")
@click.password_option(
    "--password", confirmation_prompt=False, help="Asked for when not given (never echoed)."
)
def login(portal_id: int | None, odata_url: str, user: str, password: str) -> None:
    """Store the portal's 1C OData address and login; the password is kept encrypted."""
    from dataclasses import replace

    from backend.onec.credentials import public_onec_settings, with_odata_login

    container = bootstrap()
    try:
        portal = pick_portal(container, portal_id)
        settings = with_odata_login(
            portal.settings, container.cipher, odata_url=odata_url, user=user, password=password
        )
        with container.uow(None) as uow:
            uow.portals.save(replace(portal, settings=settings))
            uow.commit()
    finally:
        container.dispose()
    click.echo(json.dumps(public_onec_settings(settings), ensure_ascii=False, indent=2))


@onec.command("poll")
@click.option("--portal", "portal_id", type=int)
def poll(portal_id: int | None) -> None:
    """Read new payments from the portal's 1C over OData now."""
    from backend.onec.odata import OneCError
    from backend.services.onec_runs import poll_portal

    container = bootstrap()
    try:
        summary = poll_portal(container.onec_ports(), pick_portal_id(container, portal_id))
    except OneCError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        container.dispose()
    if summary is None:
        raise click.ClickException("the portal has no 1C OData settings (settings.onec.odata_url)")
    click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))


@onec.command("drafts")
@click.option("--month", help="YYYY-MM (default: the previous month).")
@click.option("--portal", "portal_id", type=int)
def drafts(month: str | None, portal_id: int | None) -> None:
    """Write the month's invoices and acts to 1C as draft documents over OData."""
    from backend.services.onec_runs import push_portal_drafts

    year, number = _month(month)
    container = bootstrap()
    try:
        result = push_portal_drafts(
            container.onec_ports(), pick_portal_id(container, portal_id), year=year, month=number
        )
    finally:
        container.dispose()
    if result is None:
        raise click.ClickException("OData writing is off for this portal (settings.onec)")
    click.echo(json.dumps(asdict(result), ensure_ascii=False, indent=2))
    if result.error:
        raise click.ClickException(result.error)
