"""``rentflow billing run``: the billing run on demand, with a progress bar."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

import click

if TYPE_CHECKING:
    from backend.services.billing_ports import PortalRun

BAR_WIDTH = 24


def _bar(done: int, total: int) -> str:
    filled = BAR_WIDTH if total <= 0 else min(BAR_WIDTH, BAR_WIDTH * done // total)
    return "[" + "#" * filled + "-" * (BAR_WIDTH - filled) + "]"


class ProgressBars:
    """The run's progress on ``out`` (stderr): a bar of all due items and one of the
    current portal's. On a terminal it is redrawn in place after every item; elsewhere
    (``--progress`` into a file or pipe) one line is written per finished portal."""

    def __init__(self, out: TextIO, due: dict[int, int], *, live: bool) -> None:
        self.out, self.due, self.live = out, dict(due), live
        self.done = 0
        self.portals_done = 0
        self.portal: int | None = None
        self.portal_done = 0

    @property
    def total(self) -> int:
        return sum(self.due.values())

    def items_due(self, portal_id: int, count: int) -> None:
        """A portal starts: its count replaces the estimate made before the run."""
        self.due[portal_id] = count
        self.portal, self.portal_done = portal_id, 0
        self._draw()

    def item_done(self, portal_id: int) -> None:
        self.done += 1
        self.portal_done += 1
        self._draw()

    def portal_finished(self, result: PortalRun) -> None:
        """One line for the finished portal, kept on screen above the bars."""
        self.portals_done += 1
        self.portal = result.portal_id
        self.portal_done = self.due.get(result.portal_id, 0)
        line = (
            f"portal {result.portal_id}: {len(result.issued)} issued, {result.mailed} emails,"
            f" {len(result.failed)} failed"
        )
        self._write(line, keep=True)
        self._draw(force=True)

    def close(self) -> None:
        if self.live:
            self.out.write("\n")
            self.out.flush()

    def _draw(self, *, force: bool = False) -> None:
        if not self.live and not force:
            return
        portals = f"{self.portals_done}/{len(self.due)} portals"
        line = f"total {_bar(self.done, self.total)} {self.done}/{self.total} items, {portals}"
        if self.portal is not None:
            done, due = self.portal_done, self.due.get(self.portal, 0)
            line += f" · portal {self.portal} {_bar(done, due)} {done}/{due}"
        self._write(line, keep=not self.live)

    def _write(self, line: str, *, keep: bool) -> None:
        if self.live:  # over the bar being redrawn; a kept line ends it
            self.out.write("\r\x1b[K" + line + ("\n" if keep else ""))
        else:
            self.out.write(line + "\n")
        self.out.flush()


@click.group()
def billing() -> None:
    """Issue due invoices and acts."""


@billing.command("run")
@click.option("--portal", "portals", type=int, multiple=True, help="Only this portal (repeatable).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Run as of this date.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bars on stderr (default: only when stderr is a terminal).",
)
def run(portals: tuple[int, ...], day: datetime | None, progress: bool | None) -> None:
    """Issue every planned document due by the date (today UTC by default), render, store,
    link and queue the emails; print a JSON summary. Safe to repeat: nothing is issued twice."""
    from backend.bootstrap import bootstrap, tune_gc_for_batch_work
    from backend.services.billing import run_billing

    container = bootstrap()
    tune_gc_for_batch_work()
    today = day.date() if day is not None else container.clock.today()
    live = sys.stderr.isatty()
    bars: ProgressBars | None = None
    if progress or (progress is None and live):
        due: dict[int, int] = {}
        with container.uow() as uow:
            known = [p.id for p in uow.portals.list() if p.id is not None]
        for portal_id in known:
            if not portals or portal_id in portals:
                with container.uow(portal_id) as uow:
                    due[portal_id] = len(uow.schedule.due(today))
        bars = ProgressBars(sys.stderr, due, live=live)  # stdout carries the JSON summary
    try:
        summary = run_billing(
            container.billing_ports(),
            today,
            portals or None,
            bars.portal_finished if bars else None,
            bars,
        )
    finally:
        if bars is not None:
            bars.close()
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
