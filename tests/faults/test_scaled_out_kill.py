"""Scaled out (PostgreSQL + Redis, two real ``rentflow worker`` processes and one ``rentflow
beat``): a worker SIGKILLed mid-run, Redis restarted mid-run. The day heals: every document
once with gapless numbers, every email received once, every deal told once, no run left
"running". A task held by the killed worker comes back after the visibility timeout (20 s
here, an hour in production: ``tests.faults.testclock``); what the dead worker left untold
and its "running" run are the beat's sweeps', 3 hours later on the test clock.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.faults.checks import (
    SCALED_OUT,
    assert_each_once,
    day_over,
    mid_run,
    scaled_out,
    sweeps_done,
    until,
)
from tests.faults.stack import Stack

pytestmark = SCALED_OUT


def test_a_worker_killed_mid_run(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack(visibility=20.0)  # the killed worker's task comes back after 20 s
    scaled_out(stack)
    stack.run_billing()
    mid_run(stack)
    # kill the worker running the portal's run: its pool child renders, so it has CPU time
    busy = max(stack.workers, key=lambda w: _cpu(w.pid))
    busy.kill()

    until(stack, "the run finished on the other worker", day_over(stack))
    snap = sweeps_done(stack)

    assert_each_once(stack)
    assert "interrupted" in {r["status"] for r in snap.runs}


def test_redis_restarted_mid_run(stack: Stack) -> None:
    scaled_out(stack)
    stack.run_billing()
    mid_run(stack)

    stack.restart_redis(down_for=2.0)

    until(stack, "the run finished", day_over(stack))
    snap = sweeps_done(stack)
    assert_each_once(stack)
    assert snap.run_done


def _cpu(pid: int) -> float:
    total = 0.0
    for child in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:13])
    return total


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.exists():
            found += [int(x) for x in children.read_text().split()]
    return found + [g for c in found for g in _descendants(c)]
