"""``rentflow serve``'s web processes: one listening socket, bound once, shared by
``WEB_PROCESSES`` waitress servers.

One Python process answers on one core at a time (the GIL), however many threads it has: at 64
concurrent webhooks one process was the limit of intake. With ``WEB_PROCESSES`` above 1,
``rentflow serve`` binds the socket, then starts that many ``rentflow serve --listen-fd N``
processes which inherit it and each run waitress on it (``create_server(sockets=[...])``): the
kernel hands each new connection to whichever process accepts first, so a busy process takes
fewer. Each is supervised as the worker is (``backend.runtime.supervisor``): a dead one is
logged and started again with back-off, while the others keep answering and the socket stays
open (connections wait in its backlog). SIGTERM or Ctrl-C stops them all.

What each web process keeps for itself stays correct with several: the portal cache lives 5 s
(``backend.db.portal_cache``: an uninstall in one process is seen by the others within it, and
the tasks check the portal again), one-time values are spent in the database, the rate limit
is in ``var/`` or Redis, each publisher writes the broker in its own transaction. The worker's
supervisor lives in the parent; it writes its state to ``var/run/worker-state.json`` for every
web process's ``/healthz`` (``WorkerStateFile``).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from types import FrameType
from typing import Any

from backend.runtime.supervisor import Supervisor, WorkerState

log = logging.getLogger("rentflow.supervisor")

THREADS = 32  # per process: webhooks queued at once share one fsync of the broker
BACKLOG = 1024  # connections waiting for an accept (waitress's default)
PARENT_POLL = 1.0  # seconds: a web process whose parent died stops within this
WARM_WAIT = 5.0  # seconds a starting web process waits for the broker (``freeze_loaded``)


def listening_sockets(host: str, port: int) -> list[socket.socket]:
    """The TCP sockets every web process accepts on, bound, listening and inheritable: one
    per address ``host`` names (``localhost``: 127.0.0.1 and ::1), as waitress binds them."""
    sockets: list[socket.socket] = []
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    for family, kind, proto, _, address in dict.fromkeys(found):
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:  # as waitress: ::1 and 127.0.0.1 are two sockets
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


def freeze_loaded(container: Any, wait: float = WARM_WAIT) -> None:
    """Take what this web process has loaded out of the cyclic collector's full scans.

    Python's full collection walks every tracked object while holding the GIL. A web process
    holds about 190,000 after its first webhook (Flask, SQLAlchemy, Celery's publisher), and
    each full collection under load paused every thread for 100-200 ms (six times in a
    bench_intake run at 64 concurrent webhooks, each stalling every request then in flight).
    The task publisher is built here rather than by the first webhook
    (its imports and connection are most of the rest), then everything alive is collected
    once and frozen: full collections then walk only what requests made since (~1 ms).
    A broker that is down or slow to answer (``wait`` seconds) leaves the publisher to the
    first webhook, as before; the process answers meanwhile."""
    warming = threading.Thread(target=_warm, args=(container,), name="warm-publisher", daemon=True)
    warming.start()
    warming.join(wait)
    gc.collect()
    gc.freeze()


def _warm(container: Any) -> None:
    try:
        container.warm_publisher()
    except Exception as err:  # the broker is down: each webhook's own error says so
        log.warning("the task publisher is built on first use: %s: %s", type(err).__name__, err)


def run_waitress(app: Any, sockets: list[socket.socket], *, on_stop: Callable[[int], None]) -> None:
    """Serve ``app`` on ``sockets`` until SIGTERM or SIGINT (``on_stop(signum)`` told first)."""
    from waitress import create_server

    server = create_server(app, sockets=sockets, threads=THREADS)
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():
            return
        stopping.set()
        on_stop(signum)
        server.close()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except OSError:
        if not stopping.is_set():
            raise


def watch_parent() -> None:
    """SIGTERM this process once its parent is gone (a ``rentflow serve`` killed with
    SIGKILL): a web process never outlives the supervisor that would restart it."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def web_supervisors(
    count: int, sockets: list[socket.socket], *, worker_state: Path | None
) -> list[Supervisor]:
    """``count`` supervisors of ``rentflow serve --listen-fd`` on ``sockets`` (not started)."""
    fds = [sock.fileno() for sock in sockets]
    argv = [sys.executable, "-m", "backend.cli", "serve"]
    for fd in fds:
        argv += ["--listen-fd", str(fd)]
    if worker_state is not None:
        argv += ["--worker-state", str(worker_state)]
    return [Supervisor(argv, pass_fds=fds, name=f"web process {n}") for n in range(1, count + 1)]


def stop_all(supervisors: list[Supervisor], timeout: float = 30.0) -> None:
    """SIGTERM every supervised process at once, then wait for each."""
    for supervisor in supervisors:
        supervisor.terminate()
    for supervisor in supervisors:
        supervisor.stop(timeout=timeout)


class WorkerStateFile:
    """The supervised worker's state, written by ``rentflow serve`` (``write``: a
    ``Supervisor``'s ``on_state``) and read by its web processes' ``/healthz`` (``state``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, state: WorkerState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(asdict(state)))
        partial.replace(self.path)

    @property
    def state(self) -> WorkerState:
        try:
            return WorkerState(**json.loads(self.path.read_text()))
        except (OSError, ValueError, TypeError) as err:
            return WorkerState(False, None, time.time(), 0, f"worker state unreadable: {err}")
