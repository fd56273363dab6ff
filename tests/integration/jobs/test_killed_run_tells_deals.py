"""A billing task killed after publishing some documents and before telling their deals comes
back (acks_late redelivery, the embedded broker's re-queue): the task run again tells those
deals with its own documents, at once, not half an hour later through the sweep. A portal run
in one task and a chunk of a large portal's run alike; each deal told once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest

from backend.bootstrap import Container
from backend.domain.documents import IssuedDocument
from backend.domain.lease import Lease, LeaseStatus
from backend.services import billing
from backend.services.billing_fanout import plan_portal
from backend.services.document_links import DocumentRendering
from backend.services.leases import register_lease
from crm_mappings.port import Deal, LeaseField
from jobs import tasks
from jobs.celery_app import make_celery
from tests import factories
from tests.fakes import FakeCrm
from tests.integration.services.test_billing import JAN_27, _documents, _portal

DAY = JAN_27.isoformat()


class _DiesOnThird:
    """Renders as ``real`` does until the third document, where the worker is killed (an
    exit no layer catches): two documents published, the third's batch numbered only."""

    def __init__(self, real: DocumentRendering) -> None:
        self.real, self.rendered = real, 0

    def check(self, lease: Lease, document: IssuedDocument) -> None:
        self.real.check(lease, document)

    def render_files(self, lease: Lease, document: IssuedDocument) -> dict[str, bytes]:
        self.rendered += 1
        if self.rendered == 3:
            raise SystemExit("worker killed")
        return self.real.render_files(lease, document)


@pytest.fixture
def crm(worker_container: Container) -> Iterator[FakeCrm]:
    fake = FakeCrm()
    worker_container.crm_factories["bitrix24"] = lambda _c, _p: fake
    app = make_celery(worker_container.settings)  # what the tasks queue stays in its broker
    app.set_current()
    yield fake
    app.close()


def _leases(container: Container, crm: FakeCrm, portal_id: int, count: int) -> list[int]:
    """``count`` signed leases of one landlord, each on its deal ``d<n>``."""
    landlord_id, lease_ids = None, []
    with container.uow(portal_id) as uow:
        for n in range(count):
            crm.deals[f"d{n}"] = Deal(f"d{n}", f"Офис {n}", "0", "NEW")
            lease = factories.lease(status=LeaseStatus.SIGNED, number=f"L-{n}")
            registered = register_lease(
                uow, container.clock, lease, landlord_id=landlord_id, crm_deal_id=f"d{n}"
            )
            landlord_id = registered.landlord_id
            lease_ids.append(registered.lease_id)
        uow.commit()
    return lease_ids


def _killed(container: Container, monkeypatch: pytest.MonkeyPatch, run: object) -> None:
    ports = container.billing_ports()
    # the run numbers, renders and publishes two documents at a time (``billing_batch``):
    # the first two are published when the third's batch dies rendering
    monkeypatch.setattr(billing, "ISSUE_BATCH", 2)
    with monkeypatch.context() as patched:
        patched.setattr(
            container,
            "billing_ports",
            lambda: replace(ports, rendering=_DiesOnThird(ports.rendering)),
        )
        with pytest.raises(SystemExit):
            run()  # type: ignore[operator]


def _assert_every_deal_told_once(container: Container, crm: FakeCrm, portal_id: int) -> None:
    documents = _documents(container, portal_id)
    assert sorted(int(d.number) for d in documents) == list(range(1, len(crm.deals) + 1))
    told = Counter(c.deal_id for c in crm.comments)
    assert told == Counter(list(crm.deals)), "a deal told twice, or never"
    for document in documents:
        deal = f"d{document.lease_id - min(d.lease_id for d in documents)}"
        assert crm.deals[deal].fields[LeaseField.INVOICE_ID] == document.number
        assert crm.deals[deal].fields[LeaseField.INVOICE_URL].startswith("http")
    with container.uow(portal_id) as uow:
        assert uow.documents.not_synced() == []


def test_a_portal_run_killed_then_redelivered_tells_what_it_had_published(
    worker_container: Container, crm: FakeCrm, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = worker_container
    portal_id = _portal(container)
    _leases(container, crm, portal_id, 4)

    _killed(container, monkeypatch, lambda: tasks.billing_run_portal.run(portal_id, DAY))
    assert crm.comments == []  # killed before its push: two published documents untold
    with container.uow(portal_id) as uow:
        assert len(uow.documents.untold()) == 2
        assert len(uow.documents.unpublished()) == 2  # the second batch: numbered only

    tasks.billing_run_portal.run(portal_id, DAY)  # the redelivered task

    _assert_every_deal_told_once(container, crm, portal_id)


def test_a_chunk_killed_then_redelivered_tells_what_it_had_published(
    worker_container: Container, crm: FakeCrm, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = worker_container
    portal_id = _portal(container)
    leases = _leases(container, crm, portal_id, 6)
    plan = plan_portal(container.billing_ports(), portal_id, JAN_27, chunk_leases=3)
    assert plan is not None
    assert plan.chunks == [leases[:3], leases[3:]]
    total = len(plan.chunks)

    def chunk(n: int) -> None:
        tasks.billing_run_chunk.run(portal_id, DAY, plan.run_id, n, total, plan.chunks[n])

    _killed(container, monkeypatch, lambda: chunk(0))
    assert crm.comments == []
    chunk(1)  # another worker's chunk: its own deals only
    assert sorted(c.deal_id for c in crm.comments) == ["d3", "d4", "d5"]

    chunk(0)  # the killed chunk, redelivered

    _assert_every_deal_told_once(container, crm, portal_id)
    with container.uow(portal_id) as uow:
        [run] = uow.runs.recent()
    assert run["status"] == "done"


def test_the_next_run_in_chunks_finishes_what_a_killed_run_left(
    worker_container: Container, crm: FakeCrm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run of the portal in one task killed; the next run is split in chunks (the portal
    grew, say): the leases whose documents were left untold or unpublished have nothing due
    any more, yet are in the chunks, whose tasks finish them and tell their deals."""
    container = worker_container
    portal_id = _portal(container)
    _leases(container, crm, portal_id, 3)
    _killed(container, monkeypatch, lambda: tasks.billing_run_portal.run(portal_id, DAY))
    with container.uow(portal_id) as uow:
        left = uow.documents.leases_left_over()
        due = uow.schedule.due(JAN_27)
    assert len(left) == 3  # two documents untold, one numbered and unpublished
    assert due == []

    plan = plan_portal(container.billing_ports(), portal_id, JAN_27, chunk_leases=2)

    assert plan is not None
    assert {lease for c in plan.chunks for lease in c} == left
    for n, leases in enumerate(plan.chunks):
        tasks.billing_run_chunk.run(portal_id, DAY, plan.run_id, n, len(plan.chunks), leases)
    _assert_every_deal_told_once(container, crm, portal_id)
