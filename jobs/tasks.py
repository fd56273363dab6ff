"""Thin tasks: take ids, open the container, call one service."""

from __future__ import annotations

from celery import Task, shared_task
from sqlalchemy.exc import OperationalError

from backend.services import crm_sync, health
from backend.services.crm_push import push_published_documents
from backend.services.deal_actions import DealAction, run_deal_action
from backend.services.deal_resync import ChangedDeals
from backend.services.lease_events import push_recorded_event
from backend.services.robots import Robot, RobotAnswers, answer_robot
from crm_mappings.port import CrmKind, CrmUnavailable
from jobs.portal_task import PortalWork, portal_task
from jobs.retry import backoff, capped
from jobs.runtime import (
    container,
    installed_portal,
)

# a portal's billing day: a database that goes away mid-run (a restart, a failover) fails the
# task, which is run again once it is back (issuing is idempotent) rather than acked as failed
# and left to the next night; its interrupted run row is closed by ``close_stale_runs``
billing_task = shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=capped(300),
    max_retries=20,
)

ROBOT_ACTIONS = {
    Robot.ISSUE_INVOICE: DealAction.ISSUE_INVOICE,
    Robot.ISSUE_ACT: DealAction.ISSUE_ACT,
    Robot.SEND_DOCUMENTS: DealAction.SEND_DOCUMENTS,
}


@shared_task(acks_late=True)
def ping(note: str) -> None:
    """Record that a worker ran a task (the broker integration test looks for it)."""
    health.record_ping(container().uow, container().clock, note)


@shared_task(acks_late=True)
def deliver_outbox() -> None:
    """Send the outbox messages that are due (each once; failures back off)."""
    from backend.services.billing_mail import documents_mailed
    from backend.services.outbox import deliver_due

    built = container()
    report = deliver_due(
        built.uow,
        built.clock,
        built.mailer(),
        built.document_storage(),
        on_sent=lambda work, message: documents_mailed(
            work, built.clock, message, built.queue_lease_event
        ),
        channels=built.notification_channels(),
    )
    if report.more:  # a billing day's mail: go on at once rather than at the next beat
        deliver_outbox.delay()


@shared_task(acks_late=True)
def billing_run() -> None:
    """The nightly run: fan out one billing task per active portal."""
    built = container()
    with built.uow() as uow:
        portal_ids = [p.id for p in uow.portals.list() if p.id is not None]
    for portal_id in portal_ids:
        billing_run_portal.delay(portal_id, built.clock.today().isoformat())


@billing_task
def billing_run_portal(portal_id: int, day: str) -> None:
    """Issue one portal's due documents for ``day`` (idempotent: a redelivery adds nothing,
    and tells the deals what the killed run had issued untold); a large portal's leases go
    out in chunks, one task each (``billing_fanout``)."""
    from datetime import date

    from backend.services.billing import run_portal
    from backend.services.billing_fanout import plan_portal

    ports = container().billing_ports()
    plan = plan_portal(ports, portal_id, date.fromisoformat(day))
    if plan is None:
        result = run_portal(ports, portal_id, date.fromisoformat(day))
        _after_portal_work(portal_id, result.to_tell, result.mailed + result.reminders)
        return
    for chunk, leases in enumerate(plan.chunks):
        billing_run_chunk.delay(portal_id, day, plan.run_id, chunk, len(plan.chunks), leases)


@billing_task
def billing_run_chunk(
    portal_id: int, day: str, run_id: int, chunk: int, total: int, leases: list[int]
) -> None:
    """Issue one chunk of a portal's run; the last chunk done finishes the run."""
    from datetime import date

    from backend.services.billing_fanout import run_chunk

    ports = container().billing_ports()
    result = run_chunk(ports, portal_id, date.fromisoformat(day), run_id, chunk, total, leases)
    _after_portal_work(portal_id, result.to_tell, result.mailed + result.reminders)


# messages one delivery task is given (its batches of 100 are claimed, so deliveries run side by
# side): the reminders a large portal's last chunk queues for all its leases go out over every
# worker, not one
MAIL_PER_DELIVERY, MOST_DELIVERIES = 500, 8


def _after_portal_work(portal_id: int, done: list[int], mailed: int) -> None:
    if done or mailed:  # tenants, managers: now, not at the next beat
        for _ in range(min(MOST_DELIVERIES, 1 + mailed // MAIL_PER_DELIVERY)):
            deliver_outbox.delay()
    if done:
        # the deals hear at once, in the CRM's batches: a queued push would wait behind every
        # other portal's run of the night (the task's body, run here). A CRM that is down gets
        # the retried task instead.
        try:
            crm_documents_issued(portal_id, done)
        except CrmUnavailable:
            crm_documents_issued.delay(portal_id, done)


def _deal_changed(work: PortalWork, deal_id: str) -> None:
    """A deal changed in the CRM (Bitrix24's ONCRMDEALUPDATE, an amoCRM lead's status
    webhook): read it and let its stage drive the lease (``crm_sync``)."""
    crm_sync.apply_deal_stage(work.uow(), work.clock, work.crm, deal_id)


crm_deal_changed = portal_task(_deal_changed, name="jobs.tasks.crm_deal_changed")
# the names each CRM's events were queued under before one task served both: a message queued
# before an upgrade still runs
bitrix24_deal_changed = portal_task(_deal_changed, name="jobs.tasks.bitrix24_deal_changed")
amocrm_lead_changed = portal_task(_deal_changed, name="jobs.tasks.amocrm_lead_changed")


@shared_task(acks_late=True)
def bitrix24_resync() -> None:
    """Fan out one re-read of changed deals per active Bitrix24 portal (missed events)."""
    c = container()
    with c.uow() as uow:
        portal_ids = [p.id for p in uow.portals.list() if p.id is not None and p.kind == "bitrix24"]
    for portal_id in portal_ids:
        bitrix24_resync_portal.delay(portal_id)


@portal_task
def bitrix24_resync_portal(work: PortalWork) -> None:
    """Queue the deal-changed work for every deal changed since the last sync
    (``services.deal_resync``: Bitrix24 never redelivers an event)."""
    from backend.services.deal_resync import deals_to_resync

    if not isinstance(work.crm, ChangedDeals):
        return
    for deal_id in deals_to_resync(work.uow(), work.clock, work.portal_id, work.crm):
        crm_deal_changed.delay(work.portal_id, deal_id)


@portal_task
def bitrix24_robot(work: PortalWork, code: str, deal_id: str, event_token: str) -> None:
    """A robot fired: compute its values and return them to the business process."""
    c = work.container
    robot = Robot(code)
    action = ROBOT_ACTIONS.get(robot)
    if action is not None:
        done = run_deal_action(c.billing_ports(), work.portal_id, deal_id, action, c.clock.today())
        for document_id in done.issued:
            crm_document_issued.delay(work.portal_id, document_id)
    values = answer_robot(work.uow(), c.clock, robot, deal_id, c.link_url)
    if isinstance(work.crm, RobotAnswers):
        work.crm.return_robot_values(event_token, values)


@portal_task
def crm_document_issued(work: PortalWork, document_id: int) -> None:
    """Tell the deal about an issued invoice or act (retried while the CRM is down); a
    document the deal heard of already is skipped, so a redelivered task comments once."""
    _push_documents(work, [document_id])


@portal_task
def crm_documents_issued(work: PortalWork, document_ids: list[int]) -> None:
    """Tell the deals about a run's documents in batched calls; a retry skips the documents
    already pushed."""
    _push_documents(work, document_ids)


def _push_documents(work: PortalWork, document_ids: list[int]) -> None:
    c = work.container
    push_published_documents(work.uow(), c.clock, work.crm, document_ids, c.link_url)


@portal_task  # a move that gives up stays pending; the sweep queues it again
def crm_lease_event(work: PortalWork, document_id: int, event: str) -> None:
    """Move the deal for a recorded lease event (paid, invoice sent, act sent; back from
    paid after an undone payment)."""
    push_recorded_event(work.uow(), work.clock, work.crm, document_id, event)


@portal_task
def crm_payment_news(work: PortalWork, news: list[list[object]]) -> None:
    """Write the deals' debt and a note on the payments placed on (or taken off) their leases."""
    from backend.services.payment_news import push_payment_news

    pairs = [(int(str(lease_id)), str(text)) for lease_id, text in news]
    push_payment_news(work.uow(), work.clock, work.crm, pairs)


@shared_task(acks_late=True)
def crm_push_sweep() -> None:
    """Push every document a deal was never told about and every deal move still pending
    (their task was lost or gave up), per portal."""
    from backend.services.crm_push import documents_to_push
    from backend.services.lease_events import events_to_push

    c = container()
    with c.uow() as uow:
        portals = [
            p.id for p in uow.portals.list() if p.id is not None and p.kind in c.crm_factories
        ]
    for portal_id in portals:
        lost = documents_to_push(c.uow(portal_id), c.clock)
        if lost:
            crm_documents_issued.delay(portal_id, lost)
        for document_id, event in events_to_push(c.uow(portal_id), c.clock):
            crm_lease_event.delay(portal_id, document_id, event)


@shared_task(acks_late=True)
def close_stale_runs() -> None:
    """Close as "interrupted" the billing runs "running" for longer than any run takes: their
    worker died (scaled out; the embedded supervisor closes them when its worker dies)."""
    c = container()
    health.close_interrupted_runs(c.uow, c.clock, c.clock.now() - health.RUN_STALE)


@portal_task
def amocrm_dp_action(work: PortalWork, lead_id: str, action: str) -> None:
    """A digital-pipeline action on a lead: issue the invoice or act, or send the documents,
    as a Bitrix24 robot does; issued documents are then written to the lead."""
    ports = work.container.billing_ports()
    done = run_deal_action(ports, work.portal_id, lead_id, DealAction(action), work.clock.today())
    for document_id in done.issued:
        crm_document_issued.delay(work.portal_id, document_id)


@shared_task(acks_late=True)
def amocrm_refresh_tokens() -> None:
    """Keep idle amoCRM accounts' single-use refresh tokens alive and their webhook
    subscribed at the current address."""
    from backend.services.installation import keep_subscribed, refresh_idle

    ports = container().install_ports()
    refresh_idle(ports, CrmKind.AMOCRM.value)
    keep_subscribed(ports, CrmKind.AMOCRM.value)


@shared_task(acks_late=True)
def import_statement_folder() -> None:
    """Import the bank statements dropped in ONEC_WATCH_DIR/<portal id>/."""
    from backend.services.statement_folder import import_folder

    built = container()
    if built.settings.onec_watch_dir is not None:
        import_folder(
            built.uow, built.clock, built.settings.onec_watch_dir, built.queue_lease_event,
            built.queue_payment_news,
        )  # fmt: skip


@shared_task(acks_late=True)
def poll_onec_all() -> None:
    """Fan out one OData payment poll per portal with 1C polling on (sealing first any 1C
    password still stored in plain text)."""
    from backend.services.onec_runs import portals_to_poll, seal_stored_passwords

    ports = container().onec_ports()
    seal_stored_passwords(ports)
    for portal_id in portals_to_poll(ports):
        poll_onec_payments.delay(portal_id)


@shared_task(bind=True, acks_late=True, max_retries=8)
def poll_onec_payments(self: Task, portal_id: int) -> None:  # type: ignore[type-arg]
    """Read new payments of one portal from 1C; 1C being down is retried with backoff."""
    from backend.onec.odata import OneCUnavailable
    from backend.services.onec_runs import poll_portal

    try:
        poll_portal(container().onec_ports(), portal_id)
    except OneCUnavailable as exc:
        raise self.retry(exc=exc, countdown=backoff(self.request.retries, 60)) from exc


@shared_task(acks_late=True)
def export_onec_all() -> None:
    """On the 1st: fan out one EnterpriseData export of the previous month per portal."""
    from backend.services.onec_runs import portals_to_export

    for portal_id in portals_to_export(container().onec_ports()):
        export_onec_month.delay(portal_id)


@shared_task(acks_late=True)
def export_onec_month(portal_id: int) -> None:
    """Export one portal's previous month to 1C (documents never go twice), and write it as
    draft 1C documents over OData where the portal enables that."""
    from backend.services.onec_runs import export_portal, push_portal_drafts

    if not installed_portal(container(), portal_id):
        return
    ports = container().onec_ports()
    export_portal(ports, portal_id)
    push_portal_drafts(ports, portal_id)
