"""Liveness checks that go through the whole stack (broker -> worker -> database)."""

from __future__ import annotations

from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWorkFactory


def record_ping(uow_factory: UnitOfWorkFactory, clock: Clock, note: str) -> None:
    """Write an audit entry saying a worker ran; tests and operators look for it."""
    with uow_factory(None) as uow:
        uow.audit.record(clock.now(), "ping", "worker", details={"note": note})
        uow.commit()


def pings(uow_factory: UnitOfWorkFactory) -> list[str]:
    """Notes of the pings recorded so far, oldest first."""
    with uow_factory(None) as uow:
        return [str(e["details"].get("note", "")) for e in uow.audit.entries("worker")]
