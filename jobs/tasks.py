"""Thin tasks: take ids, open the container, call one service."""

from __future__ import annotations

from celery import Task, shared_task

from backend.services import crm_sync, health
from backend.services.auth_lost import notify_auth_lost
from backend.services.crm_push import push_published_documents
from backend.services.deal_actions import DealAction, run_deal_action
from backend.services.lease_events import push_recorded_event
from backend.services.robots import Robot, answer_robot
from crm_mappings.mapping import LeaseEvent
from crm_mappings.port import CrmAuthLost, CrmUnavailable
from jobs.runtime import (
    active_portal,
    bitrix24_changed_deals,
    bitrix24_return_robot,
    container,
    installed_portal,
)

# talking to a portal: retried while its CRM is down, about six hours before giving up
crm_task = shared_task(
    acks_late=True,
    autoretry_for=(CrmUnavailable,),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=30,
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
        built.uow, built.clock, built.mailer(), built.document_storage(),
        on_sent=lambda work, message: documents_mailed(
            work, built.clock, message, built.queue_lease_event
        ),
        channels=built.notification_channels(),
    )  # fmt: skip
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


@shared_task(acks_late=True)
def billing_run_portal(portal_id: int, day: str) -> None:
    """Issue one portal's due documents for ``day`` (idempotent: a redelivery adds nothing);
    a large portal's leases go out in chunks, one task each (``billing_fanout``)."""
    from datetime import date

    from backend.services.billing import run_portal
    from backend.services.billing_fanout import plan_portal

    ports = container().billing_ports()
    plan = plan_portal(ports, portal_id, date.fromisoformat(day))
    if plan is None:
        result = run_portal(ports, portal_id, date.fromisoformat(day))
        done = [*result.published, *result.issued]
        _after_portal_work(portal_id, done, bool(result.mailed or result.reminders))
        return
    for chunk, leases in enumerate(plan.chunks):
        billing_run_chunk.delay(portal_id, day, plan.run_id, chunk, len(plan.chunks), leases)
    _after_portal_work(portal_id, plan.published, False)


@shared_task(acks_late=True)
def billing_run_chunk(
    portal_id: int, day: str, run_id: int, chunk: int, total: int, leases: list[int]
) -> None:
    """Issue one chunk of a portal's run; the last chunk done finishes the run."""
    from datetime import date

    from backend.services.billing_fanout import run_chunk

    ports = container().billing_ports()
    result = run_chunk(ports, portal_id, date.fromisoformat(day), run_id, chunk, total, leases)
    _after_portal_work(portal_id, result.issued, bool(result.mailed or result.reminders))


def _after_portal_work(portal_id: int, done: list[int], mail: bool) -> None:
    if done or mail:  # tenants, managers: now, not at the next beat
        deliver_outbox.delay()
    if done:
        # the deals hear at once, in the CRM's batches: a queued push would wait behind every
        # other portal's run of the night. A CRM that is down gets the retried task instead.
        try:
            _push_documents(portal_id, done)
        except CrmUnavailable:
            crm_documents_issued.delay(portal_id, done)


@crm_task
def bitrix24_deal_changed(portal_id: int, deal_id: str) -> None:
    """ONCRMDEALUPDATE: read the deal and let its stage drive the lease (shared sync)."""
    c = container()
    portal = active_portal(c, portal_id)
    if portal is None:
        return
    try:
        crm_sync.apply_deal_stage(c.uow(portal_id), c.clock, c.crm(portal), deal_id)
    except CrmAuthLost:
        notify_auth_lost(c.uow(portal_id), c.clock, portal_id)


@shared_task(acks_late=True)
def bitrix24_resync() -> None:
    """Fan out one re-read of changed deals per active Bitrix24 portal (missed events)."""
    c = container()
    with c.uow() as uow:
        portal_ids = [p.id for p in uow.portals.list() if p.id is not None and p.kind == "bitrix24"]
    for portal_id in portal_ids:
        bitrix24_resync_portal.delay(portal_id)


@crm_task
def bitrix24_resync_portal(portal_id: int) -> None:
    """Queue the deal-changed work for every deal changed since the last sync
    (``services.deal_resync``: Bitrix24 never redelivers an event)."""
    from backend.services.deal_resync import deals_to_resync

    c = container()
    portal = active_portal(c, portal_id)
    source = None if portal is None else bitrix24_changed_deals(c, portal)
    if source is None:
        return
    try:
        deals = deals_to_resync(c.uow(portal_id), c.clock, portal_id, source)
    except CrmAuthLost:
        notify_auth_lost(c.uow(portal_id), c.clock, portal_id)
        return
    for deal_id in deals:
        bitrix24_deal_changed.delay(portal_id, deal_id)


@shared_task(acks_late=True, autoretry_for=(CrmUnavailable,), retry_backoff=10, max_retries=10)
def bitrix24_robot(portal_id: int, code: str, deal_id: str, event_token: str) -> None:
    """A robot fired: compute its values and return them to the business process."""
    c = container()
    portal = active_portal(c, portal_id)
    if portal is None:
        return
    robot = Robot(code)
    action = ROBOT_ACTIONS.get(robot)
    if action is not None:
        done = run_deal_action(c.billing_ports(), portal_id, deal_id, action, c.clock.today())
        for document_id in done.issued:
            crm_document_issued.delay(portal_id, document_id)
    values = answer_robot(c.uow(portal_id), c.clock, robot, deal_id, c.link_url)
    bitrix24_return_robot(c, portal, event_token, values)


@crm_task
def crm_document_issued(portal_id: int, document_id: int) -> None:
    """Tell the deal about an issued invoice or act (retried while the CRM is down); a
    document the deal heard of already is skipped, so a redelivered task comments once."""
    _push_documents(portal_id, [document_id])


@crm_task
def crm_documents_issued(portal_id: int, document_ids: list[int]) -> None:
    """Tell the deals about a run's documents in batched calls; a retry skips the documents
    already pushed."""
    _push_documents(portal_id, document_ids)


def _push_documents(portal_id: int, document_ids: list[int]) -> None:
    c = container()
    portal = active_portal(c, portal_id)
    if portal is not None and portal.kind in c.crm_factories:
        push_published_documents(c.uow(portal_id), c.clock, c.crm(portal), document_ids, c.link_url)


@crm_task  # a move that gives up stays pending; the sweep queues it again
def crm_lease_event(portal_id: int, document_id: int, event: str) -> None:
    """Move the deal for a recorded lease event (paid, invoice sent, act sent)."""
    c = container()
    portal = active_portal(c, portal_id)
    if portal is None or portal.kind not in c.crm_factories:
        return
    try:
        push_recorded_event(
            c.uow(portal_id), c.clock, c.crm(portal), document_id, LeaseEvent(event)
        )
    except CrmAuthLost:
        notify_auth_lost(c.uow(portal_id), c.clock, portal_id)


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


@shared_task(acks_late=True, autoretry_for=(CrmUnavailable,), retry_backoff=True, max_retries=12)
def amocrm_lead_changed(portal_id: int, lead_id: str) -> None:
    """An amoCRM lead changed: read it and apply its status to the lease (crm_sync)."""
    built = container()
    with built.uow() as uow:
        portal = uow.portals.get(portal_id)
    if not portal.active:
        return
    try:
        crm_sync.apply_deal_stage(built.uow(portal_id), built.clock, built.crm(portal), lead_id)
    except CrmAuthLost:
        notify_auth_lost(built.uow(portal_id), built.clock, portal_id)


@shared_task(acks_late=True)
def amocrm_dp_action(portal_id: int, lead_id: str, action: str) -> None:
    """A digital-pipeline action on a lead: issue the invoice or act, or send the documents,
    as a Bitrix24 robot does; issued documents are then written to the lead."""
    built = container()
    if active_portal(built, portal_id) is None:
        return
    done = run_deal_action(
        built.billing_ports(), portal_id, lead_id, DealAction(action), built.clock.today()
    )
    for document_id in done.issued:
        crm_document_issued.delay(portal_id, document_id)


@shared_task(acks_late=True)
def amocrm_refresh_tokens() -> None:
    """Keep idle amoCRM accounts' single-use refresh tokens alive and their webhook
    subscribed at the current address."""
    from crm_mappings.amocrm.lifecycle import refresh_idle_accounts
    from crm_mappings.amocrm.webhooks import keep_subscribed

    refresh_idle_accounts(container())
    keep_subscribed(container())


@shared_task(acks_late=True)
def import_statement_folder() -> None:
    """Import the bank statements dropped in ONEC_WATCH_DIR/<portal id>/."""
    from backend.services.statement_folder import import_folder

    built = container()
    if built.settings.onec_watch_dir is not None:
        import_folder(
            built.uow, built.clock, built.settings.onec_watch_dir, built.queue_lease_event
        )


@shared_task(acks_late=True)
def poll_onec_all() -> None:
    """Fan out one OData payment poll per portal with 1C polling on (sealing first any 1C
    password still stored in plain text)."""
    from backend.onec.credentials import seal_stored_passwords
    from backend.onec.polling import portals_to_poll

    seal_stored_passwords(container())
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

    if not installed_portal(container(), portal_id):
        return
    export_portal(container(), portal_id)
    push_portal_drafts(container(), portal_id)
