"""Liveness checks that go through the whole stack (broker -> worker -> database)."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWorkFactory

# a billing run (a portal's chunk) takes minutes; one "running" this long lost its worker
RUN_STALE = timedelta(hours=3)


def record_ping(uow_factory: UnitOfWorkFactory, clock: Clock, note: str) -> None:
    """Write an audit entry saying a worker ran; tests and operators look for it."""
    with uow_factory(None) as uow:
        uow.audit.record(clock.now(), "ping", "worker", details={"note": note})
        uow.commit()


def pings(uow_factory: UnitOfWorkFactory) -> list[str]:
    """Notes of the pings recorded so far, oldest first."""
    with uow_factory(None) as uow:
        return [str(e["details"].get("note", "")) for e in uow.audit.entries("worker")]


def outbox_delay(uow_factory: UnitOfWorkFactory, clock: Clock) -> float | None:
    """Seconds the oldest due outbox message has waited (None: nothing is due)."""
    now = clock.now()
    with uow_factory(None) as uow:
        oldest = uow.outbox.oldest_due(now)
    if oldest is None:
        return None
    if oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - oldest).total_seconds())


def close_interrupted_runs(
    uow_factory: UnitOfWorkFactory, clock: Clock, started_before: datetime | None = None
) -> int:
    """Close as "interrupted" the billing runs whose worker died: those still "running" that
    started before ``started_before`` (default: now, when no worker can be running one)."""
    now = clock.now()
    with uow_factory(None) as uow:
        closed = uow.runs.close_interrupted(started_before or now, now)
        uow.commit()
    return closed
