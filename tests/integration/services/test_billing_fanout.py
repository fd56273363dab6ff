"""A large portal's run in chunks: issued in any order and again, each document once, numbers
gapless per landlord, the phases after issuing once, the run closed by its last chunk."""

from __future__ import annotations

from dataclasses import replace

import pytest

from backend.bootstrap import Container
from backend.services.billing_fanout import plan_portal, run_chunk
from tests.fakes import TinyFiles
from tests.integration.services.test_billing import (
    JAN_27,
    _documents,
    _leases_of_one_landlord,
    _portal,
)

pytestmark = pytest.mark.both_databases  # the database's behaviour is the point


def test_a_portal_in_chunks_issues_each_document_once_with_gapless_numbers(
    container: Container,
) -> None:

    portal_id = _portal(container)
    leases = _leases_of_one_landlord(container, portal_id, 5)
    ports = replace(container.billing_ports(), rendering=TinyFiles(container.document_rendering()))

    plan = plan_portal(ports, portal_id, JAN_27, chunk_leases=2)

    assert plan is not None
    assert plan.chunks == [leases[0:2], leases[2:4], leases[4:5]]
    total = len(plan.chunks)
    order = [2, 0, 0, 1]  # out of order as workers take them, chunk 0 redelivered
    results = [
        run_chunk(ports, portal_id, JAN_27, plan.run_id, n, total, plan.chunks[n]) for n in order
    ]
    documents = _documents(container, portal_id)
    assert sorted(d.lease_id for d in documents) == sorted(leases)
    assert sorted(int(d.number) for d in documents) == [1, 2, 3, 4, 5]
    assert [len(r.issued) for r in results] == [1, 2, 0, 2]
    assert [r.mailed for r in results] == [1, 2, 0, 2]  # by each chunk, its own leases once
    with container.uow(portal_id) as uow:
        [run] = uow.runs.recent()
        messages = uow.outbox.list(portal_id=portal_id)
    tenant_mail = [m for m in messages if m.kind == "tenant_documents"]
    assert run["status"] == "done"
    assert run["issued"] == 5
    assert len({m.dedup_key for m in tenant_mail}) == len(tenant_mail) == 5


def test_a_small_portal_is_not_split(container: Container) -> None:
    portal_id = _portal(container)
    _leases_of_one_landlord(container, portal_id, 2)
    ports = replace(container.billing_ports(), rendering=TinyFiles(container.document_rendering()))
    assert plan_portal(ports, portal_id, JAN_27, chunk_leases=2) is None
