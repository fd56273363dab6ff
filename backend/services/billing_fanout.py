"""A large portal's billing day in chunks, so that one portal with thousands of leases uses
every worker instead of one.

The portal's task plans the run (``plan_portal``): it opens the run's record and splits the
leases with due documents, or with documents a killed run left unpublished or untold, into
chunks of ``CHUNK_LEASES``, each a task of its own (``run_chunk``) that first finishes what
was left of its leases (``billing.finish_killed_run``): each lease's documents are one
task's, so no two tasks tell a deal the same thing. Issuing in parallel is safe: each
document is numbered in the transaction that stores it (the landlord's counter row is locked
until then), so numbers stay gapless per landlord, and its unique key makes a redelivered
chunk add nothing. Each chunk then issues its leases' acts of paid invoices and penalty
invoices and queues their tenant mail (``billing.issue_and_mail``), so mail goes out while
the other chunks issue. The chunk that finds every chunk done runs the phases after issuing
once for the whole portal (``billing.after_issue``: what no chunk's lease had, the managers'
summaries, reminders; each reads the portal a page of leases at a time, so this chunk takes
no more memory than the others) and closes the run. A small portal runs in one task as before
(``billing.run_portal``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.services.billing import (
    after_issue,
    finish_killed_run,
    issue_and_mail,
    issue_due,
)
from backend.services.billing_ports import BillingPorts, PortalRun
from backend.services.document_links import remove_orphan_files

CHUNK_LEASES = 200


@dataclass(frozen=True)
class PortalPlan:
    """A run split in chunks: its record and each chunk's lease ids."""

    run_id: int
    chunks: list[list[int]]


def plan_portal(
    ports: BillingPorts, portal_id: int, today: date, chunk_leases: int = CHUNK_LEASES
) -> PortalPlan | None:
    """The chunks of the portal's run for ``today``; None when it is small enough for one
    task (``billing.run_portal``)."""
    with ports.uow(portal_id) as uow:
        due = uow.schedule.due(today)
        left_over = uow.documents.leases_left_over()
    leases = sorted({lease_id for lease_id, _ in due} | left_over)
    if len(leases) <= chunk_leases:
        return None
    with ports.uow(portal_id) as uow:
        run_id = uow.runs.start(today, ports.clock.now())
        uow.commit()
    remove_orphan_files(ports.uow, ports.storage, ports.clock, portal_id)  # of killed runs
    chunks = [leases[i : i + chunk_leases] for i in range(0, len(leases), chunk_leases)]
    return PortalPlan(run_id, chunks)


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
    finish_killed_run(ports, portal_id, result, leases)
    issue_due(ports, portal_id, today, result, leases=leases)
    issue_and_mail(ports, portal_id, today, result, leases)
    with ports.uow(portal_id) as uow:
        tally = uow.runs.chunk_done(
            run_id, chunk, total, ports.clock.now(),
            issued=len(result.issued), errors=result.failed,
        )  # fmt: skip
        uow.commit()
    if tally is None:
        return result
    after = PortalRun(portal_id)
    after_issue(ports, portal_id, today, after)  # the leases of no chunk, summaries, reminders
    result.issued.extend(after.issued)
    result.mailed += after.mailed
    result.reminders = after.reminders
    errors = [*tally.errors, *after.failed]
    with ports.uow(portal_id) as uow:
        uow.runs.finish(
            run_id, ports.clock.now(), issued=tally.issued + len(after.issued),
            sent=after.mailed, failed=len(errors), errors=errors,
        )  # fmt: skip
        uow.commit()
    return result
