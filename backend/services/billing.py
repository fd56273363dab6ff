"""The billing run (seed 000 "Автовыставление", seed 001): issue every due planned document.

Per portal, in phases that can each be repeated safely:
1. issue — each due schedule item becomes a numbered document, rendered, stored and linked,
   in one transaction of its own; the (lease, kind, period start) key makes a second issue
   of the same document impossible, so re-runs, retries and concurrent workers add nothing;
   a lease with ``act_on_payment`` also gets the act of each period whose invoice is paid;
2. tenant mail — documents of auto-send leases not yet mailed go out, one email per lease
   (the new invoice with the act of the period before, seed 001), queued in the outbox;
3. manager summary — one email per manager listing what was issued for their leases (each
   issued document carries a "summary pending" flag until a summary lists it, so what a
   killed run issued goes into the next run's summary);
4. reminders — addendum start, lease end and the overdue chain (``notifications``).
A run killed at any point is finished by the next one: each phase looks at what the store
says is left, not at what the killed run meant to do.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from backend.domain.billing import DocumentKind, ScheduleItem
from backend.domain.documents import ActStatus, InvoiceStatus, IssuedDocument
from backend.domain.errors import AlreadyIssued, DomainError
from backend.domain.lease import Lease
from backend.domain.links import DocumentLink
from backend.domain.messages import Attachment, OutboxMessage
from backend.ports import Clock
from backend.services.document_links import (
    DocumentRendering,
    publish_files,
    remove_orphan_files,
    render_document_files,
)
from backend.services.lease_events import EventQueue, record_lease_events
from backend.services.leases import schedule_issued
from backend.services.notifications import notify_portal
from backend.services.numbering import next_document_number
from backend.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from crm_mappings.mapping import LeaseEvent
from crm_mappings.port import CrmPort
from documents.storage import DocumentStorage

log = logging.getLogger(__name__)

TENANT_MAIL = "tenant_mail"  # IssuedDocument.extra: the dedup key of the email it went in
ATTACHED_ROLES = ("invoice", "invoice_qr", "act")
LEASES_AT_ONCE = 200  # the issue phase loads the leases of this many due items in one go


@dataclass(frozen=True)
class BillingPorts:
    """What the run needs besides the store: rendering, file storage, link URLs, the clock."""

    uow: UnitOfWorkFactory
    clock: Clock
    rendering: DocumentRendering
    storage: DocumentStorage
    link_url: Callable[[str], str]  # a link token -> its public URL
    crm_for: Callable[[int], CrmPort | None] = lambda portal_id: None  # for tasks and deals
    queue_event: EventQueue | None = None  # pushes recorded deal moves (``lease_events``)


@dataclass
class PortalRun:
    """What one portal's run did: ids of issued documents, queued emails, failures."""

    portal_id: int
    issued: list[int] = field(default_factory=list)
    published: list[int] = field(default_factory=list)  # numbered by a killed run, finished here
    mailed: int = 0
    reminders: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)


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
    """Issue, mail and summarise one portal's due documents; records the run."""
    with ports.uow(portal_id) as uow:
        run_id = uow.runs.start(today, ports.clock.now())
        uow.commit()
    result = PortalRun(portal_id)
    remove_orphan_files(ports.uow, ports.storage, ports.clock, portal_id)  # of killed runs
    publish_pending(ports, portal_id, result)
    issue_due(ports, portal_id, today, result, progress)
    issue_acts_of_paid_invoices(ports, portal_id, today, result)
    result.mailed = queue_tenant_mail(ports, portal_id)
    queue_manager_summaries(ports, portal_id, today)
    notified = notify_portal(
        ports.uow, ports.clock, portal_id, today, ports.crm_for(portal_id), ports.queue_event
    )
    result.reminders = notified.queued
    result.failed.extend({"error": error} for error in notified.errors)
    with ports.uow(portal_id) as uow:
        uow.runs.finish(
            run_id, ports.clock.now(), issued=len(result.issued), sent=result.mailed,
            failed=len(result.failed), errors=result.failed,
        )  # fmt: skip
        uow.commit()
    return result


def issue_due(
    ports: BillingPorts,
    portal_id: int,
    today: date,
    result: PortalRun,
    progress: RunProgress | None = None,
) -> None:
    """Issue every planned document due by ``today``; one that fails (broken requisites,
    say) is reported and the others go on."""
    progress = progress or _Silent()
    with ports.uow(portal_id) as uow:
        due = uow.schedule.due(today)
    progress.items_due(portal_id, len(due))
    for start in range(0, len(due), LEASES_AT_ONCE):
        chunk = due[start : start + LEASES_AT_ONCE]
        with ports.uow(portal_id) as uow:  # a few queries for them all, not several per item
            leases = uow.leases.get_many([lease_id for lease_id, _ in chunk])
        for lease_id, item in chunk:
            _issue_or_report(ports, portal_id, lease_id, item, today, result, leases.get(lease_id))
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
        failure = {"kind": str(item.kind), "period": str(item.period), "error": str(err)}
        result.failed.append({"lease_id": str(lease_id), **failure})
        with ports.uow(portal_id) as uow:
            uow.audit.record(ports.clock.now(), "document.issue_failed", "lease", lease_id, failure)
            uow.commit()
        return
    if document_id is not None:
        result.issued.append(document_id)


def issue_acts_of_paid_invoices(
    ports: BillingPorts, portal_id: int, today: date, result: PortalRun
) -> None:
    """Leases that close a period once it is paid (``act_on_payment``, seed 001: the act is
    made after the payment): issue the act of every started period whose invoice is fully
    paid, without waiting for the act's planned date."""
    with ports.uow(portal_id) as uow:
        wanted: list[tuple[int, ScheduleItem]] = []
        for lease in uow.leases.list():
            if not lease.act_on_payment or lease.id is None:
                continue
            paid = [
                d.period
                for d in uow.documents.for_lease(lease.id, DocumentKind.INVOICE)
                if d.status == InvoiceStatus.PAID
            ]
            wanted += [
                (lease.id, item)
                for item in uow.schedule.for_lease(lease.id)
                if item.kind is DocumentKind.ACT
                and item.period.start <= today
                and any(p.overlaps(item.period) for p in paid)
            ]
    for lease_id, item in wanted:
        _issue_or_report(ports, portal_id, lease_id, item, today, result)


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
        ports.rendering.check(lease, _document(lease_id, item, "0", today))
        number = next_document_number(uow, lease.landlord.id, item.kind, today)
        try:
            document = uow.documents.add(
                _document(lease_id, item, number, today),
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
    _render_and_publish(ports, portal_id, lease, document)
    return document.id


def publish_document_files(ports: BillingPorts, portal_id: int, document_id: int) -> bool:
    """Render an issued document's files and publish them, unless it has them already.
    Returns whether this call published them."""
    with ports.uow(portal_id) as uow:
        if uow.links.for_document(portal_id, document_id):
            return False
        document = uow.documents.get(document_id)
        lease = uow.leases.get(document.lease_id)
    return _render_and_publish(ports, portal_id, lease, document)


def _render_and_publish(
    ports: BillingPorts, portal_id: int, lease: Lease, document: IssuedDocument
) -> bool:
    """Render outside any transaction, then publish in a short one; ``publish_files``
    checks under the document's lock that no other worker published it first."""
    if document.id is None:
        return False
    files = render_document_files(ports.rendering, lease, document)
    with ports.uow(portal_id) as uow:
        published = publish_files(uow, ports.storage, ports.clock, document.id, files)
        uow.commit()
    return bool(published)


def publish_pending(ports: BillingPorts, portal_id: int, result: PortalRun) -> None:
    """Finish the documents a killed worker numbered but never published, into
    ``result.published`` (their deal and manager were never told either). One that cannot be
    rendered is reported and the others go on."""
    with ports.uow(portal_id) as uow:
        pending = uow.documents.unpublished()
    for document_id in pending:
        try:
            if publish_document_files(ports, portal_id, document_id):
                result.published.append(document_id)
        except DomainError as err:
            log.warning("portal %s document %s: %s", portal_id, document_id, err)
            result.failed.append({"document_id": str(document_id), "error": str(err)})


def _document(lease_id: int, item: ScheduleItem, number: str, today: date) -> IssuedDocument:
    """The document for a planned item, dated today. An invoice issued later than planned
    keeps its payment term: its due date moves by the delay rather than lying in the past."""
    due_on = item.due_on
    if due_on is not None and due_on < today:
        due_on = today + (due_on - item.issue_on)
    return IssuedDocument(
        lease_id=lease_id, kind=item.kind, number=number, issued_on=today, period=item.period,
        lines=item.lines, net=item.net, vat=item.vat, total=item.total, due_on=due_on,
    )  # fmt: skip


def queue_tenant_mail(ports: BillingPorts, portal_id: int) -> int:
    """Queue one email per lease for its documents not mailed yet, where the lease has
    auto-send on and the tenant has addresses. Returns the number of emails queued."""
    queued = 0
    with ports.uow(portal_id) as uow:
        pending: dict[int, list[IssuedDocument]] = defaultdict(list)
        waiting = uow.documents.awaiting_tenant_mail(TENANT_MAIL)
        links = uow.links.for_documents(portal_id, [d.id or 0 for d in waiting])
        for document in waiting:
            if links[document.id or 0]:  # mailed once its files exist (``publish_pending``)
                pending[document.lease_id].append(document)
        leases = uow.leases.get_many(list(pending))
        for lease_id, documents in sorted(pending.items()):
            lease = leases[lease_id]
            if not lease.tenant.emails:
                continue
            message = tenant_message(uow, ports, portal_id, lease, documents, links)
            if uow.outbox.add(message, ports.clock.now()):
                queued += 1
            for document in documents:
                if document.id is not None:
                    uow.documents.mark(
                        document.id, files={**document.extra, TENANT_MAIL: message.dedup_key}
                    )
        uow.commit()
    return queued


def _links(
    uow: UnitOfWork,
    portal_id: int,
    document: IssuedDocument,
    known: Mapping[int, Sequence[DocumentLink]] | None,
) -> list[DocumentLink]:
    found = known.get(document.id or 0) if known is not None else None
    if found is None:
        found = uow.links.for_document(portal_id, document.id or 0)
    return [link for link in found if link.active]


def tenant_message(
    uow: UnitOfWork,
    ports: BillingPorts,
    portal_id: int,
    lease: Lease,
    documents: Sequence[IssuedDocument],
    links: Mapping[int, Sequence[DocumentLink]] | None = None,
) -> OutboxMessage:
    """The email to the tenant: from ``Robot {landlord}`` with Reply-To the landlord (seed
    000), the PDFs attached and linked. ``links``: document id -> its links, when the
    caller loaded them already (else they are read per document)."""
    ids = sorted(d.id or 0 for d in documents)
    key = f"tenant:{portal_id}:{lease.id}:{hashlib.sha256(repr(ids).encode()).hexdigest()[:16]}"
    attachments: list[Attachment] = []
    lines: list[str] = []
    for document in sorted(
        documents, key=lambda d: (d.kind != DocumentKind.INVOICE, d.period.start)
    ):
        title = "Счёт на оплату" if document.kind is DocumentKind.INVOICE else "Акт"
        lines.append(
            f"{title} № {document.number} от {document.issued_on:%d.%m.%Y} за {document.period}"
            f" на сумму {document.total.amount:.2f} {document.total.currency}"
            + (f", оплатить до {document.due_on:%d.%m.%Y}" if document.due_on else "")
        )
        for link in _links(uow, portal_id, document, links):
            if link.role in ATTACHED_ROLES:
                attachments.append(Attachment(link.filename, link.storage_key, link.content_type))
                lines.append(f"  {link.filename}: {ports.link_url(link.token)}")
    body = (
        f"Добрый день!\n\nПо договору аренды № {lease.number} от {lease.signed_on:%d.%m.%Y}"
        f" направляем документы:\n\n"
        + "\n".join(lines)
        + f"\n\nС уважением,\n{lease.landlord.name}\n"
    )
    subject = f"Документы по договору № {lease.number}: " + ", ".join(
        f"{'счёт' if d.kind is DocumentKind.INVOICE else 'акт'} № {d.number}" for d in documents
    )
    return OutboxMessage(
        dedup_key=key, recipients=tuple(lease.tenant.emails), subject=subject, body_text=body,
        kind="tenant_documents", sender_name=lease.landlord.name, reply_to=lease.landlord.email,
        attachments=tuple(attachments), portal_id=portal_id,
    )  # fmt: skip


def queue_manager_summaries(ports: BillingPorts, portal_id: int, today: date) -> int:
    """One email per manager listing the documents issued for their leases that no summary
    listed yet: this run's, and those of a run killed before its summary."""
    by_manager: dict[str, list[str]] = defaultdict(list)
    with ports.uow(portal_id) as uow:
        pending = uow.documents.awaiting_summary()
        if not pending:
            return 0
        issued = [document.id or 0 for document in pending]
        leases = uow.leases.get_many([d.lease_id for d in pending])
        links = uow.links.for_documents(portal_id, issued)
        for document in pending:
            uow.documents.mark(document.id or 0, summary_pending=False)
            lease = leases[document.lease_id]
            if lease.manager is None or not lease.manager.email:
                continue
            title = "Счёт" if document.kind is DocumentKind.INVOICE else "Акт"
            urls = [
                ports.link_url(link.token)
                for link in links[document.id or 0]
                if link.active and link.role in ("invoice_qr", "act")
            ]
            by_manager[lease.manager.email].append(
                f"{title} № {document.number} — договор {lease.number}, {lease.tenant.name},"
                f" {document.period}, {document.total.amount:.2f} {document.total.currency}"
                + (f"\n  {urls[0]}" if urls else "")
            )
        queued = 0
        digest = hashlib.sha256(repr(sorted(issued)).encode()).hexdigest()[:16]
        for email, lines in sorted(by_manager.items()):
            message = OutboxMessage(
                dedup_key=f"summary:{portal_id}:{email}:{today.isoformat()}:{digest}",
                recipients=(email,),
                subject=f"rentflow: выставлено документов — {len(lines)} ({today:%d.%m.%Y})",
                body_text="Выставлены документы по вашим договорам:\n\n" + "\n".join(lines) + "\n",
                kind="manager_summary", portal_id=portal_id,
            )  # fmt: skip
            queued += uow.outbox.add(message, ports.clock.now())
        uow.commit()
    return queued


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


def documents_mailed(
    work: UnitOfWork,
    clock: Clock,
    message: OutboxMessage,
    queue: EventQueue | None = None,
) -> list[int]:
    """The tenant email ``message`` was delivered: its invoices are now sent, its acts on
    signing (waiting for the signed original), and their deals move to the stages mapped to
    "invoice sent" / "act sent" (queued through ``queue`` once ``work`` commits). Runs in
    the caller's transaction, scoped to the message's portal (``outbox.deliver_due``'s
    ``on_sent``). Returns the documents changed."""
    if message.kind != "tenant_documents" or message.portal_id is None:
        return []
    if work.portal_id != message.portal_id:
        raise ValueError(f"message {message.id} belongs to portal {message.portal_id}")
    _, _, lease_id, _ = message.dedup_key.split(":", 3)
    changed: list[int] = []
    moves: dict[LeaseEvent, list[int]] = defaultdict(list)
    for document in work.documents.for_lease(int(lease_id)):
        if document.extra.get(TENANT_MAIL) != message.dedup_key or document.sent_at is not None:
            continue
        status = (
            InvoiceStatus.SENT if document.kind is DocumentKind.INVOICE else ActStatus.ON_SIGNING
        )
        keep = document.kind is DocumentKind.INVOICE and document.status != InvoiceStatus.ISSUED
        work.documents.save(
            replace(document, sent_at=clock.now(), status=document.status if keep else status)
        )
        changed.append(document.id or 0)
        invoice = document.kind is DocumentKind.INVOICE
        moves[LeaseEvent.INVOICE_SENT if invoice else LeaseEvent.ACT_SENT].append(document.id or 0)
    for event, document_ids in moves.items():
        record_lease_events(work, clock, document_ids, event, queue)
    return changed
