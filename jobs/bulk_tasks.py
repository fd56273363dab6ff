"""Thin tasks of the scheduled XML import (seed 002): the beat looks for due portals every
minute and queues one import per portal."""

from __future__ import annotations

from celery import shared_task

from backend.services.import_schedule import due_portals, run_portal_import
from jobs.runtime import active_portal, container


@shared_task(acks_late=True)
def import_due() -> None:
    """Queue the import of every portal whose schedule has come round."""
    built = container()
    for portal_id in due_portals(built.uow, built.clock):
        import_portal.delay(portal_id, "schedule")


@shared_task(acks_late=True)
def import_portal(portal_id: int, trigger: str = "manual") -> None:
    """Import the portal's configured XML files ("run now" queues this too)."""
    built = container()
    if active_portal(built, portal_id) is not None:
        run_portal_import(built.bulk_ports(), portal_id, trigger)
