"""A large portal's billing day in chunks, so that one portal with thousands of leases uses
every worker instead of one.

The portal's task plans the run (``plan_portal``): it opens the run's record, finishes what a
killed run left unpublished, and splits the leases with due documents into chunks of
``CHUNK_LEASES``, each a task of its own (``run_chunk``). Issuing in parallel is safe: each
document is numbered in the transaction that stores it (the landlord's counter row is locked
until then), so numbers stay gapless per landlord, and its unique key makes a redelivered
chunk add nothing. The chunk that finds every chunk done runs the phases after issuing once
(``billing.after_issue``: acts of paid invoices, tenant mail, summaries, reminders) and closes
the run. A small portal runs in one task as before (``billing.run_portal``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from backend.services.billing import after_issue, issue_due, publish_pending
from backend.services.billing_ports import BillingPorts, PortalRun
from backend.services.document_links import remove_orphan_files

CHUNK_LEASES = 200


@dataclass(frozen=True)
class PortalPlan:
    """A run split in chunks: its record, each chunk's lease ids, and what was published
    before (documents a killed run had issued without files)."""

    run_id: int
    chunks: list[list[int]]
    published: list[int] = field(default_factory=list)


def plan_portal(
    ports: BillingPorts, portal_id: int, today: date, chunk_leases: int = CHUNK_LEASES
) -> PortalPlan | None:
    """The chunks of the portal's run for ``today``; None when it is small enough for one
    task (``billing.run_portal``)."""
    with ports.uow(portal_id) as uow:
        due = uow.schedule.due(today)
    leases = sorted({lease_id for lease_id, _ in due})
    if len(leases) <= chunk_leases:
        return None
    with ports.uow(portal_id) as uow:
        run_id = uow.runs.start(today, ports.clock.now())
        uow.commit()
    before = PortalRun(portal_id)
    remove_orphan_files(ports.uow, ports.storage, ports.clock, portal_id)  # of killed runs
    publish_pending(ports, portal_id, before)
    chunks = [leases[i : i + chunk_leases] for i in range(0, len(leases), chunk_leases)]
    return PortalPlan(run_id, chunks, before.published)


def run_chunk(
    ports: BillingPorts,
    portal_id: int,
    today: date,
    run_id: int,
    chunk: int,
    total: int,
    leases: list[int],
) -> PortalRun:
    """Issue one chunk's due documents; the last chunk done also runs the phases after
    issuing and closes the run. Safe to run again (a redelivered task)."""
    result = PortalRun(portal_id)
    issue_due(ports, portal_id, today, result, leases=set(leases))
    with ports.uow(portal_id) as uow:
        tally = uow.runs.chunk_done(
            run_id, chunk, total, ports.clock.now(),
            issued=len(result.issued), errors=result.failed,
        )  # fmt: skip
        uow.commit()
    if tally is None:
        return result
    after = PortalRun(portal_id)
    after_issue(ports, portal_id, today, after)
    result.issued.extend(after.issued)
    result.mailed, result.reminders = after.mailed, after.reminders
    errors = [*tally.errors, *after.failed]
    with ports.uow(portal_id) as uow:
        uow.runs.finish(
            run_id, ports.clock.now(), issued=tally.issued + len(after.issued),
            sent=after.mailed, failed=len(errors), errors=errors,
        )  # fmt: skip
        uow.commit()
    return result
