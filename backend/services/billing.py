"""The billing run (seed 000 "Автовыставление", seed 001): issue every due planned document.

Per portal, in phases that can each be repeated safely:
1. issue — each due schedule item becomes a numbered document, rendered, stored and linked,
   in one transaction of its own; the (lease, kind, period start) key makes a second issue
   of the same document impossible, so re-runs, retries and concurrent workers add nothing;
   a lease with ``act_on_payment`` also gets the act of each period whose invoice is paid;
2. tenant mail (``billing_mail``) — documents of auto-send leases not yet mailed go out, one
   email per lease (the new invoice with the act of the period before, seed 001), queued in
   the outbox;
3. manager summary — one email per manager listing what was issued for their leases (each
   issued document carries a "summary pending" flag until a summary lists it, so what a
   killed run issued goes into the next run's summary);
4. reminders — addendum start, lease end, before the due date and the overdue chain
   (``notifications``).
Between 1 and 2, leases whose penalties are invoiced monthly get their penalty invoice
(``penalties``), so it goes out with the other documents.
A run killed at any point is finished by the next one: each phase looks at what the store
says is left, not at what the killed run meant to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from backend.domain.billing import DocumentKind, ScheduleItem
from backend.domain.documents import DocumentPurpose, InvoiceStatus
from backend.domain.errors import AlreadyIssued, DomainError
from backend.domain.lease import Lease
from backend.domain.portal import PortalStatus
from backend.services.billing_batch import ISSUE_BATCH, document_for, failure_of, issue_batch
from backend.services.billing_mail import queue_manager_summaries, queue_tenant_mail
from backend.services.billing_ports import BillingPorts, PortalRun, pages
from backend.services.billing_publish import publish_document_files, render_and_publish
from backend.services.document_links import remove_orphan_files
from backend.services.leases import schedule_issued
from backend.services.notifications import notify_portal
from backend.services.numbering import next_document_number
from backend.services.penalties import invoice_monthly_penalties
from backend.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class RunProgress(Protocol):
    """Told how far the issue phase is: how many items a portal has due, then each one done
    (issued, found issued already, or failed). The CLI draws its progress bar from it."""

    def items_due(self, portal_id: int, count: int) -> None: ...
    def item_done(self, portal_id: int) -> None: ...


class _Silent:
    def items_due(self, portal_id: int, count: int) -> None:
        pass

    def item_done(self, portal_id: int) -> None:
        pass


def run_portal(
    ports: BillingPorts, portal_id: int, today: date, progress: RunProgress | None = None
) -> PortalRun:
    """Issue, mail and summarise one portal's due documents; records the run. An uninstalled
    portal is skipped: nothing issued, mailed or recorded."""
    with ports.uow(portal_id) as uow:
        if uow.portals.get(portal_id).status is PortalStatus.UNINSTALLED:
            return PortalRun(portal_id)
        run_id = uow.runs.start(today, ports.clock.now())
        uow.commit()
    result = PortalRun(portal_id)
    finish_killed_run(ports, portal_id, result)
    issue_due(ports, portal_id, today, result, progress)
    after_issue(ports, portal_id, today, result)
    with ports.uow(portal_id) as uow:
        uow.runs.finish(
            run_id, ports.clock.now(), issued=len(result.issued), sent=result.mailed,
            failed=len(result.failed), errors=result.failed,
        )  # fmt: skip
        uow.commit()
    return result


def after_issue(ports: BillingPorts, portal_id: int, today: date, result: PortalRun) -> None:
    """The phases after issuing (module docstring, 1-4): acts of paid invoices, monthly
    penalty invoices, tenant mail, manager summaries, reminders; into ``result``."""
    issue_and_mail(ports, portal_id, today, result)
    queue_manager_summaries(ports, portal_id, today)
    notified = notify_portal(
        ports.uow, ports.clock, portal_id, today, ports.crm_for(portal_id), ports.queue_event
    )
    result.reminders = notified.queued
    result.failed.extend({"error": error} for error in notified.errors)


def issue_and_mail(
    ports: BillingPorts,
    portal_id: int,
    today: date,
    result: PortalRun,
    leases: Collection[int] | None = None,
) -> None:
    """Acts of paid invoices, monthly penalty invoices, then the tenant mail (each lease's
    new documents in one email), of ``leases`` only when given: a chunk mails its own
    leases' documents as soon as they are issued, so a large portal's mail goes out while its
    other chunks issue instead of all from the last one."""
    issue_acts_of_paid_invoices(ports, portal_id, today, result, leases)
    invoice_monthly_penalties(ports, portal_id, today, result, leases)
    result.mailed += queue_tenant_mail(ports, portal_id, leases)


def issue_due(
    ports: BillingPorts,
    portal_id: int,
    today: date,
    result: PortalRun,
    progress: RunProgress | None = None,
    leases: Collection[int] | None = None,
) -> None:
    """Issue every planned document due by ``today`` (of ``leases`` only, when given: one
    chunk of a run fanned out); one that fails (broken requisites, say) is reported and the
    others go on."""
    progress = progress or _Silent()
    with ports.uow(portal_id) as uow:
        due = uow.schedule.due(today, leases)
    progress.items_due(portal_id, len(due))
    for chunk in pages(due):
        with ports.uow(portal_id) as uow:  # a few queries for them all, not several per item
            loaded = uow.leases.get_many([lease_id for lease_id, _ in chunk])
        for first in range(0, len(chunk), ISSUE_BATCH):
            batch = chunk[first : first + ISSUE_BATCH]
            if not issue_batch(ports, portal_id, batch, today, result, loaded):
                for lease_id, item in batch:  # one was issued meanwhile: one by one
                    _issue_or_report(ports, portal_id, lease_id, item, today, result,
                                     loaded.get(lease_id))  # fmt: skip
            for _ in batch:
                progress.item_done(portal_id)


def _issue_or_report(
    ports: BillingPorts,
    portal_id: int,
    lease_id: int,
    item: ScheduleItem,
    today: date,
    result: PortalRun,
    lease: Lease | None = None,
) -> None:
    """Issue one item into ``result``; a ``DomainError`` is logged, audited and reported
    there instead, so the run goes on with the next item."""
    try:
        document_id = issue_item(ports, portal_id, lease_id, item, today, lease)
    except DomainError as err:
        log.warning(
            "portal %s lease %s %s %s: %s", portal_id, lease_id, item.kind, item.period, err
        )
        failure = failure_of(lease_id, item, err)
        result.failed.append(failure)
        details = {k: v for k, v in failure.items() if k != "lease_id"}
        with ports.uow(portal_id) as uow:
            uow.audit.record(ports.clock.now(), "document.issue_failed", "lease", lease_id, details)
            uow.commit()
        return
    if document_id is not None:
        result.issued.append(document_id)


def issue_acts_of_paid_invoices(
    ports: BillingPorts,
    portal_id: int,
    today: date,
    result: PortalRun,
    leases: Collection[int] | None = None,
) -> None:
    """Leases that close a period once it is paid (``act_on_payment``, seed 001: the act is
    made after the payment): issue the act of every ended period whose invoice is fully
    paid, without waiting for the act's planned date (a postpay lease's N days). Never
    before the period's last day: an act records services already rendered. Of ``leases``
    only, when given (a chunk's), a page of leases read at a time (``billing_ports.pages``)."""
    with ports.uow(portal_id) as uow:
        ids = uow.leases.with_terms(leases, act_on_payment=True)
    for page in pages(ids):
        with ports.uow(portal_id) as uow:
            wanted = _acts_of_paid_periods(uow, page, today)
        for lease_id, item in wanted:
            _issue_or_report(ports, portal_id, lease_id, item, today, result)


def _acts_of_paid_periods(
    uow: UnitOfWork, leases: Sequence[int], today: date
) -> list[tuple[int, ScheduleItem]]:
    """The planned acts of ``leases`` whose period has ended and whose invoice is paid."""
    wanted: list[tuple[int, ScheduleItem]] = []
    for lease_id, documents in uow.documents.for_leases(leases).items():
        paid = [
            d.period
            for d in documents
            if d.kind is DocumentKind.INVOICE
            and d.status == InvoiceStatus.PAID
            and d.purpose is DocumentPurpose.RENT  # the rent's own: not пени, not a charge
        ]
        wanted += [
            (lease_id, item)
            for item in uow.schedule.for_lease(lease_id)
            if item.kind is DocumentKind.ACT
            and item.period.end <= today
            and any(p.overlaps(item.period) for p in paid)
        ]
    return wanted


def issue_item(
    ports: BillingPorts,
    portal_id: int,
    lease_id: int,
    item: ScheduleItem,
    today: date,
    lease: Lease | None = None,
) -> int | None:
    """Issue one planned document: number, row and new plan in one short transaction, then
    its files rendered outside any transaction and published in a second one.

    Returns the document id, or None when the document exists already (another worker, or
    a run that crashed after committing it). Raises a ``DomainError`` for data that cannot
    make a document, checked before a number is taken: then nothing of it is kept. The slow
    rendering holds no lock, so workers issue in parallel (on SQLite too, whose write lock
    is the whole database); a worker killed before publishing leaves a document without
    files, which ``publish_pending`` finishes on the next run.

    ``lease`` is the lease as the caller loaded it (the run loads many at once), else it is
    loaded here. Only the issued item leaves the stored plan (``schedule_issued``).
    """
    with ports.uow(portal_id) as uow:
        if lease is None:
            lease = uow.leases.get(lease_id)
        if lease.landlord.id is None:
            raise DomainError(f"lease {lease.number} has no stored landlord")
        ports.rendering.check(lease, document_for(lease_id, item, "0", today))
        number = next_document_number(uow, lease.landlord.id, item.kind, today)
        try:
            document = uow.documents.add(
                document_for(lease_id, item, number, today),
                now=ports.clock.now(),
                summary_pending=True,
            )
        except AlreadyIssued:
            return None
        if document.id is None:
            return None
        schedule_issued(uow, lease_id, item)
        details = {"lease": lease.number, "kind": str(item.kind), "number": number}
        details["period"] = str(item.period)
        uow.audit.record(ports.clock.now(), "document.issued", "document", document.id, details)
        uow.commit()
    render_and_publish(ports, portal_id, lease, document)
    return document.id


def finish_killed_run(
    ports: BillingPorts, portal_id: int, result: PortalRun, leases: Collection[int] | None = None
) -> None:
    """What a killed worker left of the portal's run (of ``leases`` only, when given: a
    chunk's): the documents it published but never told their deals about, into
    ``result.untold``, told with this run's (not half an hour later by the sweep); the files
    it stored without links deleted (``remove_orphan_files``, the whole portal's, when not a
    chunk); the documents it numbered but never published, published (``publish_pending``)."""
    with ports.uow(portal_id) as uow:
        result.untold = list(uow.documents.untold(leases))
    if leases is None:
        remove_orphan_files(ports.uow, ports.storage, ports.clock, portal_id)
    publish_pending(ports, portal_id, result, leases)


def publish_pending(
    ports: BillingPorts, portal_id: int, result: PortalRun, leases: Collection[int] | None = None
) -> None:
    """Finish the documents a killed worker numbered but never published (of ``leases`` only,
    when given), into ``result.published`` (their deal and manager were never told either).
    One that cannot be rendered is reported and the others go on."""
    with ports.uow(portal_id) as uow:
        pending = uow.documents.unpublished(leases)
    for document_id in pending:
        try:
            if publish_document_files(ports, portal_id, document_id):
                result.published.append(document_id)
        except DomainError as err:
            log.warning("portal %s document %s: %s", portal_id, document_id, err)
            result.failed.append({"document_id": str(document_id), "error": str(err)})


@dataclass
class RunSummary:
    """A whole run over the portals: one ``PortalRun`` each, and what stopped a portal."""

    day: date
    portals: list[PortalRun] = field(default_factory=list)

    @property
    def issued(self) -> int:
        return sum(len(p.issued) for p in self.portals)

    @property
    def failed(self) -> int:
        return sum(len(p.failed) for p in self.portals)


def run_billing(
    ports: BillingPorts,
    today: date,
    portal_ids: Sequence[int] | None = None,
    progress: Callable[[PortalRun], None] | None = None,
    items: RunProgress | None = None,
) -> RunSummary:
    """Run billing for every active portal (or the ones given); a portal whose run breaks
    is reported and the next one goes on. ``progress`` hears of each portal done, ``items``
    of each due item."""
    with ports.uow(None) as uow:
        portals = [p.id for p in uow.portals.list() if p.id is not None]
    summary = RunSummary(today)
    for portal_id in portals:
        if portal_ids is not None and portal_id not in portal_ids:
            continue
        try:
            result = run_portal(ports, portal_id, today, items)
        except Exception as err:
            log.exception("billing run of portal %s failed", portal_id)
            result = PortalRun(portal_id, failed=[{"error": f"{type(err).__name__}: {err}"}])
        summary.portals.append(result)
        if progress is not None:
            progress(result)
    return summary
