"""One billing day in one process, phase by phase: where a lease's CPU goes.

Run by hand::

    PYTHONPATH=. .venv/bin/python bench/bench_billing.py --portals 5 --leases 500

The same day as ``bench_billing_day.py`` (28 Feb 2026: March's invoice and February's act
per lease, February's invoices seeded as issued, mailed and pushed), on SQLite under a fresh
var directory, without Celery: per portal the worker's ``billing_run_portal`` body
(``billing.run_portal``), then its CRM push (``push_published_documents``) to an in-memory
CRM, then ``deliver_outbox``'s body (``deliver_due`` with the real ``SmtpMailer`` and
``documents_mailed``) into an SMTP sink in another process (its CPU is not counted).

Prints, per lease, the CPU (``time.process_time``) of each phase, the part of the run spent
rendering PDFs (``render``: the renderer's own calls) and the rest (``db``: issuing,
publishing, mail queueing, reminders), and the SQL statements and commits of each phase.
``--fake-render`` swaps the PDFs for a few bytes per file (``check()`` stays the real one);
``--profile FILE`` writes a cProfile of the measured day (``python -m pstats FILE``).
"""

from __future__ import annotations

import argparse
import cProfile
import resource
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from backend.bootstrap import Container, bootstrap
from backend.domain.documents import IssuedDocument
from backend.domain.lease import Lease
from backend.services import billing
from backend.services.crm_push import push_published_documents
from backend.services.crm_sync import save_mapping
from backend.services.portals import install_portal
from bench.embedded import (
    DAY,
    SinkProcess,
    deliver_all,
    embedded_env,
    register_day_leases,
    seed_issued,
)
from crm_mappings.mapping import LeaseEvent, StageMapping
from tests.fakes import FakeCrm, TinyFiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=5)
    parser.add_argument("--leases", type=int, default=500, help="in all, spread over the portals")
    parser.add_argument("--fake-render", action="store_true", help="a few bytes, no PDF")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the billing day")
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="rentflow-bench-"))
    sink = SinkProcess.start()
    settings, _ = embedded_env(var, sink.port)
    container = bootstrap(settings)
    renderer = _Timed(
        TinyFiles(container.document_rendering())
        if args.fake_render
        else container.document_rendering()
    )
    container.rendering = renderer
    container.document_rendering()  # what a worker child holds before its first task
    began = time.perf_counter()
    per_portal = args.leases // args.portals
    portal_ids = [_install(container, p, per_portal) for p in range(args.portals)]
    leases = per_portal * len(portal_ids)
    print(
        f"seeded {len(portal_ids)} portals, {leases} leases in {time.perf_counter() - began:.0f} s"
    )
    phases = _Phases(container.engine)
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    if profiler is not None:
        profiler.enable()
    ports = container.billing_ports()
    issued: dict[int, list[int]] = {}
    for portal_id in portal_ids:
        with phases("run_portal"):
            result = billing.run_portal(ports, portal_id, DAY)
        issued[portal_id] = [*result.published, *result.issued]
    crm = FakeCrm(holds_every_deal=True)  # in memory: what the push costs besides HTTP
    for portal_id, document_ids in issued.items():
        with phases("crm push"):
            push_published_documents(
                container.uow(portal_id), container.clock, crm, document_ids, container.link_url
            )
    with phases("mail delivery"):
        sent = deliver_all(container)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    phases.remove()
    received = sink.stop()
    container.dispose()
    shutil.rmtree(var, ignore_errors=True)
    docs = sum(len(d) for d in issued.values())
    print(f"billing day {DAY}: {docs} documents for {leases} leases, {sent} emails sent"
          f" ({received} received), {len(crm.updates)} deal updates")  # fmt: skip
    render = renderer.cpu
    rows = [("render (PDFs)", render, 0, 0)]
    for name, (cpu, statements, commits) in phases.totals.items():
        if name == "run_portal":
            rows.append(("issue, mail queue, reminders (db)", cpu - render, statements, commits))
        else:
            rows.append((name, cpu, statements, commits))
    total = sum(cpu for _, cpu, _, _ in rows)
    print(f"  {'CPU per lease':36} {'ms':>7} {'SQL':>7} {'commits':>8}")
    for name, cpu, statements, commits in [*rows, ("total", total, phases.statements, 0)]:
        print(
            f"  {name:36} {cpu / max(leases, 1) * 1000:7.1f}"
            f" {statements / max(leases, 1):7.1f} {commits / max(leases, 1):8.2f}"
        )
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def _install(container: Container, n: int, leases: int) -> int:
    clock = container.clock
    with container.uow() as uow:
        portal = install_portal(uow, clock, kind="bitrix24", external_id=secrets.token_hex(16))
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        save_mapping(uow, clock, StageMapping("0", events={LeaseEvent.INVOICE_ISSUED: "EXECUTING"}))
        numbers = [f"{n}-{i}" for i in range(leases)]
        deals = [str(n * 100_000 + i + 1) for i in range(leases)]
        seed_issued(uow, portal.id, register_day_leases(uow, clock, numbers, deals, "0"))
        uow.commit()
    return portal.id


class _Timed:
    """The document rendering, counting the CPU its ``render_files`` takes."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.cpu = 0.0

    def check(self, lease: Lease, document: IssuedDocument) -> None:
        self.real.check(lease, document)

    def render_files(self, lease: Lease, document: IssuedDocument) -> dict[str, bytes]:
        began = time.process_time()
        try:
            files: dict[str, bytes] = self.real.render_files(lease, document)
            return files
        finally:
            self.cpu += time.process_time() - began


class _Phases:
    """CPU seconds, SQL statements and commits on ``engine``, by phase name."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements = 0
        self.commits = 0
        self.totals: dict[str, tuple[float, int, int]] = {}
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        cpu, statements, commits = time.process_time(), self.statements, self.commits
        try:
            yield
        finally:
            was = self.totals.get(name, (0.0, 0, 0))
            self.totals[name] = (
                was[0] + time.process_time() - cpu,
                was[1] + self.statements - statements,
                was[2] + self.commits - commits,
            )

    def _statement(self, *args: Any) -> None:
        self.statements += 1

    def _commit(self, *args: Any) -> None:
        self.commits += 1

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)


if __name__ == "__main__":
    main()
