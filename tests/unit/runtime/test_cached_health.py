"""``/healthz``'s cached report: one probe per ``ttl``, and nobody waits behind it once
there is a report to answer with."""

from __future__ import annotations

import threading
import time

from backend.runtime.health import CachedHealth, HealthReport, Part


def _report(n: int) -> HealthReport:
    return HealthReport({"probe": Part(True, f"probe {n}")})


def test_the_report_is_computed_once_per_ttl() -> None:
    made: list[int] = []
    cached = CachedHealth(lambda: (made.append(1), _report(len(made)))[1], ttl=0.2)
    assert cached.report().parts["probe"].detail == "probe 1"
    assert cached.report().parts["probe"].detail == "probe 1"
    time.sleep(0.25)
    assert cached.report().parts["probe"].detail == "probe 2"
    assert len(made) == 2


def test_while_one_caller_probes_the_others_get_the_last_report_at_once() -> None:
    probing, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def compute() -> HealthReport:
        calls.append(1)
        if len(calls) == 2:  # the second probe hangs until the test lets it go
            probing.set()
            release.wait(5)
        return _report(len(calls))

    cached = CachedHealth(compute, ttl=0.05)
    cached.report()
    time.sleep(0.06)
    prober = threading.Thread(target=cached.report)
    prober.start()
    assert probing.wait(5)
    started = time.monotonic()
    answers = [cached.report().parts["probe"].detail for _ in range(20)]
    waited = time.monotonic() - started
    release.set()
    prober.join(5)
    assert answers == ["probe 1"] * 20
    assert waited < 1.0, "a caller waited for the probe in progress"
    assert cached.report().parts["probe"].detail == "probe 2"
    assert len(calls) == 2


def test_the_first_report_is_waited_for() -> None:
    gate = threading.Event()

    def compute() -> HealthReport:
        gate.wait(5)
        return _report(1)

    cached = CachedHealth(compute)
    got: list[HealthReport] = []
    first = threading.Thread(target=lambda: got.append(cached.report()))
    second = threading.Thread(target=lambda: got.append(cached.report()))
    first.start()
    time.sleep(0.05)
    second.start()
    time.sleep(0.05)
    assert got == []  # nothing to answer with yet: both wait
    gate.set()
    first.join(5)
    second.join(5)
    assert [r.parts["probe"].detail for r in got] == ["probe 1", "probe 1"]
