"""Scaled out (PostgreSQL + Redis, two real ``rentflow worker`` processes and one ``rentflow
beat``): a worker SIGKILLed mid-run, Redis restarted mid-run. The day heals: every document
once with gapless numbers, every email received once, every deal told once, no run left
"running". A task held by the killed worker comes back after the visibility timeout (20 s
here, an hour in production: ``tests.faults.testclock``) and tells the deals the dead worker
left untold; its "running" run is the beat's sweep's, 3 hours later on the test clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.faults.checks import (
    SCALED_OUT,
    assert_each_once,
    heals_after,
    mid_run,
    scaled_out,
    sweeps_done,
    told_without_the_sweep,
)
from tests.faults.stack import Stack

pytestmark = SCALED_OUT
RAN_THE_RUN = re.compile(r"Task jobs\.tasks\.billing_run_portal\[[^]]+\] received")


def test_a_worker_killed_mid_run(make_stack: Callable[..., Stack]) -> None:
    """The deals the killed worker published documents for are told by its task run again
    (after the visibility timeout), before any sweep; its "running" run is the sweep's."""
    stack = make_stack(visibility=20.0)  # the killed worker's task comes back after 20 s
    scaled_out(stack)
    stack.run_billing()
    mid_run(stack)

    [busy] = [w for w in stack.workers if RAN_THE_RUN.search(w.text())]
    busy.kill()

    told_without_the_sweep(stack)
    snap = sweeps_done(stack)
    assert_each_once(stack)
    assert "interrupted" in {r["status"] for r in snap.runs}


def test_redis_restarted_mid_run(stack: Stack) -> None:
    snap = heals_after(stack, lambda: stack.restart_redis(down_for=2.0))

    assert snap.run_done
