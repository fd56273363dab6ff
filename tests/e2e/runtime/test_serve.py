"""`rentflow serve` starts web + worker + beat as one process tree and stops it on Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rentflow() -> str:
    found = shutil.which("rentflow", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the rentflow console script is not installed next to this Python")
    return found


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def test_serve_runs_web_and_worker_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "RENTFLOW_VAR_DIR": str(tmp_path / "var"),
        "RENTFLOW_PORT": str(port),
        "RENTFLOW_SANDBOX": "1",  # as `make serve`: no CRM credentials needed
    }
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([_rentflow(), "serve"], env=env, cwd=tmp_path, stdout=log, stderr=log)
    try:
        body = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read()
                break
            except OSError:
                time.sleep(0.3)
        assert b"rentflow is running" in body, (tmp_path / "serve.log").read_text()
        workers = _children(proc.pid)
        assert workers, "serve started no worker process"
        # the web counts its requests beside the broker, for the worker to yield to a surge
        counted = tmp_path / "var" / "run" / "web-load" / str(proc.pid)
        assert int.from_bytes(counted.read_bytes(), "little") >= 1
        doctor = subprocess.run(
            [_rentflow(), "doctor", "--wait", "60"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert "ok: a worker ran" in doctor.stdout
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert not counted.exists()
        for pid in workers:
            assert (
                not Path(f"/proc/{pid}").exists()
                or "zombie" in Path(f"/proc/{pid}/status").read_text()
            )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
