"""The billing day scaled out: PostgreSQL + Redis, the web process apart, 1 then 2 worker
processes; and one large portal against many small ones.

Run by hand (it takes minutes; PostgreSQL and Redis binaries are needed, the servers are its
own, started and removed here)::

    PYTHONPATH=. .venv/bin/python bench/bench_scaleout.py --portals 10 --leases 1000
    PYTHONPATH=. .venv/bin/python bench/bench_scaleout.py --shape --leases 2000

Default: the same day (``bench_billing_day``'s 25 Feb: March's invoice and February's act per
lease, each deal told, each tenant mailed) is run on a copy of one seeded database, first with
one ``rentflow worker --concurrency=1`` process, then with two; ``rentflow serve
--no-worker`` runs apart and answers ``/healthz`` throughout, ``rentflow beat`` is not needed
(the runs are queued as its nightly entry queues them). Prints, for each: wall time until
every run is finished, every document pushed and every email delivered; documents/s; CPU
seconds of the worker processes and of the web process; the calls the emulated portals
refused with QUERY_LIMIT_EXCEEDED and how many were left unhandled (a document never told to
its deal, a message not delivered); the CPU of what shares the cores (the emulated portals
and this process, the SMTP sink, PostgreSQL, Redis), and how long the day went on with mail
only. Then the throughput ratio, 2 workers / 1, beside two ceilings of the same run: the
1-worker day's wall over the 2-worker day's CPU in all / 2 (the cores are shared), and what
a second process gives a CPU-bound loop on this machine (``cores_scaling``, before and after:
a VM's two cores need not be two cores' worth).

``--shape``: two workers, the same number of leases as ``--portals`` x small portals and as
one portal (whose day splits into chunks of 200 leases), and the time ratio one/many.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from backend.bootstrap import bootstrap
from backend.config import Settings
from backend.db.base import make_engine
from backend.db.migrate import upgrade
from backend.db.tables import BillingRunRow, DocumentRow, OutboxRow
from bench.bench_billing_day import DAY, _emulator, _install, _own_cpu_s, _tree_cpu_s
from bench.embedded import SinkProcess
from jobs.celery_app import make_celery
from sandbox.bitrix24.state import PortalState
from sandbox.loopback import free_port
from tests.processes import PostgresServer, Process, RedisServer, wait_for

Emulator = tuple[PortalState, str, Any]


@dataclass
class Day:
    """What one run of the day measured."""

    label: str
    documents: int
    wall: float
    worker_cpu: float
    web_cpu: float
    refused: int
    unsynced: int
    undelivered: int
    healthz_ok: int
    healthz_polls: int
    harness_cpu: dict[str, float]  # CPU seconds of what else shares the cores, by name
    mail_after: float  # seconds the day went on after the last run and CRM push: mail

    @property
    def rate(self) -> float:
        return self.documents / self.wall

    def line(self) -> str:
        return (
            f"{self.label:<28} {self.documents:6d} docs {self.wall:7.1f} s"
            f" {self.rate:6.1f} docs/s  worker CPU {self.worker_cpu:6.1f} s"
            f" ({self.worker_cpu / max(self.documents, 1) * 1000:.0f} ms/doc)"
            f"  web CPU {self.web_cpu:4.1f} s  /healthz 200 {self.healthz_ok}/{self.healthz_polls}"
            f"  QUERY_LIMIT_EXCEEDED {self.refused} (unhandled: {self.unsynced} untold"
            f" documents, {self.undelivered} undelivered emails)"
            f"\n{'':<28} beside the workers: "
            + ", ".join(f"{name} {cpu:.1f} s" for name, cpu in self.harness_cpu.items())
            + f"; CPU in all {self.total_cpu:.1f} s; mail only for the last {self.mail_after:.1f} s"
        )

    @property
    def total_cpu(self) -> float:
        """CPU seconds the day took on the machine: rentflow's processes and the harness."""
        return self.worker_cpu + self.web_cpu + sum(self.harness_cpu.values())


class World:
    """The servers, one seeded template database and its emulated portals."""

    def __init__(self, sink: SinkProcess) -> None:
        self.sink = sink
        self.pg = PostgresServer()
        self.redis = RedisServer()
        self.copies = 0
        self.base_env = {
            **os.environ,
            "RENTFLOW_SANDBOX": "1",
            "CELERY_BROKER_URL": self.redis.url,
            "SECRET_KEY": secrets.token_hex(32),
            "FERNET_KEY": Fernet.generate_key().decode(),
            "SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
            "BITRIX24_RESYNC_MINUTES": "0",
        }
        self.base_env.pop("STORAGE_DIR", None)

    def seed(self, name: str, portals: int, leases: int) -> tuple[list[int], list[Emulator]]:
        self._admin(f'CREATE DATABASE "{name}"')
        url = self.pg.url(name)
        upgrade(url)
        var = tempfile.mkdtemp(prefix="rentflow-scaleout-seed-")
        settings = Settings.from_env({**self.base_env, "DATABASE_URL": url,
                                      "RENTFLOW_VAR_DIR": var})  # fmt: skip
        container = bootstrap(settings)
        emulators = [_emulator() for _ in range(portals)]
        ids = [
            _install(container, n, state, url_, leases // portals)
            for n, (state, url_, _) in enumerate(emulators)
        ]
        container.dispose()
        shutil.rmtree(var, ignore_errors=True)
        return ids, emulators

    def copy(self, template: str) -> str:
        self.copies += 1
        name = f"day_{self.copies}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        redis.Redis(port=self.redis.port).flushall()
        return self.pg.url(name)

    def _admin(self, sql: str) -> None:
        engine = make_engine(self.pg.url()).execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    def harness_cpu(self) -> dict[str, float]:
        """CPU seconds so far of what shares the cores with rentflow's processes: the
        emulated portals (threads of this process, with its polling), the SMTP sink,
        PostgreSQL (its postmaster and backends, live and reaped) and Redis."""
        postmaster = int((self.pg.data / "postmaster.pid").read_text().split()[0])
        assert self.redis.proc is not None
        return {
            "portals+bench": _own_cpu_s(),
            "SMTP sink": _tree_cpu_s(self.sink.process.pid),
            "PostgreSQL": _tree_cpu_s(postmaster),
            "Redis": _tree_cpu_s(self.redis.proc.pid),
        }

    def close(self) -> None:
        self.redis.close()
        self.pg.close()


def run_day(
    world: World, template: str, portal_ids: list[int], emulators: list[Emulator],
    workers: int, label: str,
) -> Day:  # fmt: skip
    var = Path(tempfile.mkdtemp(prefix="rentflow-scaleout-"))
    port = free_port()
    env = {**world.base_env, "DATABASE_URL": world.copy(template), "RENTFLOW_VAR_DIR": str(var),
           "RENTFLOW_PORT": str(port)}  # fmt: skip
    settings = Settings.from_env(env)
    engine = make_engine(settings.database_url)
    web = Process(["serve", "--no-worker"], env, var / "web.log")
    pool = [Process(["worker", "--concurrency=1"], env, var / f"worker{n}.log")
            for n in range(workers)]  # fmt: skip
    for worker in pool:
        wait_for("a worker", _ready(worker), 120, 0.2)
    wait_for("the web process", lambda: _healthz(port) != 0, 60, 0.2)
    refused_before = sum(s.refused for s, _, _ in emulators)
    with engine.connect() as conn:
        seeded = conn.scalar(select(func.count()).select_from(DocumentRow)) or 0
    cpu_before = [_tree_cpu_s(w.pid) for w in pool]
    web_before = _tree_cpu_s(web.pid)
    harness_before = world.harness_cpu()
    polls: list[int] = []
    celery = make_celery(settings)
    start = time.perf_counter()
    for portal_id in portal_ids:
        celery.send_task("jobs.tasks.billing_run_portal", args=(portal_id, DAY.isoformat()))

    def count(query: Any) -> int:
        with engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    billed: list[float] = []  # when every run had finished and every deal had been told
    nudged = [0.0]

    def over() -> bool:
        polls.append(_healthz(port))
        runs = count(select(func.count()).select_from(BillingRunRow).where(
            BillingRunRow.finished_at.is_not(None), BillingRunRow.run_on == DAY))  # fmt: skip
        untold = count(select(func.count()).select_from(DocumentRow)
                       .where(DocumentRow.crm_synced_at.is_(None)))  # fmt: skip
        unsent = count(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.status != "failed")
        )
        if runs == len(portal_ids) and not untold:
            if not billed:
                billed.append(time.perf_counter() - start)
            if unsent and time.perf_counter() - nudged[0] >= 1.0:
                nudged[0] = time.perf_counter()
                celery.send_task("jobs.tasks.deliver_outbox")  # the beat's minute, not waited for
        return runs == len(portal_ids) and not untold and not unsent

    _wait(over, 0.5)
    wall = time.perf_counter() - start
    worker_cpu = sum(_tree_cpu_s(w.pid) - b for w, b in zip(pool, cpu_before, strict=True))
    web_cpu = _tree_cpu_s(web.pid) - web_before
    harness_cpu = {k: v - harness_before[k] for k, v in world.harness_cpu().items()}
    documents = count(select(func.count()).select_from(DocumentRow)) - seeded
    undelivered = count(select(func.count()).select_from(OutboxRow)
                        .where(OutboxRow.sent_at.is_(None)))  # fmt: skip
    untold = count(select(func.count()).select_from(DocumentRow)
                   .where(DocumentRow.crm_synced_at.is_(None)))  # fmt: skip
    celery.close()
    for process in [*pool, web]:
        process.stop()
    engine.dispose()
    shutil.rmtree(var, ignore_errors=True)
    return Day(
        label, documents, wall, worker_cpu, web_cpu,
        sum(s.refused for s, _, _ in emulators) - refused_before, untold, undelivered,
        sum(1 for p in polls if p == 200), len(polls), harness_cpu, wall - billed[0],
    )  # fmt: skip


def _ready(worker: Process) -> Callable[[], bool]:
    return lambda: " ready." in worker.text()


def _healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as err:
        return int(err.code)
    except OSError:
        return 0


def _wait(done: Callable[[], bool], every: float) -> None:
    deadline = time.perf_counter() + 3 * 3600
    while time.perf_counter() < deadline:
        if done():
            return
        time.sleep(every)
    raise TimeoutError("the day did not end within 3 hours")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=10)
    parser.add_argument("--leases", type=int, default=1000, help="in all, over the portals")
    parser.add_argument("--shape", action="store_true",
                        help="many small portals against one large, 2 workers")  # fmt: skip
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start", flush=True)
    # the SMTP sink in a process of its own (bench_mail's), as bench_billing runs it: in this
    # one it shared the GIL with the emulated portals
    sink = SinkProcess.start()
    world = World(sink)
    try:
        if args.shape:
            _shape(world, args.portals, args.leases)
        else:
            _scale(world, args.portals, args.leases)
    finally:
        world.close()
        received = sink.stop()
    print(f"emails received by the SMTP sink (a process of its own): {received}")


SPIN = "x = 0\nfor i in range(20_000_000):\n    x += i * i % 7\n"  # CPU only, no I/O


def cores_scaling(pairs: int = 3) -> float:
    """The machine's own answer to a second process: the throughput of 2 processes running a
    CPU-bound loop at once over 1 running it alone, the median of ``pairs`` pairs taken in
    turns. A VM's 2 cores need not be independent (here the same loop took 3.2 s alone and
    3.7-4.5 s with a twin beside it, 1.58-2.02x from one try to the next); the workers'
    ratio can only be read next to this one, taken in the same run."""

    def wall(copies: int) -> float:
        began = time.perf_counter()
        spins = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(copies)]
        for spin in spins:
            spin.wait()
        return time.perf_counter() - began

    return statistics.median(2 * wall(1) / wall(2) for _ in range(pairs))


def _scale(world: World, portals: int, leases: int) -> None:
    before = cores_scaling()
    print(f"this machine: 2 processes give {before:.2f}x the throughput of 1 (a CPU loop)",
          flush=True)  # fmt: skip
    began = time.perf_counter()
    ids, emulators = world.seed("seeded", portals, leases)
    print(f"seeded {portals} portals, {leases} leases in {time.perf_counter() - began:.0f} s",
          flush=True)  # fmt: skip
    one = run_day(world, "seeded", ids, emulators, 1, "1 worker process")
    print(one.line(), flush=True)
    two = run_day(world, "seeded", ids, emulators, 2, "2 worker processes")
    print(two.line(), flush=True)
    print(f"throughput 2 workers / 1: {two.rate / one.rate:.2f}x"
          f" (CPU per document {two.worker_cpu / max(two.documents, 1) * 1000:.0f} vs"
          f" {one.worker_cpu / max(one.documents, 1) * 1000:.0f} ms;"
          f" load average {os.getloadavg()[0]:.1f} at the end)")  # fmt: skip
    # the cores are shared: the 2-worker day cannot end before its CPU in all fills both
    print(f"the most 2 cores allow: {one.wall / (two.total_cpu / 2):.2f}x (the 1-worker day's"
          f" wall over the 2-worker day's CPU in all / 2); a CPU loop in 2 processes:"
          f" {before:.2f}x before the days, {cores_scaling():.2f}x after")  # fmt: skip


def _shape(world: World, portals: int, leases: int) -> None:
    many_ids, many = world.seed("many", portals, leases)
    big_ids, big = world.seed("one", 1, leases)
    print(f"seeded {portals} x {leases // portals} and 1 x {leases} leases", flush=True)
    small = run_day(world, "many", many_ids, many, 2, f"{portals} portals, 2 workers")
    print(small.line(), flush=True)
    large = run_day(world, "one", big_ids, big, 2, "1 portal, 2 workers")
    print(large.line(), flush=True)
    print(f"one portal / {portals} portals, wall time: {large.wall / small.wall:.2f}x"
          f" (target <= 1.15)")  # fmt: skip


if __name__ == "__main__":
    main()
