"""Webhook intake at line rate: Bitrix24 events and amoCRM webhooks against ``rentflow serve``
(waitress), as a ratio of the same server's ``/healthz`` rate, with p99 latency, at 16 and 64
concurrent clients; then every acknowledged event is counted at a worker.

Run by hand: ``PYTHONPATH=. python bench/bench_intake.py [--seconds 5] [--concurrency 16 64]
[--amo-leads 1] [--web-processes 1] [--scaled-out | --redis-url redis://... --database-url postgresql+psycopg://...]``.

Two load generators, each phase run by both, in turns:
- ``python``: threads of ``http.client`` in this process. It knows which ids each 2xx answer
  acknowledged, so it is what proves every acknowledged event reaches the worker; but its
  latencies include its own threads' waits for this process's GIL (64 of them on 2 cores).
- ``wrk`` (Debian's ``wrk``, a C load generator on epoll, when installed): the same
  requests, built from the same builders by a Lua template, with latencies measured outside
  any Python process. ``--clients wrk`` runs it alone (nothing is then counted at the
  worker).

Each phase runs in turns (``--rounds``), so that a neighbour's load falls on every phase alike.
Its p50 and p99 are those of all its requests: the python client keeps every latency, and each
wrk turn reports its latency percentiles on a grid (every percent, then every 0.02 % from the
97th), from which the turns' requests are pooled, each between two grid points counted at the
upper one's latency (so never under). ``p99 turn`` beside it is the worst turn's own p99.

Embedded mode by default (SQLite + the SQLite broker under a fresh var directory).
``--scaled-out``: PostgreSQL and Redis servers of the bench's own on loopback
(``tests.processes``; Redis with its append-only file fsync'd on every write, as a production
broker that must not lose an acknowledged event is configured), started and removed here.
The web runs as ``rentflow serve --no-worker``; the worker is a counting one: a Celery worker
in a process of its own on the same broker whose tasks of the same names only record the
deal/lead id they carry, so what is counted is the intake path (HTTP -> check -> durable
queue -> a worker), not the CRM work behind it. ``--amo-leads N``: each amoCRM webhook names N
leads (amoCRM puts every lead changed at once in one call: a bulk stage change), each of which
must reach the worker. ``--count-after``: the counting worker starts only once the load is
over and drains the queue then, as workers on other machines would; without it, it runs while
the load does, on the same cores: on the embedded broker it yields to the surge as
``rentflow serve``'s worker does (``backend.runtime.web_load``) and drains the queue after;
on Redis it consumes meanwhile (at ~1,400 events/s it took ~35 % of a core, and Redis ~20 %).
``--web-processes N``: ``WEB_PROCESSES`` of the server (waitress processes on one socket).
The server runs with production settings (credentials of the bench's own, no sandbox
mounted), as a deployment does. ``cpu µs``: CPU time of the server's processes per answered
request (the bench's clients and counting worker left out), the number that a shared machine
disturbs least. Targets (issue 18): ratio >= 0.30, p99 <= 100 ms.

The requests are built by ``bitrix24_event`` and ``amocrm_webhook``: the only place that knows
what each endpoint checks, to adapt when those rules change.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from celery import Celery
from celery.contrib.testing.worker import start_worker

from backend.bootstrap import bootstrap
from backend.config import Settings
from backend.db.migrate import upgrade
from backend.runtime.sqlite_broker import kombu_url
from backend.services.portals import install_portal
from crm_mappings.amocrm.signing import account_secret

MEMBER_ID = "bench-member"
APP_TOKEN = "bench-application-token"  # noqa: S105 - the bench portal's own
AMO_ACCOUNT = "31000001"
SECRET_KEY = "bench-secret-key-" + "x" * 32  # the bench server's own
# the address rentflow subscribes at install (crm_mappings/amocrm/lifecycle.install_account)
AMO_WEBHOOK = f"/amocrm/webhook/{AMO_ACCOUNT}/{account_secret(SECRET_KEY, AMO_ACCOUNT, 'webhook')}"
DEAL_TASK = "jobs.tasks.bitrix24_deal_changed"
LEAD_TASK = "jobs.tasks.amocrm_lead_changed"
CHANGED_TASK = "jobs.tasks.crm_deal_changed"  # one task for both CRMs since issue 15

# a production server's settings (no sandbox mounted, as deployed), credentials of its own
PRODUCTION = {
    "RENTFLOW_SANDBOX": "0", "SECRET_KEY": SECRET_KEY, "ADMIN_TOKEN": "bench-admin-" + "y" * 32,
    "BITRIX24_CLIENT_ID": "local.bench", "BITRIX24_CLIENT_SECRET": "bench-b24-" + "z" * 32,
    "AMOCRM_CLIENT_ID": "bench-amo", "AMOCRM_CLIENT_SECRET": "bench-amo-" + "w" * 54,
}  # fmt: skip
Request = tuple[str, str, bytes, dict[str, str]]  # method, path, body, headers
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
AMO_LEADS = [1]  # leads named by one amoCRM webhook (--amo-leads)


def carried(name: str, n: int) -> range:
    """The deal/lead ids the ``n``-th request of ``name`` carries."""
    leads = AMO_LEADS[0] if name == "amocrm" else 1
    return range(n * leads, (n + 1) * leads)


def bitrix24_event(deal_id: int) -> Request:
    """ONCRMDEALUPDATE as Bitrix24 posts it (EN api-reference/events/index: form-encoded
    ``event``, ``data[FIELDS][ID]``, ``auth[...]`` with the application token)."""
    body = urllib.parse.urlencode(
        {
            "event": "ONCRMDEALUPDATE",
            "data[FIELDS][ID]": str(deal_id),
            "ts": str(int(time.time())),
            "auth[domain]": "bench.bitrix24.ru",
            "auth[member_id]": MEMBER_ID,
            "auth[application_token]": APP_TOKEN,
        }
    ).encode()
    return "POST", "/bitrix24/events", body, FORM


def amocrm_webhook(n: int) -> Request:
    """A ``leads[status]`` webhook naming the leads ``carried("amocrm", n)``
    (amocrm.ru/developers/content/crm_platform/webhooks-format)."""
    form: dict[str, str] = {}
    for i, lead_id in enumerate(carried("amocrm", n)):
        form[f"leads[status][{i}][id]"] = str(lead_id)
        form[f"leads[status][{i}][status_id]"] = "142"
        form[f"leads[status][{i}][pipeline_id]"] = "1"
        form[f"leads[status][{i}][old_status_id]"] = "143"
        form[f"leads[status][{i}][old_pipeline_id]"] = "1"
    form |= {"account[id]": AMO_ACCOUNT, "account[subdomain]": "bench"}
    return "POST", AMO_WEBHOOK, urllib.parse.urlencode(form).encode(), FORM


def healthz(_: int) -> Request:
    return "GET", "/healthz", b"", {}


def seed(settings: Settings, *, migrate: bool = True) -> None:
    """The two portals the events name, stored as an install leaves them."""
    if migrate:
        upgrade(settings.database_url)
    container = bootstrap(settings)
    with container.uow(None) as uow:
        install_portal(
            uow, container.clock, kind="bitrix24", external_id=MEMBER_ID,
            domain="bench.bitrix24.ru",
            settings={
                "application_token_sha256": hashlib.sha256(APP_TOKEN.encode()).hexdigest(),
                "client_endpoint": "http://127.0.0.1:9/rest/",
            },
        )  # fmt: skip
        install_portal(uow, container.clock, kind="amocrm", external_id=AMO_ACCOUNT)
        uow.commit()
    container.dispose()


@dataclass
class Phase:
    name: str
    concurrency: int
    done: int
    failed: int
    seconds: float
    latencies: list[float]
    cpu: float = 0.0  # seconds of the server's CPU
    client: str = "python"
    # wrk's: per turn, its requests' count and its (percentile, ms) grid
    grids: list[tuple[int, list[tuple[float, float]]]] = field(default_factory=list)
    turn_p99_ms: float = float("nan")  # the worst turn's own p99 (a total's)

    @property
    def cpu_us(self) -> float:
        return 1e6 * self.cpu / self.done if self.done else float("nan")

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    @staticmethod
    def total(parts: list[Phase]) -> Phase:
        first = parts[0]
        total = Phase(
            first.name, first.concurrency, sum(p.done for p in parts),
            sum(p.failed for p in parts), sum(p.seconds for p in parts),
            [x for p in parts for x in p.latencies], sum(p.cpu for p in parts),
            first.client, [g for p in parts for g in p.grids],
        )  # fmt: skip
        total.turn_p99_ms = max(p.percentile_ms(0.99) for p in parts)
        return total

    def percentile_ms(self, q: float) -> float:
        """Of all the phase's requests (see the module on how wrk's turns are pooled)."""
        if self.grids:
            return pooled_ms(self.grids, q)
        ordered = sorted(self.latencies)
        return 1000 * ordered[int(q * (len(ordered) - 1))] if ordered else float("nan")


def pooled_ms(grids: list[tuple[int, list[tuple[float, float]]]], q: float) -> float:
    """The ``q`` quantile of the requests of several wrk turns, each given as its count and
    its latency at a grid of percentiles: the requests between two grid points count at the
    upper one's latency, so the answer is never under the quantile of the latencies."""
    points = []  # (ms, requests)
    for count, grid in grids:
        below = 0.0
        for percent, ms in grid:
            points.append((ms, count * (percent - below) / 100))
            below = percent
    wanted = q * sum(count for count, _ in grids)
    reached = 0.0
    for ms, requests in sorted(points):
        reached += requests
        if reached >= wanted - 1e-9:
            return ms
    return max(ms for ms, _ in points)


def load(
    port: int, build: Callable[[int], Request], ids: Iterator[int], concurrency: int,
    seconds: float, name: str, acked: set[int] | None = None,
) -> Phase:  # fmt: skip
    """``concurrency`` keep-alive clients sending for ``seconds``; ids of 2xx answers go to
    ``acked``."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"done": 0, "failed": 0}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        done = failed = 0
        while time.monotonic() < stop:
            with lock:
                n = next(ids)
            method, path, body, headers = build(n)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                ok = 200 <= answer.status < 300 or path == "/healthz"
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            mine.append(time.perf_counter() - started)
            if ok:
                done += 1
                if acked is not None:
                    with lock:
                        acked.update(carried(name, n))
            else:
                failed += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            counts["done"] += done
            counts["failed"] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return Phase(name, concurrency, counts["done"], counts["failed"], elapsed, latencies)


WRK_ID_BASE = 1_000_000_000  # ids of wrk's requests: apart from the python client's
WRK_SCRIPT = """
local parts = {%(parts)s}
local method, path, headers = %(method)s, %(path)s, {%(headers)s}
local leads, stride = %(leads)d, %(threads)d
local made = 0
function setup(thread)
  thread:set("first", %(base)d + made)
  made = made + 1
end
function init(args)
  n = first
end
function request()
  n = n + stride
  local body = parts[1]
  for i = 0, leads - 1 do
    body = body .. tostring(n * leads + i) .. parts[i + 2]
  end
  return wrk.format(method, path, headers, body)
end
local grid = {}
for p = 1, 96 do grid[#grid + 1] = p end
for k = 0, 149 do grid[#grid + 1] = 97 + k * 0.02 end  -- then the max (wrk's 100th is 0)
function done(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d\\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, summary.duration))
  for _, p in ipairs(grid) do
    io.write(string.format("AT %%.2f %%d\\n", p, latency:percentile(p)))
  end
  io.write(string.format("AT 100 %%d\\n", latency.max))
end
"""


def wrk_script(build: Callable[[int], Request], name: str, base: int, threads: int) -> str:
    """A wrk Lua script sending what ``build`` builds, for ids ``base + thread + k * threads``:
    the body of a sentinel id split where each id it carries goes."""
    sentinel = 7_654_321
    method, path, body, headers = build(sentinel)
    ids = list(carried(name, sentinel)) if name != "/healthz" else []
    pattern = "|".join(re.escape(str(i)) for i in ids)
    parts = re.split(pattern, body.decode()) if ids else [body.decode()]
    if len(parts) != len(ids) + 1:
        raise ValueError(f"{name}: each id it carries must appear in its body once")
    text = ", ".join(json.dumps(p) for p in parts)
    header_text = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    leads = len(ids)
    return WRK_SCRIPT % {
        "parts": text, "method": json.dumps(method), "path": json.dumps(path),
        "headers": header_text, "leads": leads, "threads": threads, "base": base,
    }  # fmt: skip


def load_wrk(
    port: int, build: Callable[[int], Request], base: int, concurrency: int, seconds: float,
    name: str, script_dir: Path,
) -> Phase:  # fmt: skip
    """``concurrency`` keep-alive connections of wrk (2 threads) sending for ``seconds``."""
    threads = min(2, concurrency)
    script = script_dir / f"wrk-{name.strip('/')}.lua"
    script.write_text(wrk_script(build, name, base, threads))
    answer = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s",
         "--timeout", "30s", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+)$", answer.stdout, re.M)
    if found is None:
        raise RuntimeError(f"wrk said:\n{answer.stdout}\n{answer.stderr}")
    requests, refused, broken, duration_us = map(int, found.groups())
    grid = [
        (float(percent), int(us) / 1000)
        for percent, us in re.findall(r"^AT (\S+) (\d+)$", answer.stdout, re.M)
    ]  # fmt: skip
    # /healthz answers 503 here (``serve --no-worker``: no worker to report): answered all the
    # same, as the python client counts it
    failed = broken + (0 if name == "/healthz" else refused)
    return Phase(
        name, concurrency, requests - failed, failed, duration_us / 1e6, [], client="wrk",
        grids=[(requests, grid)],
    )  # fmt: skip


def counting_worker(broker_url: str, seen: dict[str, set[int]]) -> Celery:
    """A Celery app whose tasks of rentflow's names record the id they were sent."""
    if os.environ.get("BENCH_KOMBU_SQLA"):  # an older tree's broker: kombu's own transport
        app = Celery("bench-counter", broker=broker_url, set_as_current=False)
    else:
        app = Celery("bench-counter", broker=kombu_url(broker_url), set_as_current=False)
    app.conf.update(task_acks_late=True, worker_prefetch_multiplier=8, task_ignore_result=True)
    lock = threading.Lock()

    @app.task(name=DEAL_TASK)
    def deal(portal_id: int, deal_id: str) -> None:
        with lock:
            seen["bitrix24"].add(int(deal_id))

    @app.task(name=LEAD_TASK)
    def lead(portal_id: int, lead_id: str) -> None:
        with lock:
            seen["amocrm"].add(int(lead_id))

    @app.task(name=CHANGED_TASK)
    def changed(portal_id: int, deal_id: str) -> None:
        with lock:  # ``seed`` stores the Bitrix24 portal first (id 1), then the amoCRM one
            seen["bitrix24" if portal_id == 1 else "amocrm"].add(int(deal_id))

    return app


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and every live process under it."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        own = int(stat.parent.name)
        parents[own] = int(fields[1])
        times[own] = (int(fields[11]) + int(fields[12])) / tick
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += times.get(current, 0.0)
        stack += [child for child, parent in parents.items() if parent == current]
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"rentflow serve exited:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"rentflow serve did not come up:\n{log.read_text()}")


def count(broker_url: str, out: Path, stop: Path) -> None:
    """The counting worker's process: consume until ``stop`` exists and every id named in
    ``expected.json`` beside it is seen (or nothing more arrived for a minute), then write
    what it saw."""
    seen: dict[str, set[int]] = {"bitrix24": set(), "amocrm": set()}
    app = counting_worker(broker_url, seen)
    expected_file = stop.parent / "expected.json"
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30,
                      loglevel="WARNING"):  # fmt: skip
        while not stop.exists():
            time.sleep(0.2)
        expected = json.loads(expected_file.read_text())
        last, moved = -1, time.monotonic()
        while time.monotonic() < moved + 60 and any(
            not set(expected[k]) <= seen[k] for k in expected
        ):
            now = sum(map(len, seen.values()))
            if now != last:  # still arriving: a loaded machine drains slowly
                last, moved = now, time.monotonic()
            time.sleep(0.2)
    out.write_text(json.dumps({k: sorted(v) for k, v in seen.items()}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--count":
        count(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="of each phase, in all")
    parser.add_argument(
        "--rounds", type=int, default=3, help="turns each phase's seconds are split into"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--amo-leads", type=int, default=1, help="leads per amoCRM webhook")
    parser.add_argument("--web-processes", type=int, default=None,
                        help="WEB_PROCESSES of the server [default: its own]")  # fmt: skip
    parser.add_argument("--scaled-out", action="store_true",
                        help="PostgreSQL + Redis servers of the bench's own")  # fmt: skip
    parser.add_argument("--clients", nargs="+", choices=["python", "wrk"],
                        default=["python", "wrk"], help="load generators [both]; the python"
                        " one is what counts every acknowledged id")  # fmt: skip
    parser.add_argument("--count-after", action="store_true",
                        help="start the counting worker once the load is over, as workers on"
                        " other machines")  # fmt: skip
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--serve-pythonpath", default="",
        help="run `rentflow serve` from another tree (e.g. an export of an older commit)",
    )  # fmt: skip
    args = parser.parse_args()
    if "wrk" in args.clients and shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk): the python client alone")
        args.clients = ["python"]
    AMO_LEADS[0] = args.amo_leads
    with contextlib.ExitStack() as servers:
        if args.scaled_out:
            from tests.processes import PostgresServer, RedisServer

            pg = PostgresServer()
            servers.callback(pg.close)
            redis_server = RedisServer()
            servers.callback(redis_server.close)
            args.database_url, args.redis_url = pg.url(), redis_server.url
        run(args)


def measure(
    args: argparse.Namespace, port: int, server: int, ids: Iterator[int],
    acked: dict[str, set[int]], var: Path,
) -> list[tuple[Phase, Phase]]:  # fmt: skip
    """Every phase at every concurrency by every client, in turns; each row with its client's
    ``/healthz`` phase of the same concurrency (the ratio's base)."""
    rows = []
    phases = (("/healthz", healthz), ("bitrix24", bitrix24_event), ("amocrm", amocrm_webhook))
    clients = args.clients
    wrk_ids = itertools.count(WRK_ID_BASE, 1_000_000)  # a million ids a wrk run at most
    turn = args.seconds / args.rounds
    for concurrency in args.concurrency:
        slices: dict[tuple[str, str], list[Phase]] = {
            (c, name): [] for c in clients for name, _ in phases
        }
        for _ in range(args.rounds):  # in turns: a neighbour's load falls on each alike
            for client in clients:
                for name, build in phases:
                    cpu = tree_cpu(server)
                    if client == "wrk":
                        phase = load_wrk(
                            port, build, next(wrk_ids), concurrency, turn, name, var
                        )  # fmt: skip
                    else:
                        phase = load(
                            port, build, ids, concurrency, turn, name, acked.get(name)
                        )  # fmt: skip
                    phase.cpu = tree_cpu(server) - cpu
                    slices[(client, name)].append(phase)
        for client in clients:
            base = Phase.total(slices[(client, "/healthz")])
            rows += [(Phase.total(slices[(client, name)]), base) for name, _ in phases]
    return rows


def run(args: argparse.Namespace) -> None:
    var = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    port = free_port()
    env = {
        **os.environ, "RENTFLOW_VAR_DIR": str(var), "RENTFLOW_PORT": str(port),
        **PRODUCTION,
    }  # fmt: skip
    env.pop("WEB_PROCESSES", None)
    if args.web_processes is not None:
        env["WEB_PROCESSES"] = str(args.web_processes)
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    if args.redis_url:
        env["CELERY_BROKER_URL"] = args.redis_url
    settings = Settings.from_env(env)
    env["FERNET_KEY"] = settings.fernet_key
    serve_env = {**env, "PYTHONPATH": args.serve_pythonpath} if args.serve_pythonpath else env
    if args.serve_pythonpath:  # that tree's schema
        subprocess.run(
            [sys.executable, "-m", "backend.cli", "db", "upgrade"], env=serve_env, cwd=var,
            check=True, capture_output=True,
        )  # fmt: skip
    seed(settings, migrate=not args.serve_pythonpath)
    database = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
    broker = "Redis" if args.redis_url else "the SQLite broker"
    processes = "as that tree runs" if args.serve_pythonpath else settings.web_processes
    print(f"mode: {database} + {broker}; {processes} web process(es); "
          f"{args.seconds:.0f} s a phase in {args.rounds} turns; "
          f"{args.amo_leads} lead(s) per amoCRM webhook; counting worker "
          f"{'after' if args.count_after else 'during'} the load; "
          f"load {os.getloadavg()[0]:.1f}; "
          f"var {var}")  # fmt: skip

    log = var / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "serve", "--no-worker"],
            env=serve_env, cwd=var, stdout=out, stderr=out,
        )  # fmt: skip
    acked: dict[str, set[int]] = {"bitrix24": set(), "amocrm": set()}
    ids = itertools.count(1)
    counted = var / "counted.json"
    stop = var / "stop-counting"
    counter = None
    try:
        wait_up(port, serve, log)
        load(port, healthz, ids, 4, 1.0, "warm-up")
        load(port, bitrix24_event, ids, 4, 1.0, "warm-up", set())  # creates the broker's queue
        counting = [  # its own process: the load generator keeps this one's GIL
            sys.executable, __file__, "--count", settings.celery_broker_url, str(counted),
            str(stop),
        ]  # fmt: skip
        if not args.count_after:
            counter = subprocess.Popen(counting)
        rows = measure(args, port, serve.pid, ids, acked, var)
        (var / "expected.json").write_text(json.dumps({k: sorted(v) for k, v in acked.items()}))
        stop.touch()
        if counter is None:  # --count-after: the queue kept everything meanwhile
            counter = subprocess.Popen(counting)
        counter.wait(timeout=1800)
    finally:
        if counter is not None and counter.poll() is None:
            counter.kill()
        serve.terminate()
        serve.wait(timeout=60)
    seen = {k: set(v) for k, v in json.loads(counted.read_text()).items()}

    print(f"{'client':<8}{'phase':<10}{'conc':>5}{'req/s':>9}{'ratio':>7}{'p50 ms':>8}"
          f"{'p99 ms':>8}{'p99 turn':>10}{'failed':>8}{'cpu µs':>8}")  # fmt: skip
    for phase, base in rows:
        ratio = phase.rate / base.rate
        print(
            f"{phase.client:<8}{phase.name:<10}{phase.concurrency:>5}{phase.rate:>9.0f}"
            f"{ratio:>7.2f}"
            f"{phase.percentile_ms(0.5):>8.1f}{phase.percentile_ms(0.99):>8.1f}"
            f"{phase.turn_p99_ms:>10.1f}{phase.failed:>8}"
            f"{phase.cpu_us:>8.0f}"
        )
    for kind in acked:
        lost = len(acked[kind] - seen[kind])
        print(f"{kind}: {len(acked[kind])} acknowledged, {len(seen[kind] & acked[kind])} "
              f"reached a worker, {lost} lost")  # fmt: skip
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
