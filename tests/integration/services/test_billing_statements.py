"""What a billing day costs the database per lease does not grow with the number of leases.

A portal's day (``run_portal``: issue, publish, tenant mail, summaries, reminders), its CRM
push and the delivery of its mail run for a small and a three times larger portal; the SQL
statements and commits are counted on the engine. Each lease adds at most a fixed number of
statements (issue 18: 53 per lease and 6 commits before issuing went by batches, the outbox took one
statement per message and the audit one per commit), and the fixed part stays small, so a
statement per lease sneaking back into a loop (an N+1 read, a commit per document) fails here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest
from sqlalchemy import event

from backend.bootstrap import Container
from backend.domain.lease import LeaseStatus
from backend.services.billing import run_portal
from backend.services.billing_mail import documents_mailed
from backend.services.crm_push import push_published_documents
from backend.services.crm_sync import save_mapping
from backend.services.leases import register_lease
from backend.services.outbox import deliver_due
from backend.services.portals import install_portal
from crm_mappings.mapping import LeaseEvent, StageMapping
from tests import factories
from tests.fakes import FakeCrm, TinyFiles

JAN_27 = date(2026, 1, 27)  # February's invoice
FEB_28 = date(2026, 2, 28)  # March's invoice and February's act: two documents a lease

# per lease (16.9 on SQLite, which counts its BEGIN IMMEDIATE): number, row and plan of two
# documents; the tenant's email and a reminder queued, and each delivered in a transaction
# of its own (BEGIN, sent, the documents the email carried marked sent)
PER_LEASE = 17.5
PER_LEASE_COMMITS = 2.5  # the two deliveries; issuing commits per batch, not per document
FIXED = 110  # the run's row, the phases' reads, the push's reads, a batch's lock and links


@dataclass
class Day:
    leases: int
    issued: int
    statements: int
    commits: int


def _billing_day(container: Container, name: str, leases: int) -> Day:
    """One portal with ``leases`` auto-send leases of one landlord, each on a deal; January
    issued, mailed and pushed; then 28 February counted."""
    clock = container.clock
    with container.uow() as uow:
        portal = install_portal(uow, clock, kind="bitrix24", external_id=name)
        uow.commit()
    assert portal.id is not None
    portal_id = portal.id
    with container.uow(portal_id) as uow:
        save_mapping(uow, clock, StageMapping("0", events={LeaseEvent.INVOICE_ISSUED: "WON"}))
        landlord_id = None
        for n in range(leases):
            lease = factories.lease(number=f"{name}-{n}", status=LeaseStatus.SIGNED, auto_send=True)
            registered = register_lease(
                uow, clock, lease, landlord_id=landlord_id, crm_deal_id=f"{name}-{n}",
                crm_pipeline_id="0",
            )  # fmt: skip
            landlord_id = registered.landlord_id
        uow.commit()
    ports = replace(container.billing_ports(), rendering=TinyFiles(container.document_rendering()))
    _day(container, ports, portal_id, JAN_27)
    statements, commits = [0], [0]

    def statement(*args: object) -> None:
        statements[0] += 1

    def commit(*args: object) -> None:
        commits[0] += 1

    event.listen(container.engine, "before_cursor_execute", statement)
    event.listen(container.engine, "commit", commit)
    try:
        issued = _day(container, ports, portal_id, FEB_28)
    finally:
        event.remove(container.engine, "before_cursor_execute", statement)
        event.remove(container.engine, "commit", commit)
    return Day(leases, issued, statements[0], commits[0])


def _day(container: Container, ports: object, portal_id: int, day: date) -> int:
    """What the worker does for a portal's day: the run, the push, the mail."""
    result = run_portal(ports, portal_id, day)  # type: ignore[arg-type]
    done = [*result.published, *result.issued]
    crm = FakeCrm(holds_every_deal=True)
    push_published_documents(container.uow(portal_id), container.clock, crm, done, str)
    report = deliver_due(
        container.uow, container.clock, container.mailer(), container.document_storage(),
        on_sent=lambda work, message: documents_mailed(work, container.clock, message),
    )  # fmt: skip
    assert report.failed == []
    assert result.failed == []
    return len(result.issued)


@pytest.mark.both_databases
def test_a_billing_day_costs_a_fixed_number_of_statements_per_lease(container: Container) -> None:
    small = _billing_day(container, "small", 4)
    large = _billing_day(container, "large", 12)
    assert (small.issued, large.issued) == (8, 24)  # March's invoice and February's act each
    per_lease = (large.statements - small.statements) / (large.leases - small.leases)
    fixed = small.statements - per_lease * small.leases
    assert per_lease <= PER_LEASE, (small, large)
    assert fixed <= FIXED, (small, large)
    commits_per_lease = (large.commits - small.commits) / (large.leases - small.leases)
    assert commits_per_lease <= PER_LEASE_COMMITS, (small, large)
