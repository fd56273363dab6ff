"""What every fault case checks, on the scaled-out ``Stack``: waiting for the day to heal
(on the test clock where the product waits for a sweep) and the day's end state: every
document issued once with gapless numbers, every email received once, every deal told once."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import OperationalError

from backend.domain.messages import OutboxMessage
from tests.faults import testclock
from tests.faults.stack import RETRY_SPEEDUP, Snapshot, Stack
from tests.processes import postgres_installed, redis_installed

SCALED_OUT = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(
        not (os.environ.get("TEST_POSTGRES_URL") and postgres_installed() and redis_installed()),
        reason="PostgreSQL and Redis (scripts/test-services.sh) are needed",
    ),
]
LEASES = 30  # leases of a fault case
# seconds a billing day may take to heal on 2 shared cores
DEADLINE = float(os.environ.get("FAULTS_DEADLINE", "150"))


def until(stack: Stack, what: str, check: Callable[[Snapshot], bool]) -> Snapshot:
    deadline = time.monotonic() + DEADLINE
    snap = None
    while time.monotonic() < deadline:
        try:
            snap = stack.snapshot()
        except OperationalError:  # the database restarting: look again
            snap = None
        if snap is not None and check(snap):
            return snap
        time.sleep(0.3)
    found = summary(stack, snap)
    pytest.fail(f"{what} did not happen within {DEADLINE:.0f}s: {found}\n{stack.logs()}")


def summary(stack: Stack, snap: Snapshot | None) -> str:
    if snap is None:
        return "no snapshot"
    return (
        f"{len(snap.documents)} documents, runs {[r['status'] for r in snap.runs]},"
        f" {len(snap.unsynced)} not told to the CRM,"
        f" {sum(m.sent_at is None for m in snap.messages)} of {len(snap.messages)} emails unsent,"
        f" {sum(stack.smtp.keys().values())} received"
    )


def day_over(stack: Stack) -> Callable[[Snapshot], bool]:
    """The run done, every email received (the run's own push may have left deals a killed
    worker never told: those are the sweep's)."""

    def check(snap: Snapshot) -> bool:
        return (
            len(snap.documents) == stack.leases
            and snap.run_done
            and bool(snap.messages)
            and all(m.sent_at is not None for m in snap.messages)
            and len(stack.smtp.keys()) >= len(snap.messages)
        )

    return check


def sweeps_done(stack: Stack) -> Snapshot:
    """Three hours later on the test clock: the beat's sweeps have told every deal a dead
    worker left untold and closed every run it left "running"."""
    testclock.advance(stack.clock_file, 3 * 3600 + 60)
    return until(
        stack, "the sweeps",
        lambda s: not s.unsynced and not any(r["status"] == "running" for r in s.runs),
    )  # fmt: skip


def assert_each_once(stack: Stack) -> None:
    time.sleep(2.0)  # a duplicate on its way would land now
    snap = stack.snapshot()
    documents = snap.documents
    assert len({d.lease_id for d in documents}) == stack.leases == len(documents)
    assert sorted(int(d.number) for d in documents) == list(range(1, stack.leases + 1)), "a gap"
    statuses = Counter(r["status"] for r in snap.runs)
    assert statuses["running"] == 0, snap.runs
    received = stack.smtp.keys()
    assert set(received) == {m.dedup_key for m in snap.messages}
    twice = {k: n for k, n in received.items() if n > 1}
    assert not twice, f"emails received more than once: {twice}"
    assert Counter(m.kind for m in snap.messages)["tenant_documents"] == stack.leases
    comments = stack.crm.comments()
    assert set(comments) == set(stack.deals), "a deal was never told"
    assert set(comments.values()) == {1}, f"a deal got its comment twice: {comments}"
    invoice_ids = stack.crm.deal_fields("UF_CRM_RENTFLOW_INVOICE_ID")
    assert all(invoice_ids[d] for d in stack.deals), "a deal misses its invoice number"


def mid_run(stack: Stack, issued: int = 8) -> int:
    """Back once ``issued`` documents are out and the run is not done: the moment for the
    fault. Watched by a count every 20 ms: the run commits its documents 20 at a time, a
    third of a second apart on 2 free cores, and a 0.3 s look at the whole state once found
    the run of 30 over."""
    deadline = time.monotonic() + DEADLINE
    count = None
    while time.monotonic() < deadline:
        count = stack.issued()
        if count is not None and count >= issued:
            assert count < stack.leases, "the run ended before the fault: more leases needed"
            return count
        time.sleep(0.02)
    pytest.fail(f"{issued} documents were not issued within {DEADLINE:.0f}s ({count})")


def scaled_out(stack: Stack) -> None:
    """Two worker processes and the beat, started side by side."""
    stack.start_beat()
    stack.start_workers(2)


def told_without_the_sweep(stack: Stack) -> Snapshot:
    """The run done and every deal told while the test clock stands still: the half-hourly
    sweep pushes only documents untold for 30 minutes, so the deals a killed worker left
    untold were told by its task run again."""
    return until(
        stack, "every deal told by the task run again",
        lambda s: day_over(stack)(s) and not s.unsynced,
    )  # fmt: skip


def heals_after(stack: Stack, fault: Callable[[], object]) -> Snapshot:
    """Scaled out, ``fault`` strikes in the middle of the billing run; the run finishes, the
    sweeps (3 hours on) mend what it left, and everything happened once."""
    scaled_out(stack)
    stack.run_billing()
    mid_run(stack)

    fault()

    until(stack, "the run finished", day_over(stack))
    snap = sweeps_done(stack)
    assert_each_once(stack)
    return snap


def embedded(stack: Stack) -> None:
    """``rentflow serve``: the supervised worker with the beat inside."""
    stack.start_serve()


def smtp_down_for_an_hour(stack: Stack, start: Callable[[Stack], object]) -> None:
    """SMTP refuses connections while the run mails and for an hour of the test clock; once
    it is back every email arrives once."""
    smtp = stack.smtp
    smtp.stop()
    try:
        start(stack)
        stack.run_billing()
        until(
            stack, "every email tried and failed",
            lambda s: s.run_done and bool(s.messages)
            and all(m.attempts >= 1 and m.sent_at is None for m in s.messages),
        )  # fmt: skip
        for _ in range(6):  # an hour of the test clock, ten minutes at a time
            testclock.advance(stack.clock_file, 600)
            # the beat's next outbox tick tries every message due by now (and fails again);
            # settled: no attempt in flight, so the next jump cannot expire a live claim
            snap = settled(stack, "the due emails tried", nothing_due(stack.now()))
        # the snapshot read before SMTP is back: an attempt coming due meanwhile would deliver
    finally:
        smtp.start()
    assert all(m.sent_at is None for m in snap.messages)
    assert max(m.attempts for m in snap.messages) >= 3, "the outbox did not keep trying"
    assert not any(m.status.value == "failed" for m in snap.messages)

    testclock.advance(stack.clock_file, 3600)  # the next attempt is due within the hour

    until(stack, "the mail delivered", day_over(stack))
    assert_each_once(stack)


SETTLED_FOR = 1.5  # seconds the outbox must stand still: a refused attempt takes milliseconds


def settled(stack: Stack, what: str, check: Callable[[Snapshot], bool]) -> Snapshot:
    """Like ``until``, and then the outbox unchanged for ``SETTLED_FOR`` seconds. A claimed
    message is not due (its claim moved its next attempt 10 minutes on), so ``check`` alone
    can pass while a delivery still holds claims; a test-clock jump past the claim then hands
    its messages to a second delivery, and once SMTP is back both send them."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        snap = until(stack, what, check)
        state = _outbox_state(snap)
        time.sleep(SETTLED_FOR)
        again = stack.snapshot()
        if check(again) and _outbox_state(again) == state:
            return again
    pytest.fail(f"{what}: the outbox did not settle within {DEADLINE:.0f}s\n{stack.logs()}")


def _outbox_state(snap: Snapshot) -> list[tuple[object, ...]]:
    return sorted(
        (m.id, m.attempts, m.next_attempt_at, m.sent_at, m.status.value) for m in snap.messages
    )


def nothing_due(now: datetime) -> Callable[[Snapshot], bool]:
    return lambda snap: not any(_due(m, now) for m in snap.messages)


def _due(message: OutboxMessage, now: datetime) -> bool:
    """Whether the outbox would try ``message`` at ``now`` (unsent, its next attempt come)."""
    at = message.next_attempt_at
    if message.sent_at is not None:
        return False
    return at is None or (at if at.tzinfo else at.replace(tzinfo=UTC)) <= now


# the client's own retries last about 33 s (1 + 2 + 4 + 8 + 16 s, each after a 2 s pause),
# 3.3 s with the stack's RETRY_SPEEDUP: a longer stretch makes the task's retry
# (``portal_task``'s autoretry, its countdown as short) carry the writes
CRM_REFUSES_FOR = 33.0 / RETRY_SPEEDUP * 3


def crm_refusing_for_a_while(stack: Stack, start: Callable[[Stack], object]) -> None:
    """The portal refuses every call for ``CRM_REFUSES_FOR`` s in the middle of the push:
    every update lands, no deal gets its comment twice."""
    start(stack)
    # the deals' updates (two batches) and the first 50 comments land, then the portal
    # answers 503 QUERY_LIMIT_EXCEEDED to everything, the rest of the comments included
    stack.crm.state.limit_for(CRM_REFUSES_FOR, after_calls=3)
    stack.run_billing()

    until(stack, "every deal told", lambda s: day_over(stack)(s) and not s.unsynced)

    assert stack.crm.state.limited > 5, "the portal never refused: the stretch missed the run"
    assert "Task jobs.tasks.crm_documents_issued[" in stack.logs(), (
        "the run's own push outlasted the stretch: the queued task never carried the writes"
    )
    assert_each_once(stack)
