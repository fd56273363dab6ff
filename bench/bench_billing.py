"""One billing day for many leases over many portals, embedded mode (SQLite, local files).

Run by hand: ``PYTHONPATH=. .venv/bin/python bench/bench_billing.py --portals 50 --leases 10000``
(smaller numbers extrapolate linearly: each lease costs one invoice and one act). Prints the
time of each phase, the SQL statements and commits per issued document, and the peak RSS.

``--fake-render`` swaps the PDF rendering for constant bytes per role (``check()`` stays the
real one), so what is left is the run's own overhead; ``--profile FILE`` writes a cProfile of
the billing day (``python -m pstats FILE``).
"""

from __future__ import annotations

import argparse
import cProfile
import resource
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from backend.bootstrap import bootstrap
from backend.config import Settings
from backend.db.migrate import upgrade
from backend.ports import FixedClock
from backend.services import billing, billing_mail
from backend.services.crm_push import push_published_documents
from backend.services.portals import install_portal
from bench.embedded import register_day_leases
from tests.fakes import FakeCrm, TinyFiles

DAY = date(2026, 2, 25)  # March's invoice (5 days before) and February's act


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--portals", type=int, default=5)
    parser.add_argument("--leases", type=int, default=200, help="in all, spread over the portals")
    parser.add_argument("--fake-render", action="store_true", help="constant bytes, no PDF")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the billing day")
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="rentflow-bench-"))
    settings = Settings(
        var_dir=var,
        secret_key="bench-only",  # noqa: S106 - a throwaway database
        fernet_key="",
        sandbox=False,
    )
    upgrade(settings.database_url)
    clock = FixedClock(datetime(2026, 2, 25, tzinfo=UTC))
    container = bootstrap(settings.with_(fernet_key=_fernet()), clock=clock, crm_factories={})
    if args.fake_render:
        container.rendering = TinyFiles(container.document_rendering())
    began = time.perf_counter()
    per_portal = args.leases // args.portals
    for p in range(args.portals):
        with container.uow() as uow:
            portal = install_portal(uow, clock, kind="bitrix24", external_id=f"bench-{p}")
            uow.commit()
        with container.uow(portal.id) as uow:
            numbers = [f"{p}-{n}" for n in range(per_portal)]
            register_day_leases(uow, clock, numbers, deal_ids=numbers)
            uow.commit()
        # February's invoice went out earlier: issue it first so the day holds invoice + act
    seeded = time.perf_counter()
    billing.run_billing(container.billing_ports(), date(2026, 1, 28))
    warm = time.perf_counter()
    timings: dict[str, float] = {
        "issue": 0.0,
        "tenant mail": 0.0,
        "summaries": 0.0,
        "reminders": 0.0,
    }
    ports = container.billing_ports()
    with container.uow() as uow:
        portal_ids = [p.id for p in uow.portals.list() if p.id is not None]
    issued = 0
    issued_by_portal: dict[int, list[int]] = {}
    counter = StatementCounter(container.engine)
    profiler = cProfile.Profile() if args.profile else None
    if profiler is not None:
        profiler.enable()
    cpu_began = time.process_time()
    for portal_id in portal_ids:
        result = billing.PortalRun(portal_id)
        t0 = time.perf_counter()
        billing.issue_due(ports, portal_id, DAY, result)
        t1 = time.perf_counter()
        billing_mail.queue_tenant_mail(ports, portal_id)
        t2 = time.perf_counter()
        billing_mail.queue_manager_summaries(ports, portal_id, DAY)
        t3 = time.perf_counter()
        billing.notify_portal(ports.uow, ports.clock, portal_id, DAY, None)
        t4 = time.perf_counter()
        timings["issue"] += t1 - t0
        timings["tenant mail"] += t2 - t1
        timings["summaries"] += t3 - t2
        timings["reminders"] += t4 - t3
        issued += len(result.issued)
        issued_by_portal[portal_id] = result.issued
    cpu = time.process_time() - cpu_began
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    counter.remove()
    crm = FakeCrm(holds_every_deal=True)  # in memory: what the push costs besides HTTP
    push_counter = StatementCounter(container.engine)
    push_began, push_cpu_began = time.perf_counter(), time.process_time()
    for portal_id, document_ids in issued_by_portal.items():
        push_published_documents(
            container.uow(portal_id), clock, crm, document_ids, container.link_url
        )  # what the worker's ``crm_documents_issued`` task does, to an in-memory CRM
    push_wall = time.perf_counter() - push_began
    push_cpu = time.process_time() - push_cpu_began
    push_counter.remove()
    total = sum(timings.values())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    leases = per_portal * args.portals
    print(f"{args.portals} portals, {leases} leases: seeding {seeded - began:.1f} s,")
    print(f"  first day (February's invoices) {warm - seeded:.1f} s")
    each = total / max(issued, 1) * 1000
    print(f"  billing day {DAY}: {issued} documents in {total:.1f} s ({each:.0f} ms each)")
    for phase, seconds in timings.items():
        print(f"    {phase:12} {seconds:8.2f} s")
    per_doc = max(issued, 1)
    print(f"  CPU (this process) {cpu:.1f} s, {cpu / per_doc * 1000:.1f} ms per document")
    print(
        f"  per document: {counter.statements / per_doc:.1f} SQL statements,"
        f" {counter.commits / per_doc:.2f} commits"
    )
    print(
        f"  CRM push (in process, no HTTP): {push_wall:.1f} s, CPU"
        f" {push_cpu / per_doc * 1000:.1f} ms and {push_counter.statements / per_doc:.1f}"
        f" SQL statements per document; {len(crm.updates)} deal updates,"
        f" {len(crm.comments)} comments"
    )
    print(f"  peak RSS {rss:.0f} MB")


class StatementCounter:
    """Counts the SQL statements and commits run on ``engine`` until ``remove()``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements = 0
        self.commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *args: Any) -> None:
        self.statements += 1

    def _commit(self, *args: Any) -> None:
        self.commits += 1

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)


def _fernet() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


if __name__ == "__main__":
    main()
