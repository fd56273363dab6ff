"""`rentflow serve` restarts a killed worker and ``/healthz`` says so meanwhile."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.bootstrap import bootstrap
from backend.config import Settings
from backend.runtime.publish import FastPublisher
from backend.services.health import pings
from tests.e2e.runtime.test_serve import _free_port, _rentflow

DEADLINE = 90.0  # seconds any one state may take to show (2 shared cores, a cold worker)


def _children(pid: int) -> list[int]:
    """Child processes of ``pid``, whichever of its threads started them."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.exists():
            found += [int(x) for x in children.read_text().split()]
    return found


def _health(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())
    except OSError:
        return 0, {}


def _until(what: str, check: Callable[[], Any], log: Path) -> Any:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {DEADLINE:.0f}s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def started_serve(
    tmp_path: Path, env_changes: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """``rentflow serve`` on a free port over ``tmp_path/var``: (process, port, its log)."""
    port = _free_port()
    env = {
        **os.environ,
        "RENTFLOW_VAR_DIR": str(tmp_path / "var"),
        "RENTFLOW_PORT": str(port),
        **env_changes,
    }
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [_rentflow(), "serve"], env=env, cwd=tmp_path, stdout=out, stderr=out
        )
        try:
            yield proc, port, log
        finally:
            # the test is over: no warm shutdown to wait for (test_serve stops serve cleanly);
            # the supervised worker and each web process run in a process group of their own
            for child in _children(proc.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child, signal.SIGKILL)
            proc.kill()
            proc.wait()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    with started_serve(tmp_path, {"RENTFLOW_SANDBOX": "1"}) as started:
        yield started


def test_a_killed_worker_is_restarted_and_healthz_is_unhealthy_meanwhile(
    serve: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    proc, port, log = serve
    _, body = _until("a healthy start", lambda: (h := _health(port))[0] == 200 and h, log)
    assert body["parts"]["worker"]["ok"], body
    [worker] = _children(proc.pid)

    os.kill(worker, signal.SIGKILL)

    _, body = _until("/healthz 503", lambda: (h := _health(port))[0] == 503 and h, log)
    assert body["status"] == "unhealthy"
    assert "worker" in body["unhealthy"], body
    detail = body["parts"]["worker"]["detail"]
    assert f"pid {worker} killed by SIGKILL" in detail or "starting" in detail, body
    _, body = _until("/healthz 200 again", lambda: (h := _health(port))[0] == 200 and h, log)
    assert body["parts"]["worker"]["restarts"] == 1, body
    [restarted] = _children(proc.pid)
    assert restarted != worker
    assert f"pid {worker} killed by SIGKILL" in log.read_text()
    assert "restart #1" in log.read_text()
    # the restarted worker takes work: a task queued now runs
    settings = Settings.from_env({"RENTFLOW_VAR_DIR": str(log.parent / "var")})
    FastPublisher(settings.celery_broker_url).send("jobs.tasks.ping", ["after-restart"])
    container = bootstrap(settings, crm_factories={})
    try:
        _until(
            "a task run by the restarted worker",
            lambda: "after-restart" in pings(container.uow),
            log,
        )
    finally:
        container.dispose()
