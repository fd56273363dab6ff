"""``rentflow worker --name``: each worker process runs under a node name of its own (Celery's
hostname), given or, by default, made unique from its pid; its heartbeat carries that name, so
``/healthz`` tells several workers on one machine apart. A bad name is refused at the door."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from backend.cli import main, runtime
from backend.runtime.heartbeat import REDIS_PREFIX
from tests.processes import Process, wait_for

READY = 90.0  # seconds a worker may take to start on 2 busy cores
HOST = socket.gethostname()


def _env(tmp_path: Path, broker: str = "") -> dict[str, str]:
    env = {**os.environ, "RENTFLOW_VAR_DIR": str(tmp_path / "var"), "RENTFLOW_SANDBOX": "1"}
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    if broker:
        env["CELERY_BROKER_URL"] = broker
    return env


@pytest.fixture
def workers() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for worker in started:
        worker.kill()


def _start(workers: list[Process], env: dict[str, str], log: Path, *args: str) -> Process:
    worker = Process(["worker", "--concurrency=1", *args], env, log)
    workers.append(worker)
    try:
        wait_for("the worker ready", lambda: " ready." in worker.text(), READY, 0.2)
    except TimeoutError as err:
        raise TimeoutError(f"{err}:\n{worker.text()[-3000:]}") from None
    return worker


def test_a_worker_runs_under_the_name_it_is_given(tmp_path: Path, workers: list[Process]) -> None:
    worker = _start(workers, _env(tmp_path), tmp_path / "w.log", "--name", "billing-1@%h")

    assert f"billing-1@{HOST} ready." in worker.text()
    beat = tmp_path / "var" / "worker.heartbeat"  # the embedded heartbeat names its worker
    assert beat.read_text() == f"{HOST}:billing-1@{HOST}"


def test_without_a_name_each_worker_gets_its_own(tmp_path: Path, workers: list[Process]) -> None:
    """Two workers started the same way on one machine, on Redis: two node names, two
    heartbeats."""
    broker = os.environ.get("TEST_REDIS_URL")
    if not broker:
        pytest.skip("TEST_REDIS_URL not set (scripts/test-services.sh starts Redis)")
    store = redis.Redis.from_url(broker)
    for key in store.keys(REDIS_PREFIX + "*"):  # other tests' workers
        store.delete(key)
    env = _env(tmp_path, broker)
    first = _start(workers, env, tmp_path / "w1.log")
    second = _start(workers, env, tmp_path / "w2.log")

    names = {
        w.pid: f"worker-{w.pid}@{HOST}" for w in (first, second)
    }  # the pid of `rentflow worker` itself
    assert f"{names[first.pid]} ready." in first.text()
    assert f"{names[second.pid]} ready." in second.text()
    keys = {k.decode() for k in store.keys(REDIS_PREFIX + "*")}
    assert keys == {f"{REDIS_PREFIX}{HOST}:{name}" for name in names.values()}


@pytest.mark.parametrize("bad", ["two words", "a@b@c", "", "x;rm"])
def test_a_bad_name_is_refused_with_a_clear_message(
    tmp_path: Path, bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused by the command's option, before anything starts: run in-process (the check is
    click's, the same as in a started process, without paying a process start per name); a
    name let through would reach the settings, which here fail instead of starting a worker."""

    def _started() -> None:
        raise AssertionError(f"the worker went on to start under the name {bad!r}")

    monkeypatch.setattr(runtime, "running_settings", _started)
    done = CliRunner().invoke(main, ["worker", "--name", bad], env=_env(tmp_path))
    assert done.exit_code == 2
    assert "Invalid value for '--name' / '-n'" in done.stderr
    assert "letters, digits" in done.stderr
    assert not (tmp_path / "var" / "broker.sqlite").exists()  # refused before anything starts
