"""Is the service healthy? One check per part, read by ``/healthz``, ``rentflow doctor`` and
the supervisor's restart log line.

- worker: its heartbeat (``runtime.heartbeat``) is younger than ``HEARTBEAT_STALE``;
- broker: reachable and readable (the SQLite broker file opens and its queue table answers;
  Redis answers PING), with the number of tasks waiting;
- outbox: the oldest due message has waited less than ``OUTBOX_STALE`` (the beat sends every
  minute, a billing day's mail at once);
- disk: the var directory has room to write (SQLite and the broker need it for every commit).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend.config import Settings
from backend.ports import Clock
from backend.queued_tasks import QUEUES
from backend.runtime.heartbeat import HEARTBEAT_STALE, HeartbeatStore, heartbeat_store
from backend.runtime.supervisor import WorkerState
from backend.services.health import outbox_delay
from backend.services.unit_of_work import UnitOfWorkFactory

OUTBOX_STALE = 15 * 60.0  # seconds
DISK_LOW = 50 * 1024 * 1024  # bytes free below which writes are about to fail
PROBE_TIMEOUT = 2.0  # seconds a probe may take


@dataclass(frozen=True)
class Part:
    """One part's state: healthy or not, a line saying why, and numbers for the operator."""

    ok: bool
    detail: str
    numbers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthReport:
    parts: dict[str, Part]

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.parts.values())

    @property
    def unhealthy(self) -> list[str]:
        return [name for name, part in self.parts.items() if not part.ok]

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "unhealthy",
            "unhealthy": self.unhealthy,
            "parts": {
                name: {"ok": p.ok, "detail": p.detail, **p.numbers}
                for name, p in self.parts.items()
            },
        }

    def line(self) -> str:
        """One line for a log: the unhealthy parts and why (or "all parts healthy")."""
        bad = [f"{name}: {self.parts[name].detail}" for name in self.unhealthy]
        return "; ".join(bad) if bad else "all parts healthy"


def sqlite_broker_path(broker_url: str) -> Path | None:
    """The file of a ``sqla+sqlite:///path`` broker URL, or None for another broker."""
    prefix = "sqla+sqlite:///"
    return Path(broker_url[len(prefix) :]) if broker_url.startswith(prefix) else None


def check_worker(heartbeats: HeartbeatStore, supervised: WorkerState | None = None) -> Part:
    """``supervised``: what the supervisor of this process knows (``rentflow serve``): a dead
    worker is unhealthy at once, a restarted one once it has beaten since its start."""
    if supervised is not None and not supervised.running:
        return Part(False, supervised.detail, {"restarts": supervised.restarts})
    try:
        age = heartbeats.age()
    except Exception as err:  # a store that cannot be read is the finding
        return Part(False, f"heartbeat unreadable: {type(err).__name__}: {err}")
    numbers: dict[str, Any] = {}
    if supervised is not None:
        numbers["restarts"] = supervised.restarts
    if age is None:
        return Part(False, "no worker has beaten yet", numbers)
    numbers["heartbeat_age_s"] = round(age, 1)
    if supervised is not None and age > time.time() - supervised.since:
        return Part(False, f"worker pid {supervised.pid} starting", numbers)
    if age > HEARTBEAT_STALE:
        return Part(False, f"no heartbeat for {age:.0f}s", numbers)
    return Part(True, f"last heartbeat {age:.0f}s ago", numbers)


def check_broker(broker_url: str) -> Part:
    path = sqlite_broker_path(broker_url)
    try:
        if path is not None:
            waiting = _sqlite_broker_waiting(path)
        else:
            waiting = _redis_broker_waiting(broker_url)
    except Exception as err:  # any failure to read the broker is the finding
        return Part(False, f"unreadable: {type(err).__name__}: {err}")
    return Part(True, f"reachable, {waiting} task(s) waiting", {"waiting": waiting})


def _sqlite_broker_waiting(path: Path) -> int:
    if not path.exists():  # the worker creates it on start; a web alone sees it once sent
        raise FileNotFoundError(f"{path} does not exist")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=PROBE_TIMEOUT)
    try:
        row = connection.execute("SELECT count(*) FROM kombu_message WHERE visible = 1").fetchone()
    finally:
        connection.close()
    return int(row[0])


def _redis_broker_waiting(url: str) -> int:
    import redis

    client = redis.Redis.from_url(
        url, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT
    )
    try:
        client.ping()
        return sum(int(client.llen(queue)) for queue in QUEUES)
    finally:
        client.close()


def check_outbox(uow_factory: UnitOfWorkFactory, clock: Clock) -> Part:
    try:
        delay = outbox_delay(uow_factory, clock)
    except Exception as err:  # an unreadable database is the finding
        return Part(False, f"database unreadable: {type(err).__name__}: {err}")
    if delay is None:
        return Part(True, "nothing due", {"oldest_due_age_s": 0})
    numbers = {"oldest_due_age_s": round(delay)}
    if delay > OUTBOX_STALE:
        return Part(False, f"the oldest due message has waited {delay / 60:.0f} min", numbers)
    return Part(True, f"the oldest due message has waited {delay:.0f}s", numbers)


def check_disk(var_dir: Path) -> Part:
    try:
        free = shutil.disk_usage(var_dir).free
    except OSError as err:
        return Part(False, f"{var_dir} unreadable: {err}")
    numbers = {"free_mb": free // (1024 * 1024)}
    if free < DISK_LOW:
        return Part(False, f"disk full: {free // (1024 * 1024)} MB free under {var_dir}", numbers)
    return Part(True, f"{free // (1024 * 1024)} MB free", numbers)


def check_health(
    settings: Settings,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    worker: bool = True,
    supervised: WorkerState | None = None,
) -> HealthReport:
    """Every part's state; ``worker=False`` leaves the worker out (a web-only test app)."""
    parts: dict[str, Part] = {}
    if worker:
        try:
            store = heartbeat_store(settings.var_dir, settings.celery_broker_url)
            parts["worker"] = check_worker(store, supervised)
        except Exception as err:  # e.g. Redis down while building the store
            parts["worker"] = Part(False, f"heartbeat unreadable: {type(err).__name__}: {err}")
    parts["broker"] = check_broker(settings.celery_broker_url)
    parts["outbox"] = check_outbox(uow_factory, clock)
    parts["disk"] = check_disk(settings.var_dir)
    return HealthReport(parts)


class CachedHealth:
    """The report, computed at most once per ``ttl`` seconds: a load balancer polling
    ``/healthz`` hard costs the database and the broker one probe a second, not one a poll.

    Once there is a report, the one thread that finds it expired computes the next while the
    others answer with the last one: they used to queue on the lock behind that probe (the
    database, the broker, the disk, each waiting for the GIL among 32 busy web threads), and a
    poll at 64 connections waited up to 0.9 s."""

    def __init__(self, compute: Callable[[], HealthReport], ttl: float = 1.0) -> None:
        self.compute = compute
        self.ttl = ttl
        self._lock = threading.Lock()
        self._report: HealthReport | None = None
        self._at = 0.0

    def report(self) -> HealthReport:
        last = self._report
        if last is not None and time.monotonic() - self._at < self.ttl:
            return last
        if last is None:
            self._lock.acquire()
        elif not self._lock.acquire(blocking=False):
            return last  # another thread is computing the next
        try:
            if self._report is None or time.monotonic() - self._at >= self.ttl:
                self._report = self.compute()
                self._at = time.monotonic()
            return self._report
        finally:
            self._lock.release()
