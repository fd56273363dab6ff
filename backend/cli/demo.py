"""``rentflow demo``: see a whole lease cycle work without a CRM account."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import click


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for pdf/, mail/, statements/ and summary.json (replaced if there).",
)
@click.option("--months", default=3, show_default=True, type=click.IntRange(1, 12))
def demo(out: Path, months: int) -> None:
    """Run rentflow against the sandbox Bitrix24 portal and amoCRM account, an in-process SMTP
    sink and 1C bank statements: three tenants per CRM over ``--months`` simulated months
    from 2026-01-01. Needs no network and no external service."""
    from backend.demo.cycle import NotADemoFolder, run_demo

    try:
        summary = run_demo(out, months)
    except NotADemoFolder as err:
        raise click.UsageError(str(err)) from None
    click.echo(human_summary(summary, out))


def human_summary(summary: dict[str, Any], out: Path) -> str:
    """A few lines for the terminal: per lease what was issued, paid and where the deal is."""
    period = summary["period"]
    lines = [f"rentflow demo, {period['from']} — {period['to']}, written to {out}/", ""]
    for lease in summary["leases"]:
        kinds = [d["kind"] for d in lease["documents"]]
        paid = sum(Decimal(p["amount"]) for p in lease["payments"])
        # accrued up to each payment and kept: a late payment does not wipe the пени out
        penalty = lease["penalty_at_end"]
        lines.append(
            f"  {lease['crm']:9} {lease['number']:9} {lease['tenant']:14} {lease['behaviour']:8}"
            f" invoices {kinds.count('invoice')}, acts {kinds.count('act')},"
            f" paid {paid:.2f}, debt {lease['debt_at_end']}, пени {penalty},"
            f" deal: «{lease['deal_stage_at_end']['name']}»"
        )
    emails, documents = summary["emails"], summary["documents"]
    by_kind = ", ".join(f"{k} {v}" for k, v in emails["by_kind"].items())
    lines += [
        "",
        f"  documents: {documents['by_kind']}, PDF files {documents['pdf_files']}",
        f"  emails received by the SMTP sink: {emails['received_by_sink']} ({by_kind})",
        f"  overdue steps: {len(summary['escalations'])}, CRM tasks {summary['crm_tasks']}",
    ]
    return "\n".join(lines)
