"""Scaled out: SMTP down for an hour of the test clock (every email delivered once after it
comes back), PostgreSQL restarted mid-run (the run finishes)."""

from __future__ import annotations

from tests.faults.checks import (
    SCALED_OUT,
    heals_after,
    scaled_out,
    smtp_down_for_an_hour,
)
from tests.faults.stack import Stack

pytestmark = SCALED_OUT


def test_smtp_down_for_an_hour(stack: Stack) -> None:
    smtp_down_for_an_hour(stack, scaled_out)


def test_postgresql_restarted_mid_run(stack: Stack) -> None:
    snap = heals_after(stack, lambda: stack.restart_postgres(down_for=2.0))

    # a run cut by the restart is retried (its row closed as interrupted by the sweep)
    assert snap.run_done
