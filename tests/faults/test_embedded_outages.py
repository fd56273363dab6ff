"""Embedded mode (``rentflow serve``: SQLite, the SQLite broker, the supervised worker with
the beat inside): the outages that apply there. The CRM refusing every call for a while in
the middle of the push, SMTP down for an hour of the test clock: every document once, every
email once, every deal told once. (A SIGKILLed worker: ``test_worker_killed_mid_run``.)"""

from __future__ import annotations

from collections.abc import Callable

from tests.faults.checks import crm_refusing_for_a_while, embedded, smtp_down_for_an_hour
from tests.faults.stack import Stack

EMBEDDED = True  # the module's servers: SMTP alone (conftest ``servers``)


def test_the_crm_refusing_every_call_for_a_while(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack(leases=60)
    crm_refusing_for_a_while(stack, embedded)


def test_smtp_down_for_an_hour(stack: Stack) -> None:
    smtp_down_for_an_hour(stack, embedded)
