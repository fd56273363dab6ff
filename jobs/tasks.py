"""Thin tasks: take ids, open the container, call one service."""

from __future__ import annotations

from celery import Task, shared_task

from backend.services import crm_sync, health
from crm_mappings.port import CrmUnavailable
from jobs.runtime import container


@shared_task(acks_late=True)
def ping(note: str) -> None:
    """Record that a worker ran a task (the broker integration test looks for it)."""
    health.record_ping(container().uow, container().clock, note)


@shared_task(acks_late=True)
def deliver_outbox() -> None:
    """Send the outbox messages that are due (each once; failures back off)."""
    from backend.services.billing import documents_mailed
    from backend.services.outbox import deliver_due

    built = container()
    deliver_due(
        built.uow, built.clock, built.mailer(), built.document_storage(),
        on_sent=lambda message: documents_mailed(built.uow, built.clock, message),
    )  # fmt: skip


@shared_task(acks_late=True)
def billing_run() -> None:
    """The nightly run: fan out one billing task per active portal."""
    built = container()
    with built.uow() as uow:
        portal_ids = [p.id for p in uow.portals.list() if p.id is not None]
    for portal_id in portal_ids:
        billing_run_portal.delay(portal_id, built.clock.today().isoformat())


@shared_task(acks_late=True)
def billing_run_portal(portal_id: int, day: str) -> None:
    """Issue one portal's due documents for ``day`` (idempotent: a redelivery adds nothing)."""
    from datetime import date

    from backend.services.billing import run_portal

    run_portal(container().billing_ports(), portal_id, date.fromisoformat(day))


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


@shared_task(acks_late=True)
def import_statement_folder() -> None:
    """Import the bank statements dropped in ONEC_WATCH_DIR/<portal id>/."""
    from backend.services.statement_folder import import_folder

    built = container()
    if built.settings.onec_watch_dir is not None:
        import_folder(built.uow, built.clock, built.settings.onec_watch_dir, built.crm_or_none)


@shared_task(acks_late=True)
def poll_onec_all() -> None:
    """Fan out one OData payment poll per portal with 1C polling on."""
    from backend.onec.polling import portals_to_poll

    for portal_id in portals_to_poll(container()):
        poll_onec_payments.delay(portal_id)


@shared_task(bind=True, acks_late=True, max_retries=8)
def poll_onec_payments(self: Task, portal_id: int) -> None:  # type: ignore[type-arg]
    """Read new payments of one portal from 1C; 1C being down is retried with backoff."""
    from backend.onec.odata import OneCUnavailable
    from backend.onec.polling import poll_portal

    try:
        poll_portal(container(), portal_id)
    except OneCUnavailable as exc:
        raise self.retry(exc=exc, countdown=min(3600, 60 * 2**self.request.retries)) from exc


@shared_task(acks_late=True)
def export_onec_all() -> None:
    """On the 1st: fan out one EnterpriseData export of the previous month per portal."""
    from backend.onec.exporting import portals_to_export

    for portal_id in portals_to_export(container()):
        export_onec_month.delay(portal_id)


@shared_task(acks_late=True)
def export_onec_month(portal_id: int) -> None:
    """Export one portal's previous month to 1C (documents never go twice), and write it as
    draft 1C documents over OData where the portal enables that."""
    from backend.onec.exporting import export_portal, push_portal_drafts

    export_portal(container(), portal_id)
    push_portal_drafts(container(), portal_id)
