"""The billing run's email (seed 000 "Автовыставление", "Счета и акты"): one email per lease
to the tenant with its new documents attached and linked, one summary per manager of what was
issued, and what a delivered tenant email changes (documents sent, deals moved).

Phases 2 and 3 of ``backend.services.billing``; ``documents_mailed`` is the outbox's
``on_sent`` hook.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date

from backend.catalogues import gettext_for, tenant_language
from backend.domain.billing import DocumentKind
from backend.domain.documents import ActStatus, InvoiceStatus, IssuedDocument
from backend.domain.lease import Lease
from backend.domain.links import DocumentLink
from backend.domain.messages import Attachment, OutboxMessage
from backend.locale_text import date_in
from backend.ports import Clock
from backend.services import billing_ports
from backend.services.billing_ports import BillingPorts, pages
from backend.services.channels import queue_for_tenant
from backend.services.lease_events import EventQueue, record_lease_events
from backend.services.mail_templates import TENANT_DOCUMENTS, document_line
from backend.services.ru_text import day, rub
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.mapping import LeaseEvent

TENANT_MAIL = "tenant_mail"  # IssuedDocument.extra: the dedup key of the email it went in
ATTACHED_ROLES = ("invoice", "invoice_qr", "act")


def queue_tenant_mail(
    ports: BillingPorts, portal_id: int, leases: Collection[int] | None = None
) -> int:
    """Queue one email per lease for its documents not mailed yet, where the lease has
    auto-send on and the tenant has addresses; of ``leases`` only, when given (a chunk of a
    large portal's run), else of every lease with such documents, a page of leases to a
    transaction (their documents, leases and links in memory one page at a time). Returns
    the number of emails queued."""
    if leases is None:
        with ports.uow(portal_id) as uow:
            leases = uow.documents.leases_awaiting_tenant_mail(TENANT_MAIL)
    wanted = sorted(set(leases))
    return sum(_queue_tenant_mail_page(ports, portal_id, page) for page in pages(wanted))


def _queue_tenant_mail_page(ports: BillingPorts, portal_id: int, leases: Sequence[int]) -> int:
    queued = 0
    with ports.uow(portal_id) as uow:
        pending: dict[int, list[IssuedDocument]] = defaultdict(list)
        waiting = uow.documents.awaiting_tenant_mail(TENANT_MAIL, leases)
        links = uow.links.for_documents(portal_id, [d.id or 0 for d in waiting])
        for document in waiting:
            if links[document.id or 0]:  # mailed once its files exist (``publish_pending``)
                pending[document.lease_id].append(document)
        loaded = uow.leases.get_many(list(pending))
        for lease_id, documents in sorted(pending.items()):
            lease = loaded[lease_id]
            if not lease.tenant.emails:
                continue
            message = tenant_message(uow, ports, portal_id, lease, documents, links)
            # by email, and by Telegram where the tenant linked a chat and wants it
            if queue_for_tenant(uow, ports.clock, message, lease.tenant.id):
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
    000), the PDFs attached and linked; in the landlord's own wording where they wrote one
    (as written, its values in Russian), else in the tenant's language (``docs/channels.md``).
    ``links``: document id -> its links, when the caller loaded them already (else they are
    read per document)."""
    ids = sorted(d.id or 0 for d in documents)
    key = f"tenant:{portal_id}:{lease.id}:{hashlib.sha256(repr(ids).encode()).hexdigest()[:16]}"
    settings = uow.portals.get(portal_id).settings
    lang = "ru" if TENANT_DOCUMENTS.is_own(settings) else tenant_language(lease.tenant.language)
    attachments: list[Attachment] = []
    lines: list[str] = []
    for document in sorted(
        documents, key=lambda d: (d.kind != DocumentKind.INVOICE, d.period.start)
    ):
        lines.append(document_line(document, lang))
        for link in _links(uow, portal_id, document, links):
            if link.role in ATTACHED_ROLES:
                attachments.append(Attachment(link.filename, link.storage_key, link.content_type))
                lines.append(f"  {link.filename}: {ports.link_url(link.token)}")
    if TENANT_DOCUMENTS.is_own(settings):
        subject, body = TENANT_DOCUMENTS.fill(settings, _own_values(lease, documents, lines))
    else:
        subject, body = _documents_text(lease, documents, lines, lang)
    return OutboxMessage(
        dedup_key=key, recipients=tuple(lease.tenant.emails), subject=subject, body_text=body,
        kind="tenant_documents", sender_name=lease.landlord.name, reply_to=lease.landlord.email,
        attachments=tuple(attachments), portal_id=portal_id,
    )  # fmt: skip


def _own_values(
    lease: Lease, documents: Sequence[IssuedDocument], lines: Sequence[str]
) -> dict[str, str]:
    """The landlord's template's values, written in Russian as the template is."""
    return {
        "lease_number": lease.number, "lease_date": day(lease.signed_on),
        "tenant": lease.tenant.name, "landlord": lease.landlord.name, "documents": "\n".join(lines),
        "document_list": ", ".join(
            f"{'счёт' if d.kind is DocumentKind.INVOICE else 'акт'} № {d.number}" for d in documents
        ),
    }  # fmt: skip


def _documents_text(
    lease: Lease, documents: Sequence[IssuedDocument], lines: Sequence[str], lang: str
) -> tuple[str, str]:
    """The default subject and body of the documents email, in ``lang``."""
    _ = gettext_for(lang)
    listed = ", ".join(
        _("invoice No. %(number)s", number=d.number)
        if d.kind is DocumentKind.INVOICE
        else _("act No. %(number)s", number=d.number)
        for d in documents
    )
    subject = _("Documents under lease No. %(number)s: %(documents)s",
                number=lease.number, documents=listed)  # fmt: skip
    body = _(
        "Hello,\n\nUnder lease No. %(number)s of %(date)s please find the documents:\n\n"
        "%(documents)s\n\nKind regards,\n%(landlord)s\n",
        number=lease.number, date=date_in(lang, lease.signed_on), documents="\n".join(lines),
        landlord=lease.landlord.name,
    )  # fmt: skip
    return subject, body


def queue_manager_summaries(ports: BillingPorts, portal_id: int, today: date) -> int:
    """One email per manager listing the documents issued for their leases that no summary
    listed yet: this run's, and those of a run killed before its summary. The documents are
    read ``billing_ports.LEASES_AT_ONCE`` at a time (with their leases and links), so only
    the summaries' lines grow with the run; all in one transaction, so a run killed
    meanwhile leaves them all to the next one's summary."""
    by_manager: dict[str, list[str]] = defaultdict(list)
    digest = hashlib.sha256(b"[")  # of repr(the listed ids in order), streamed page by page
    listed = last = 0
    with ports.uow(portal_id) as uow:
        at_once = billing_ports.LEASES_AT_ONCE
        while page := uow.documents.awaiting_summary(after=last, limit=at_once):
            _summary_lines(uow, ports, portal_id, page, by_manager)
            ids = [document.id or 0 for document in page]
            uow.documents.mark_many(ids, summary_pending=False)
            digest.update(((", " if listed else "") + ", ".join(map(str, ids))).encode())
            listed, last = listed + len(ids), ids[-1]
        if not listed:
            return 0
        digest.update(b"]")
        queued = 0
        for email, lines in sorted(by_manager.items()):
            message = OutboxMessage(
                dedup_key=f"summary:{portal_id}:{email}:{today.isoformat()}:"
                f"{digest.hexdigest()[:16]}",
                recipients=(email,),
                subject=f"rentflow: выставлено документов — {len(lines)} ({today:%d.%m.%Y})",
                body_text="Выставлены документы по вашим договорам:\n\n" + "\n".join(lines) + "\n",
                kind="manager_summary",
                portal_id=portal_id,
            )
            queued += uow.outbox.add(message, ports.clock.now())
        uow.commit()
    return queued


def _summary_lines(
    uow: UnitOfWork,
    ports: BillingPorts,
    portal_id: int,
    documents: Sequence[IssuedDocument],
    by_manager: dict[str, list[str]],
) -> None:
    """Each document's line, under its lease manager's address (none without a manager)."""
    leases = uow.leases.get_many([d.lease_id for d in documents])
    links = uow.links.for_documents(portal_id, [d.id or 0 for d in documents])
    for document in documents:
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
            f" {document.period}, {rub(document.total)}" + (f"\n  {urls[0]}" if urls else "")
        )


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
    for document in work.documents.mailed_in(int(lease_id), TENANT_MAIL, message.dedup_key):
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
