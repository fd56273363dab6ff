"""The supervisor restarts a dying child with back-off and says why in its log."""

from __future__ import annotations

import logging
import sys
import time

import pytest

from backend.runtime.supervisor import Backoff, Supervisor, describe_exit


def test_backoff_doubles_from_one_second_to_a_minute() -> None:
    backoff = Backoff()
    assert [backoff.delay(n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_an_exit_is_described_by_its_signal_or_status() -> None:
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(3) == "exited with status 3"


def test_a_dying_child_is_restarted_and_each_death_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    deaths: list[float] = []
    supervisor = Supervisor(
        [sys.executable, "-c", "raise SystemExit(3)"],
        backoff=Backoff(first=0.05, most=0.1),
        diagnose=lambda: "disk: 1 MB free",
        on_death=lambda: deaths.append(time.monotonic()),
    )
    with caplog.at_level(logging.INFO, logger="rentflow.supervisor"):
        supervisor.start()
        deadline = time.monotonic() + 30
        while len(deaths) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        supervisor.stop(timeout=5)
    assert len(deaths) >= 3
    died = [r.getMessage() for r in caplog.records if "exited with status 3" in r.getMessage()]
    assert len(died) >= 3
    assert "restart #1 in 0s (disk: 1 MB free)" in died[0]
    assert supervisor.state.restarts >= 3
