"""How busy the web is (the web processes' request counts) and when the embedded worker
yields to it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from backend.runtime.web_load import (
    SAMPLE,
    RequestCounter,
    WebLoad,
    Yielding,
    counted_web,
    counting_requests,
    web_load_dir,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _ticks(counter: RequestCounter, n: int) -> None:
    for _ in range(n):
        counter.tick()


def test_the_rate_is_every_web_process_s_requests_since_the_last_look(tmp_path: Path) -> None:
    clock = Clock()
    load = WebLoad(tmp_path, clock)
    first, second = RequestCounter(tmp_path, "101"), RequestCounter(tmp_path, "102")
    _ticks(first, 30)
    assert load.rate() == 0.0  # nothing to compare with yet

    _ticks(first, 100)
    _ticks(second, 50)
    clock.now += 0.5
    assert load.rate() == 300.0  # 150 requests in half a second

    clock.now += 2.0
    assert load.rate() == 0.0


def test_a_web_process_started_or_restarted_meanwhile_counts_from_zero(tmp_path: Path) -> None:
    clock = Clock()
    load = WebLoad(tmp_path, clock)
    old = RequestCounter(tmp_path, "201")
    _ticks(old, 500)
    load.rate()

    old.close()
    restarted = RequestCounter(tmp_path, "201")  # the same name: a pid used again
    newcomer = RequestCounter(tmp_path, "202")
    _ticks(restarted, 20)
    _ticks(newcomer, 30)
    clock.now += 1.0
    assert load.rate() == 50.0


def test_a_stopped_web_process_takes_its_file_away_and_a_killed_one_s_is_removed(
    tmp_path: Path,
) -> None:
    load = WebLoad(tmp_path, Clock())
    stopping = RequestCounter(tmp_path, "stopping")
    stopping.close()
    assert not stopping.path.exists()

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead = RequestCounter(tmp_path, ended.stdout.strip())  # as a SIGKILLed process leaves it
    alive = RequestCounter(tmp_path)  # this process's
    _ticks(dead, 5)
    load.rate()
    load.rate()  # the dead one's count did not move: its process is looked for, and is gone
    assert not dead.path.exists()
    assert alive.path.exists()


def test_no_directory_is_no_load(tmp_path: Path) -> None:
    load = WebLoad(tmp_path / "none-yet", Clock())
    assert load.rate() == 0.0
    assert load.rate() == 0.0


def test_the_web_counts_each_request_as_it_starts(tmp_path: Path) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [])
        return [b"ok"]

    clock = Clock()
    load = WebLoad(tmp_path, clock)
    load.rate()
    counted = counting_requests(app, RequestCounter(tmp_path, "301"))
    for _ in range(7):
        assert list(counted({}, lambda *_: None)) == [b"ok"]
    clock.now += 1.0
    assert load.rate() == 7.0


def test_only_the_embedded_broker_s_web_is_counted(tmp_path: Path) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return []

    with counted_web(app, "redis://127.0.0.1:6379/0") as served:
        assert served is app  # Redis: the workers are elsewhere
    directory = web_load_dir(tmp_path / "broker.sqlite")
    with counted_web(app, f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}") as counted:
        assert counted is not app
        assert [f.name for f in directory.iterdir()] == [str(os.getpid())]
    assert list(directory.iterdir()) == []  # removed when the web process stops


class Load:
    """A web whose rate the test sets; counts how often it was read."""

    def __init__(self) -> None:
        self.now = 0.0
        self.reads = 0

    def rate(self) -> float:
        self.reads += 1
        return self.now


def _yielding(load: Load, clock: Clock, rate: float = 500, longest: float = 120) -> Yielding:
    return Yielding(load, rate, longest, clock=clock, waiting=lambda: 42)  # type: ignore[arg-type]


def test_the_worker_yields_while_the_web_is_busy_and_takes_tasks_once_it_is_quieter(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, load = Clock(), Load()
    yielding = _yielding(load, clock)
    load.now = 499
    assert not yielding.now()

    caplog.set_level(logging.INFO, logger="rentflow.worker")
    load.now = 2000
    clock.now += SAMPLE
    assert yielding.now()
    clock.now += 30
    assert yielding.now()
    load.now = 100
    clock.now += SAMPLE
    assert not yielding.now()
    assert [r.getMessage() for r in caplog.records] == [
        "the web answers 2000 requests/s: the worker takes no new task for up to 120 s (42 queued)",
        "the web is quieter: the worker takes tasks again after 30.2 s (42 queued)",
    ]


def test_a_surge_longer_than_the_longest_yield_gets_its_tasks_taken(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, load = Clock(), Load()
    yielding = _yielding(load, clock, longest=10)
    load.now = 900
    assert yielding.now()
    clock.now += 9.9
    assert yielding.now()
    caplog.set_level(logging.INFO, logger="rentflow.worker")
    clock.now += 0.2
    assert not yielding.now()
    clock.now += 60
    assert not yielding.now()  # still busy: the worker keeps taking, and says so once
    assert [r.getMessage() for r in caplog.records] == [
        "the web is still busy after 10 s: the worker takes tasks again (42 queued)"
    ]

    load.now = 10  # the surge ends; the next one is yielded to again
    clock.now += SAMPLE
    assert not yielding.now()
    load.now = 900
    clock.now += SAMPLE
    assert yielding.now()


def test_the_web_is_read_at_most_every_sample_and_a_zero_rate_never_yields() -> None:
    clock, load = Clock(), Load()
    yielding = _yielding(load, clock)
    load.now = 900
    for _ in range(50):  # a worker taking messages one by one looks before each
        assert yielding.now()
    assert load.reads == 1
    clock.now += SAMPLE
    yielding.now()
    assert load.reads == 2

    never = _yielding(load, clock, rate=0)
    assert not never.now()
    assert load.reads == 2
