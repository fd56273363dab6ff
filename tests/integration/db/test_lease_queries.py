"""What a billing run reads per lease or per document goes through an index on that lease or
document, not the portal's: on SQLite (no statistics) the planner otherwise takes the
portal's index and reads every row of the portal each time, which a portal of 10 000 leases
pays 10 000 times (0014_scale)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import event

from backend.bootstrap import Container
from backend.services.billing_fanout import plan_portal, run_chunk
from backend.services.crm_push import push_published_documents
from tests.fakes import FakeCrm, TinyFiles
from tests.integration.jobs.test_killed_run_tells_deals import _leases
from tests.integration.services.test_billing import JAN_27, _portal


@contextmanager
def _portal_wide_reads(container: Container) -> Iterator[list[str]]:
    """The statements that read a table through an index on ``portal_id`` alone (or no index
    at all) while naming a lease or a document, with their plan."""
    found: list[str] = []

    def explain(conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("SELECT", "DELETE", "UPDATE")):
            return
        if "lease_id =" not in statement and "document_id =" not in statement:
            return
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
        for row in plan:
            step = str(row[-1])
            if step.startswith("SCAN ") or step.endswith("(portal_id=?)"):
                found.append(f"{step}: {statement}")

    event.listen(container.engine, "before_cursor_execute", explain)
    try:
        yield found
    finally:
        event.remove(container.engine, "before_cursor_execute", explain)


def test_a_chunk_reads_its_leases_and_documents_through_their_own_indexes(
    container: Container,
) -> None:
    assert container.settings.database_url.startswith("sqlite")
    portal_id = _portal(container)
    crm = FakeCrm()
    leases = _leases(container, crm, portal_id, 6)
    ports = replace(container.billing_ports(), rendering=TinyFiles(container.document_rendering()))
    plan = plan_portal(ports, portal_id, JAN_27, chunk_leases=3)
    assert plan is not None

    with _portal_wide_reads(container) as found:
        done = run_chunk(ports, portal_id, JAN_27, plan.run_id, 0, 2, plan.chunks[0])
        push_published_documents(container.uow(portal_id), container.clock, crm,
                                 done.to_tell, container.link_url)  # fmt: skip
        with container.uow(portal_id) as uow:
            uow.schedule.for_lease(leases[4])
            uow.documents.for_lease(leases[0])
            uow.links.for_document(portal_id, done.issued[0])

    assert len(done.issued) == 3
    assert sorted(c.deal_id for c in crm.comments) == ["d0", "d1", "d2"]
    assert found == []
