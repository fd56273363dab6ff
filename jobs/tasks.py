"""Thin tasks: take ids, open the container, call one service."""

from __future__ import annotations

from celery import shared_task

from backend.services import crm_sync, health
from crm_mappings.port import CrmUnavailable
from jobs.runtime import container


@shared_task(acks_late=True)
def ping(note: str) -> None:
    """Record that a worker ran a task (the broker integration test looks for it)."""
    health.record_ping(container().uow, container().clock, note)


@shared_task(acks_late=True)
def deliver_outbox() -> None:
    """Send due outbox messages (filled in by the mail service)."""


@shared_task(acks_late=True, autoretry_for=(CrmUnavailable,), retry_backoff=True, max_retries=12)
def amocrm_lead_changed(portal_id: int, lead_id: str) -> None:
    """An amoCRM lead changed: read it and apply its status to the lease (crm_sync)."""
    built = container()
    with built.uow() as uow:
        portal = uow.portals.get(portal_id)
    if portal.active:
        crm_sync.apply_deal_stage(built.uow(portal_id), built.clock, built.crm(portal), lead_id)


@shared_task(acks_late=True)
def amocrm_dp_action(portal_id: int, lead_id: str, action: str) -> None:
    """A digital-pipeline action on a lead; recorded until the issuing service lands."""
    built = container()
    with built.uow(portal_id) as uow:
        uow.audit.record(built.clock.now(), "amocrm.dp_action", "deal", lead_id, {"action": action})
        uow.commit()


@shared_task(acks_late=True)
def amocrm_refresh_tokens() -> None:
    """Keep idle amoCRM accounts' single-use refresh tokens alive."""
    from crm_mappings.amocrm.lifecycle import refresh_idle_accounts

    refresh_idle_accounts(container())
