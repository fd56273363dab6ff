"""Thin tasks: take ids, open the container, call one service."""

from __future__ import annotations

from celery import shared_task

from backend.services import health
from jobs.runtime import container


@shared_task(acks_late=True)
def ping(note: str) -> None:
    """Record that a worker ran a task (the broker integration test looks for it)."""
    health.record_ping(container().uow, container().clock, note)


@shared_task(acks_late=True)
def deliver_outbox() -> None:
    """Send due outbox messages (filled in by the mail service)."""


@shared_task(acks_late=True)
def import_statement_folder() -> None:
    """Import the bank statements dropped in ONEC_WATCH_DIR/<portal id>/."""
    from backend.services.statement_folder import import_folder

    built = container()
    if built.settings.onec_watch_dir is not None:
        import_folder(built.uow, built.clock, built.settings.onec_watch_dir, built.crm_or_none)
