"""One billing day, end to end, in embedded mode: the real worker, the real CRM path.

Run by hand (it takes minutes)::

    PYTHONPATH=. .venv/bin/python bench/bench_billing_day.py --portals 50 --leases 10000
    PYTHONPATH=. .venv/bin/python bench/bench_billing_day.py --portals 1 --leases 10000

(the second shape is one large portal: its run goes out in chunks of 200 leases; its target is
1.15x the first's wall time). Seeding 10 000 leases takes minutes: ``--seed-only DIR`` seeds and
stops, ``--seeded DIR`` runs the day on a copy of it later, when the machine is quiet.

What runs:
- ``--portals`` emulated Bitrix24 portals (``sandbox.bitrix24``, each on its own loopback
  port with Bitrix24's own rate limit), rentflow installed on each (tokens in the store, a
  stage mapped to "invoice issued"), ``--leases`` leases spread over them, each with a deal;
- February's invoices are seeded as issued earlier (rows, numbers and a link; no PDF), so
  the measured day, 28 Feb 2026, holds one invoice (March's, due since the 25th) and one act
  (February's: an act is dated no earlier than its period's last day) per lease;
- a real ``rentflow worker`` (embedded SQLite broker, ``--concurrency`` prefork processes)
  gets one ``billing_run_portal`` task per portal, as the nightly fan-out sends them; its
  ``crm_documents_issued`` tasks push to the emulators; ``deliver_outbox`` tasks mail to an
  aiosmtpd sink on loopback until the outbox is empty.

Reports the wall time of each phase (issue = every portal's run finished; CRM = every
document pushed; mail = every message delivered), CRM HTTP calls per portal against the
target 1.1 x ceil(writes / 50) (a write is a deal update or a timeline comment), the
calls the emulators refused with QUERY_LIMIT_EXCEEDED and whether any push failed for
good, the worker processes' RSS over the run (at each tenth, and whether it stayed flat), the
machine's load average meanwhile, and CPU seconds: the worker's (rentflow's
own work, counted once the worker has started: ``_wait_idle``) apart from this process's
(the emulated portals, the SMTP sink, the polling), which on a real billing day run on
other machines but here share the same cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from werkzeug.serving import make_server

from backend.bootstrap import Container, bootstrap
from backend.config import Settings
from backend.db.tables import BillingRunRow, DocumentRow, OutboxRow
from backend.services.crm_sync import save_mapping
from backend.services.portals import install_portal
from bench.embedded import DAY, embedded_env, register_day_leases, seed_issued
from crm_mappings.bitrix24.adapter import FIELD_NAMES
from crm_mappings.mapping import LeaseEvent, StageMapping
from crm_mappings.tokens import OAuthTokens
from jobs.celery_app import make_celery
from sandbox.bitrix24.app import create_emulator
from sandbox.bitrix24.state import PortalState
from tests.smtp_sink import smtp_sink

SHAPE = "bench-shape.json"  # what --seed-only seeded: portal ids, their members, leases each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=5)
    parser.add_argument("--leases", type=int, default=200, help="in all, over the portals")
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--seed-only", type=Path, metavar="DIR",
        help="seed the day into DIR (a var directory) and stop: seeding 10 000 leases takes"
        " minutes, which a busy machine can spend before the quiet moment for the run",
    )  # fmt: skip
    parser.add_argument(
        "--seeded",
        type=Path,
        metavar="DIR",
        help="run the day seeded by --seed-only into DIR (copied, so DIR serves again)",
    )
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    var = Path(tempfile.mkdtemp(prefix="rentflow-bench-day-"))
    if args.seeded is not None:
        shutil.copytree(args.seeded, var, dirs_exist_ok=True)
    with smtp_sink() as (sink, smtp_port):
        settings, env = embedded_env(args.seed_only or var, smtp_port)
        container = bootstrap(settings)
        began = time.perf_counter()
        if args.seeded is not None:
            shape = json.loads((var / SHAPE).read_text())
            emulators = [_emulator(member_id) for member_id in shape["members"]]
            portal_ids = shape["portals"]
            for portal_id, (state, url, _) in zip(portal_ids, emulators, strict=True):
                _reconnect(container, portal_id, state, url, shape["per_portal"])
        else:
            emulators = [_emulator() for _ in range(args.portals)]
            per_portal = args.leases // args.portals
            portal_ids = [
                _install(container, n, state, url, per_portal)
                for n, (state, url, _) in enumerate(emulators)
            ]
            shape = {"portals": portal_ids, "per_portal": per_portal,
                     "members": [state.member_id for state, _, _ in emulators]}  # fmt: skip
        print(f"seeded {len(portal_ids)} portals, {shape['per_portal'] * len(portal_ids)} leases"
              f" in {time.perf_counter() - began:.0f} s", flush=True)  # fmt: skip
        if args.seed_only is not None:
            (args.seed_only / SHAPE).write_text(json.dumps(shape))
            container.dispose()
            for _, _, server in emulators:
                server.shutdown()
            return
        worker = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "worker", f"--concurrency={args.concurrency}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            started_cpu = _wait_idle(worker.pid, args.concurrency)
            print(f"worker started: {started_cpu:.1f} s of CPU (not counted below)", flush=True)
            _measure(container, settings, worker.pid, portal_ids, emulators, sink)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            for _, _, server in emulators:
                server.shutdown()


def _emulator(member_id: str = "") -> tuple[PortalState, str, Any]:
    state = PortalState(member_id=member_id or secrets.token_hex(16))
    for name in FIELD_NAMES.values():
        state.userfields[name] = {"FIELD_NAME": name, "USER_TYPE_ID": "string"}
    server = make_server("127.0.0.1", 0, create_emulator(state), threaded=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return state, f"http://127.0.0.1:{server.server_port}/", server


def _install(container: Container, n: int, state: PortalState, url: str, leases: int) -> int:
    clock = container.clock
    with container.uow() as uow:
        portal = install_portal(uow, clock, kind="bitrix24", external_id=state.member_id)
        uow.commit()
    assert portal.id is not None
    _save_tokens(container, portal.id, state, url)
    with container.uow(portal.id) as uow:
        save_mapping(uow, clock, StageMapping("0", events={LeaseEvent.INVOICE_ISSUED: "EXECUTING"}))
        numbers = [f"{n}-{i}" for i in range(leases)]
        deals = [
            str(state.add_deal({"title": f"Аренда {x}", "categoryId": 0})["id"]) for x in numbers
        ]
        seed_issued(uow, portal.id, register_day_leases(uow, clock, numbers, deals, "0"))
        uow.commit()
    return portal.id


def _reconnect(
    container: Container, portal_id: int, state: PortalState, url: str, deals: int
) -> None:
    """A seeded portal's emulator started again: its deals (the same ids, 1..``deals``) and
    fresh tokens at its new address."""
    for n in range(deals):
        state.add_deal({"title": f"Аренда {n}", "categoryId": 0})
    _save_tokens(container, portal_id, state, url)


def _save_tokens(container: Container, portal_id: int, state: PortalState, url: str) -> None:
    issued = state.issue_tokens()
    container.token_store(portal_id).save(
        OAuthTokens(
            issued["access_token"], issued["refresh_token"], datetime.now(UTC) + timedelta(hours=1),
            {"client_endpoint": f"{url}rest/", "server_endpoint": f"{url}rest/"},
        )
    )  # fmt: skip


def _measure(
    container: Container,
    settings: Settings,
    worker_pid: int,
    portal_ids: list[int],
    emulators: list[tuple[PortalState, str, Any]],
    sink: Any,
) -> None:
    celery = make_celery(settings)
    engine = container.engine
    calls_before = [len(state.calls) for state, _, _ in emulators]
    with engine.connect() as conn:
        seeded_docs = conn.scalar(select(func.count()).select_from(DocumentRow)) or 0
    rss: list[float] = []
    cpu: list[float] = [_tree_cpu_s(worker_pid)]
    loads: list[float] = []
    own_cpu = _own_cpu_s()
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            rss.append(_tree_rss_mb(worker_pid))
            cpu.append(_tree_cpu_s(worker_pid))
            loads.append(os.getloadavg()[0])
            time.sleep(1.0)

    threading.Thread(target=sample, daemon=True).start()
    start = time.perf_counter()
    for portal_id in portal_ids:
        celery.send_task("jobs.tasks.billing_run_portal", args=(portal_id, DAY.isoformat()))

    def runs_done() -> bool:
        with engine.connect() as conn:
            done = conn.scalar(
                select(func.count()).select_from(BillingRunRow)
                .where(BillingRunRow.finished_at.is_not(None), BillingRunRow.run_on == DAY)
            )  # fmt: skip
        return done == len(portal_ids)

    issue_s = _wait(runs_done, start)
    with engine.connect() as conn:
        docs = (conn.scalar(select(func.count()).select_from(DocumentRow)) or 0) - seeded_docs

    def pushed() -> bool:
        with engine.connect() as conn:
            left = conn.scalar(
                select(func.count()).select_from(DocumentRow)
                .where(DocumentRow.crm_synced_at.is_(None))
            )  # fmt: skip
        return left == 0

    crm_s = _wait(pushed, start)
    mail_started = time.perf_counter()

    def mailed() -> bool:
        with engine.connect() as conn:
            left = conn.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.sent_at.is_(None), OutboxRow.status != "failed")
            )
        if left:
            celery.send_task("jobs.tasks.deliver_outbox")
        return left == 0

    mail_s = _wait(mailed, start, every=2.0)
    sampling.set()
    total = time.perf_counter() - start
    worker_cpu, bench_cpu = _tree_cpu_s(worker_pid) - cpu[0], _own_cpu_s() - own_cpu
    print(f"billing day {DAY}: {docs} documents, {len(portal_ids)} portals")
    print(
        f"  issue (all runs finished)   {issue_s:8.1f} s"
        f"  ({issue_s / max(docs, 1) * 1000:.0f} ms/doc)"
    )
    print(f"  CRM pushed (all documents)  {crm_s:8.1f} s")
    print(f"  mail delivered (from push)  {mail_s - (mail_started - start):8.1f} s")
    print(f"  total                       {total:8.1f} s")
    _report_crm(emulators, calls_before, docs)
    received = len(getattr(sink, "messages", []))
    print(f"  emails received by the SMTP sink: {received}")
    _report_rss([mb for mb in rss if mb > 50])  # samples once the worker had started
    if loads:
        mean = sum(loads) / len(loads)
        print(f"  machine load average (1 min) over the run: mean {mean:.1f}, min"
              f" {min(loads):.1f}, max {max(loads):.1f} on {os.cpu_count()} cores (other"
              " processes inflate the wall times, not the CPU per lease)")  # fmt: skip
    leases = docs // 2  # an invoice and an act each
    print(f"  CPU: worker {worker_cpu:.1f} s ({worker_cpu / max(leases, 1) * 1000:.1f} ms/lease,"
          f" {worker_cpu / max(docs, 1) * 1000:.1f} ms/doc),"
          f" this process (emulators, SMTP sink, polling) {bench_cpu:.0f} s,"
          f" over {total:.0f} s of wall time on {os.cpu_count()} cores")  # fmt: skip


def _report_rss(running: list[float]) -> None:
    """The worker's RSS at each tenth of the run, its peak, and whether it stayed flat: the
    last third's peak within 15 % of the first third's (memory that grows with the leases
    done would not be)."""
    if len(running) < 3:
        return
    tenths = [running[min(len(running) - 1, len(running) * q // 10)] for q in range(11)]
    shown = " ".join(f"{mb:.0f}" for mb in tenths)
    third = len(running) // 3
    first, last = max(running[:third]), max(running[-third:])
    verdict = "flat" if last <= first * 1.15 else "GROWING"
    print(f"  worker RSS (all processes) MB at each 10 % of the run: {shown}; peak"
          f" {max(running):.0f}; {verdict} (peak of the last third {last:.0f} vs first"
          f" {first:.0f})")  # fmt: skip


def _report_crm(
    emulators: list[tuple[PortalState, str, Any]], calls_before: list[int], docs: int
) -> None:
    worst = 0.0
    refused = 0
    for (state, _, _), before in zip(emulators, calls_before, strict=True):
        calls = len(state.calls) - before
        writes = sum(
            1 for m in state.inner_calls if m in ("crm.item.update", "crm.timeline.comment.add")
        )
        target = 1.1 * math.ceil(writes / 50)
        worst = max(worst, calls / target if target else 0.0)
        refused += state.refused
    state0 = emulators[0][0]
    writes0 = sum(
        1 for m in state0.inner_calls if m in ("crm.item.update", "crm.timeline.comment.add")
    )
    print(f"  CRM: portal 1 took {len(state0.calls) - calls_before[0]} calls for {writes0} writes"
          f" (target <= {1.1 * math.ceil(writes0 / 50):.1f}); worst calls/target over portals"
          f" {worst:.2f}; refused with QUERY_LIMIT_EXCEEDED {refused}")  # fmt: skip


def _wait(done: Callable[[], bool], start: float, every: float = 0.5) -> float:
    deadline = time.perf_counter() + 6 * 3600
    while time.perf_counter() < deadline:
        if done():
            return time.perf_counter() - start
        time.sleep(every)
    raise TimeoutError("the worker did not finish within 6 hours")


def _wait_idle(pid: int, children: int) -> float:
    """Wait until the worker has forked its children and stopped using the CPU (its start:
    imports, the broker, the pool); returns the CPU seconds that took. A billing day at scale
    pays it once for thousands of leases, so a smaller day does not count it."""
    last = _tree_cpu_s(pid)
    while True:
        time.sleep(1.0)
        now = _tree_cpu_s(pid)
        if len(_children(pid)) >= children and now - last < 0.05:
            return now
        last = now


def _tree_rss_mb(pid: int) -> float:
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            with open(f"/proc/{p}/statm", encoding="ascii") as statm:
                total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except OSError:
            continue
    return total


def _tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live children, and of children it reaped."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        # proc(5): utime, stime, cutime, cstime are fields 14-17 (after "pid (comm)": 12-15)
        total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        found = [int(x) for x in path.read_text().split()]
    except OSError:
        return []
    return found + [g for c in found for g in _children(c)]


if __name__ == "__main__":
    main()
