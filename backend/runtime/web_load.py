"""How busy the web is, so that the embedded worker yields the cores to a surge of requests.

In embedded mode (``rentflow serve``: web processes and worker on one machine, the SQLite
broker) a worker taking tasks while webhooks pour in costs the web its tail. On 2 cores at 64
concurrent webhooks their p99 was 87-168 ms with a worker consuming them and 67-110 ms with it
started after the load, and ``/healthz``'s rose as much (41-169 against 31-62 ms) though it
touches neither the broker nor the database; the worker at nice 19 or ``SCHED_IDLE`` did no
better (``bench/bench_intake.py``, issue 18). So while the web starts more than
``WORKER_YIELD_RATE`` requests a second, the embedded worker takes no new task, for at most
``WORKER_YIELD_SECONDS`` in a row, then takes tasks again whatever the load. An acknowledged
event is already on disk in the broker file: it waits there and runs once the surge is over.

Each web process counts the requests it starts in a file of its own,
``<broker file's directory>/run/web-load/<pid>``: 8 bytes, memory-mapped, so a count costs no
system call. The worker reads the files at most every ``SAMPLE`` seconds.
"""

from __future__ import annotations

import itertools
import logging
import mmap
import os
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from backend.config import WORKER_YIELD_RATE, WORKER_YIELD_SECONDS
from backend.runtime.health import sqlite_broker_path

log = logging.getLogger("rentflow.worker")

SAMPLE = 0.25  # seconds between two readings of the web's counts
COUNT = struct.Struct("<Q")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def web_load_dir(broker_file: Path) -> Path:
    """Where the web processes beside the broker file ``broker_file`` count their requests."""
    return broker_file.parent / "run" / "web-load"


class RequestCounter:
    """This web process's count of the requests it started, in its file under ``directory``
    (named after its pid, so that the worker can tell a killed process's file)."""

    def __init__(self, directory: Path, name: str | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / (name or str(os.getpid()))
        self.path.write_bytes(bytes(COUNT.size))
        with self.path.open("r+b") as file:
            self._map = mmap.mmap(file.fileno(), COUNT.size)
        self._count = itertools.count(1)
        self._lock = threading.Lock()  # two threads' stores never land out of order

    def tick(self) -> None:
        """One more request."""
        with self._lock:
            COUNT.pack_into(self._map, 0, next(self._count))

    def close(self) -> None:
        self._map.close()
        self.path.unlink(missing_ok=True)


def counting_requests(app: WsgiApp, counter: RequestCounter) -> WsgiApp:
    """``app``, each request counted by ``counter`` as it starts."""

    def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        counter.tick()
        return app(environ, start_response)

    return counted


@contextmanager
def counted_web(app: WsgiApp, broker_url: str) -> Iterator[WsgiApp]:
    """``app`` counting its requests for the worker beside the embedded broker's file, for the
    ``with`` block (the count's file is removed after); ``app`` itself with another broker (a
    worker elsewhere takes nothing from this machine's cores)."""
    broker_file = sqlite_broker_path(broker_url)
    if broker_file is None:
        yield app
        return
    counter = RequestCounter(web_load_dir(broker_file))
    try:
        yield counting_requests(app, counter)
    finally:
        counter.close()


class WebLoad:
    """The requests a second the web processes under ``directory`` started, all together."""

    def __init__(self, directory: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.directory = directory
        self.clock = clock
        self._counts: dict[str, int] = {}
        self._at: float | None = None

    def rate(self) -> float:
        """Requests a second since the previous call (0 at the first)."""
        now, counts = self.clock(), self._read()
        started = 0
        for name, count in counts.items():
            before = self._counts.get(name)
            if before is None or count < before:  # a new process (or a reused pid): from 0
                started += count
            else:
                started += count - before
                if count == before:
                    self._forget_if_dead(name)
        elapsed = None if self._at is None else now - self._at
        self._counts, self._at = counts, now
        return started / elapsed if elapsed else 0.0

    def _read(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:  # no web process has counted yet
            return counts
        for entry in entries:
            try:
                with open(entry.path, "rb") as file:
                    raw = file.read(COUNT.size)
            except FileNotFoundError:  # its process ended meanwhile
                continue
            if len(raw) == COUNT.size:
                counts[entry.name] = COUNT.unpack(raw)[0]
        return counts

    def _forget_if_dead(self, name: str) -> None:
        """The file of a web process that was killed (it removes its own when it stops)."""
        if not name.isdigit():
            return
        try:
            os.kill(int(name), 0)
        except ProcessLookupError:
            (self.directory / name).unlink(missing_ok=True)
        except PermissionError:  # alive, another user's
            pass


class Yielding:
    """Whether the embedded worker should take no new task now (see the module)."""

    def __init__(
        self,
        load: WebLoad,
        rate: float = WORKER_YIELD_RATE,
        longest: float = WORKER_YIELD_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        waiting: Callable[[], int] = lambda: 0,
    ) -> None:
        self.load = load
        self.rate = rate
        self.longest = longest
        self.clock = clock
        self.waiting = waiting  # tasks queued, for the log line
        self._sampled: float | None = None
        self._busy = False
        self._since: float | None = None  # when this surge began
        self._gave_up = False  # the surge outlasted ``longest``: tasks are taken again

    def now(self) -> bool:
        if self.rate <= 0:
            return False
        now = self.clock()
        if self._sampled is None or now - self._sampled >= SAMPLE:
            self._sample(now)
        if not self._busy:
            self._quieter(now)
            return False
        if self._since is not None and now - self._since < self.longest:
            return True
        if not self._gave_up:
            self._gave_up = True
            log.info(
                "the web is still busy after %.0f s: the worker takes tasks again (%d queued)",
                self.longest, self.waiting(),
            )  # fmt: skip
        return False

    def _sample(self, now: float) -> None:
        rate = self.load.rate()
        self._busy, self._sampled = rate >= self.rate, now
        if self._busy and self._since is None:
            self._since = now
            log.info(
                "the web answers %.0f requests/s: the worker takes no new task for up to "
                "%.0f s (%d queued)", rate, self.longest, self.waiting(),
            )  # fmt: skip

    def _quieter(self, now: float) -> None:
        if self._since is not None:
            log.info(
                "the web is quieter: the worker takes tasks again after %.1f s (%d queued)",
                now - self._since, self.waiting(),
            )  # fmt: skip
            self._since, self._gave_up = None, False
