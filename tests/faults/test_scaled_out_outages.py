"""Scaled out: SMTP down for an hour of the test clock (every email delivered once after it
comes back), PostgreSQL restarted mid-run (the run finishes)."""

from __future__ import annotations

from tests.faults.checks import (
    SCALED_OUT,
    assert_each_once,
    day_over,
    mid_run,
    scaled_out,
    smtp_down_for_an_hour,
    sweeps_done,
    until,
)
from tests.faults.stack import Stack

pytestmark = SCALED_OUT


def test_smtp_down_for_an_hour(stack: Stack) -> None:
    smtp_down_for_an_hour(stack, scaled_out)


def test_postgresql_restarted_mid_run(stack: Stack) -> None:
    scaled_out(stack)
    stack.run_billing()
    mid_run(stack)

    stack.restart_postgres(down_for=2.0)

    until(stack, "the run finished", day_over(stack))
    snap = sweeps_done(stack)  # the deals the first attempt's documents never told
    assert_each_once(stack)
    assert "interrupted" in {r["status"] for r in snap.runs}
