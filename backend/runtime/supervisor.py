"""The supervisor of ``rentflow serve``'s embedded worker: start it, watch it, restart it with
back-off when it dies, and say so in one log line.

The worker runs in its own process group, so when its main process dies (SIGKILL, a crash on a
full disk or a corrupt broker) its pool children and embedded beat are ended with it before a
new one starts: never two beats, never orphans holding tasks. Back-off: 1 s after the first
death, doubling to 60 s; a worker that ran a healthy minute starts the count again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("rentflow.supervisor")


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait before restart number ``n`` (0-based) of a worker that keeps dying."""

    first: float = 1.0
    most: float = 60.0
    healthy_after: float = 60.0  # a run this long resets the count

    def delay(self, failures: int) -> float:
        return min(self.most, self.first * 2.0 ** min(failures, 30))


@dataclass(frozen=True)
class WorkerState:
    """What the supervisor knows of its worker, for ``/healthz``."""

    running: bool
    pid: int | None
    since: float  # wall-clock time the current process started (or died)
    restarts: int
    detail: str


class Supervised(Protocol):
    """What ``/healthz`` reads of a supervised worker (``Supervisor``, ``WorkerStateFile``)."""

    @property
    def state(self) -> WorkerState: ...


def describe_exit(code: int) -> str:
    """``-9`` -> "killed by SIGKILL", ``1`` -> "exited with status 1"."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with status {code}"


class Supervisor:
    """Keeps one child process running until ``stop()``.

    ``diagnose`` returns a line on what is wrong around the worker (full disk, unreadable
    broker), added to the restart log line; ``on_death`` runs after each death (closing the
    billing runs it left "running")."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        backoff: Backoff | None = None,
        diagnose: Callable[[], str] | None = None,
        on_death: Callable[[], None] | None = None,
        name: str = "worker",
        pass_fds: Sequence[int] = (),
        on_state: Callable[[WorkerState], None] | None = None,
    ) -> None:
        self.argv = list(argv)
        self.env = env
        self.backoff = backoff or Backoff()
        self.diagnose = diagnose
        self.on_death = on_death
        self.name = name
        self.pass_fds = tuple(pass_fds)  # e.g. the listening socket web processes share
        self.on_state = on_state  # told each new state (another process's /healthz reads it)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._state = WorkerState(False, None, time.time(), 0, f"{name} not started")
        self._thread = threading.Thread(target=self._watch, name=f"supervise-{name}", daemon=True)

    @property
    def state(self) -> WorkerState:
        return self._state

    @property
    def pid(self) -> int | None:
        return self._state.pid

    def start(self) -> None:
        self._spawn(restarts=0)
        self._thread.start()

    def terminate(self) -> None:
        """SIGTERM the child and restart it no more (``stop`` waits for it)."""
        self._stopping.set()
        with self._lock:
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the worker (a warm shutdown: running tasks finish or are given back), wait,
        then kill its whole group."""
        self.terminate()
        with self._lock:
            proc = self._proc
        if proc is None:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s pid %s did not stop in %.0fs: killed", self.name, proc.pid, timeout)
        _kill_group(proc.pid)
        proc.wait()
        self._thread.join(timeout=5)

    def _spawn(self, restarts: int) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(  # noqa: S603
            self.argv, env=self.env, start_new_session=True, pass_fds=self.pass_fds
        )
        with self._lock:
            self._proc = proc
        self._set_state(WorkerState(True, proc.pid, time.time(), restarts, "running"))
        return proc

    def _set_state(self, state: WorkerState) -> None:
        self._state = state
        if self.on_state is not None:
            try:
                self.on_state(state)
            except OSError:  # a full disk: /healthz elsewhere reads the state before
                log.exception("the %s's state could not be written", self.name)

    def _watch(self) -> None:
        failures = 0
        restarts = 0
        while True:
            with self._lock:
                proc = self._proc
            if proc is None:
                raise RuntimeError("the watcher runs only after start() spawned the worker")
            started = time.monotonic()
            code = proc.wait()
            if self._stopping.is_set():
                return
            _kill_group(proc.pid)  # its pool children and embedded beat go with it
            ran = time.monotonic() - started
            if ran >= self.backoff.healthy_after:
                failures = 0
            delay = self.backoff.delay(failures)
            failures += 1
            restarts += 1
            why = describe_exit(code)
            self._set_state(WorkerState(
                False, None, time.time(), restarts,
                f"{self.name} pid {proc.pid} {why}; restarting in {delay:.0f}s",
            ))  # fmt: skip
            around = self._diagnosis()
            log.error(
                "%s pid %s %s after %.0fs; restart #%d in %.0fs (%s)",
                self.name, proc.pid, why, ran, restarts, delay, around,
            )  # fmt: skip
            self._after_death()
            if self._stopping.wait(delay):
                return
            new = self._spawn(restarts)
            log.warning("%s restarted as pid %s (restart #%d)", self.name, new.pid, restarts)

    def _diagnosis(self) -> str:
        if self.diagnose is None:
            return "no diagnosis"
        try:
            return self.diagnose()
        except Exception as err:  # a failing diagnosis must not stop restarts
            return f"diagnosis failed: {type(err).__name__}: {err}"

    def _after_death(self) -> None:
        if self.on_death is None:
            return
        try:
            self.on_death()
        except Exception:  # a database that is down now is closed on the next death or sweep
            log.exception("cleaning up after the %s's death failed", self.name)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
