"""``rentflow billing run``: the billing run on demand, with a progress bar."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click


@click.group()
def billing() -> None:
    """Issue due invoices and acts."""


@billing.command("run")
@click.option("--portal", "portals", type=int, multiple=True, help="Only this portal (repeatable).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Run as of this date.")
def run(portals: tuple[int, ...], day: datetime | None) -> None:
    """Issue every planned document due by the date (today UTC by default), render, store,
    link and queue the emails; print a JSON summary. Safe to repeat: nothing is issued twice."""
    from backend.bootstrap import bootstrap
    from backend.services.billing import PortalRun, run_billing

    container = bootstrap()
    today = day.date() if day is not None else container.clock.today()
    with container.uow() as uow:
        known = [p.id for p in uow.portals.list() if not portals or p.id in portals]
    # the bar goes to stderr: stdout carries the JSON summary
    with click.progressbar(length=len(known), label=f"billing {today}", file=sys.stderr) as bar:

        def advance(result: PortalRun) -> None:
            bar.label = f"portal {result.portal_id}: {len(result.issued)} issued"
            bar.update(1)

        summary = run_billing(container.billing_ports(), today, portals or None, advance)
    click.echo(
        json.dumps(
            {
                "date": today.isoformat(),
                "issued": summary.issued,
                "failed": summary.failed,
                "portals": [
                    {
                        "portal": p.portal_id,
                        "issued": len(p.issued),
                        "mailed": p.mailed,
                        "failed": p.failed,
                    }
                    for p in summary.portals
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    if summary.failed:
        raise SystemExit(1)
