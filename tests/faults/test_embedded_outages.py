"""Embedded mode (``rentflow serve``: SQLite, the SQLite broker, the supervised worker with
the beat inside): the outages that apply there. The CRM refusing every call for a while in
the middle of the push, SMTP down for an hour of the test clock, the worker SIGKILLed mid-run:
every document once, every email once, every deal told once."""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Callable

from tests.faults.checks import (
    assert_each_once,
    crm_refusing_for_a_while,
    embedded,
    mid_run,
    smtp_down_for_an_hour,
    told_without_the_sweep,
)
from tests.faults.stack import Stack
from tests.processes import children

EMBEDDED = True  # the module's servers: SMTP alone (conftest ``servers``)


def test_the_crm_refusing_every_call_for_a_while(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack(leases=60)
    crm_refusing_for_a_while(stack, embedded)


def test_smtp_down_for_an_hour(stack: Stack) -> None:
    smtp_down_for_an_hour(stack, embedded)


def test_a_killed_worker_leaves_no_deal_to_the_sweep(make_stack: Callable[..., Stack]) -> None:
    """The worker SIGKILLed after publishing some documents, before its run told their deals:
    `rentflow serve` restarts it, the run's task comes back, and the deals are told at once."""
    stack = make_stack(leases=60)
    serve = stack.start_serve()
    stack.run_billing()
    mid_run(stack)

    [worker] = children(serve.pid)  # the supervised worker, in a process group of its own
    os.killpg(worker, signal.SIGKILL)

    snap = told_without_the_sweep(stack)
    assert_each_once(stack)
    statuses = Counter(r["status"] for r in snap.runs)
    assert statuses["interrupted"] == 1, snap.runs
    assert statuses["done"] == 1, snap.runs
    assert "killed by SIGKILL" in serve.text()
