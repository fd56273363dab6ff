"""Lease -> CRM: a document was issued, or a lease event happened; tell the right deal.

CRM-agnostic (``CrmPort`` only). Both billing modes of seed 001 / SPEC:
- ``lease_deal``: the lease deal itself carries the invoice fields and moves through the
  stages mapped for lease events in its pipeline;
- ``deal_per_period``: issuing a period's invoice creates a billing deal in the portal's
  billing pipeline (at the stage mapped to "invoice issued" there); later events of that
  period (sent, paid, overdue, act sent, act signed) move that billing deal, so the act being
  signed closes it, and the next period's invoice creates the next one. The lease deal still
  gets the latest invoice's fields.

The billing deal's id is kept with the invoice (``IssuedDocument.extra[BILLING_DEAL]``).
Every push also refreshes the lease deal's summary fields: lease status, next invoice date and
debt (issue 5: the lead carries them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from backend.domain.billing import DocumentKind
from backend.domain.documents import IssuedDocument, outstanding_debt
from backend.domain.lease import Lease
from backend.domain.schedule import next_invoice_date
from backend.ports import Clock
from backend.services.crm_sync import STATUS_LABELS_RU, load_mapping
from backend.services.document_links import document_urls, link_urls
from backend.services.ru_text import rub
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.mapping import BillingMode, LeaseEvent, StageMapping
from crm_mappings.port import CrmPort, DealComment, DealUpdate, LeaseField, NewDeal

BILLING_DEAL = "crm_billing_deal"
# deals told per round: one CRM batch (Bitrix24 runs 50 commands a call) of updates, one of
# comments, then their documents are recorded as synced. A CRM that stops answering part-way
# leaves the earlier rounds recorded, so the retry comments only on the deals not yet told.
PUSH_ROUND = 50


@dataclass(frozen=True)
class Pushed:
    """What was written: the updates sent and the deal the comment went to."""

    deal_id: str
    updates: tuple[DealUpdate, ...]
    comment: str
    created_deal: str = ""


@dataclass(frozen=True)
class _Target:
    doc: IssuedDocument
    invoice: IssuedDocument | None  # the period's invoice (the document itself for invoices)
    lease_number: str
    lease_deal: str
    lease_pipeline: str
    per_period: bool
    billing_pipeline: str
    summary: dict[LeaseField, str]  # the lease deal's status, next invoice date and debt


def _target(uow: UnitOfWork, document_id: int) -> _Target | None:
    found = _targets(uow, [document_id])
    return found[0] if found else None


def _targets(uow: UnitOfWork, document_ids: Sequence[int]) -> list[_Target]:
    """What to tell about each document, in order; documents whose lease has no deal are
    left out. The documents, leases and deals are read in batches, and each lease's
    documents and plan once however many of its documents are pushed."""
    docs = uow.documents.get_many(document_ids)
    deals = uow.leases.deals_of([doc.lease_id for doc in docs.values()])
    with_deal = sorted(lease_id for lease_id, (deal_id, _) in deals.items() if deal_id)
    if not with_deal:
        return []
    settings = uow.portals.get(uow.portal_id or 0).settings
    per_period = settings.get("billing_mode") == BillingMode.DEAL_PER_PERIOD.value
    leases = uow.leases.get_many(with_deal)
    lease_docs = uow.documents.for_leases(with_deal)
    next_on = uow.schedule.next_invoice_dates(with_deal)
    summaries = {i: _fields(leases[i], lease_docs[i], next_on.get(i)) for i in with_deal}
    targets: list[_Target] = []
    for document_id in document_ids:
        doc = docs[document_id]
        deal_id, pipeline_id = deals.get(doc.lease_id, (None, ""))
        if not deal_id:
            continue
        invoice: IssuedDocument | None = doc
        if doc.kind is not DocumentKind.INVOICE:
            invoice = next(
                (
                    i
                    for i in lease_docs[doc.lease_id]
                    if i.kind is DocumentKind.INVOICE and i.period == doc.period
                ),
                None,
            )
        lease = leases[doc.lease_id]
        target = _Target(
            doc,
            invoice,
            lease.number,
            deal_id,
            pipeline_id,
            per_period,
            str(settings.get("billing_pipeline", "")),
            summaries[doc.lease_id],
        )
        targets.append(target)
    return targets


def _fields(
    lease: Lease, documents: Sequence[IssuedDocument], next_on: date | None
) -> dict[LeaseField, str]:
    """The lease deal's summary fields (an ISO date, a plain decimal); ``documents``: all
    the lease's documents, ``next_on``: its next planned invoice's date."""
    return {
        LeaseField.LEASE_STATUS: STATUS_LABELS_RU[lease.status],
        LeaseField.NEXT_INVOICE_DATE: next_on.isoformat() if next_on else "",
        LeaseField.DEBT: str(outstanding_debt(documents)),
    }


def lease_summary(uow: UnitOfWork, lease: Lease) -> dict[LeaseField, str]:
    """The lease deal's summary fields (status, next invoice date, debt) as they stand now."""
    plan = uow.schedule.for_lease(lease.id or 0)
    return _fields(lease, uow.documents.for_lease(lease.id or 0), next_invoice_date(plan))


# link role -> the deal field its public URL goes to (roles: backend.domain.links.ROLES)
_LINK_FIELDS = {
    "invoice": LeaseField.INVOICE_URL,
    "invoice_qr": LeaseField.QR_INVOICE_URL,
    "qr_png": LeaseField.QR_URL,
    "act": LeaseField.ACT_URL,
}


def push_published_document(
    uow: UnitOfWork, clock: Clock, crm: CrmPort, document_id: int, link_url: Callable[[str], str]
) -> Pushed | None:
    """``push_document_issued`` with the document's own public links (billing run, robots):
    the main file's link, plus the QR invoice and QR image links when it has them."""
    with uow:
        main, more = _published_links(document_urls(uow, document_id, link_url))
    return push_document_issued(uow, clock, crm, document_id, main, more)


def _published_links(urls: Mapping[str, str]) -> tuple[str, dict[LeaseField, str]]:
    """The document's main public link, and the deal field of each of its links (``urls``:
    role -> URL of its live links)."""
    main = urls.get("invoice") or urls.get("act") or ""
    return main, {field: urls[role] for role, field in _LINK_FIELDS.items() if role in urls}


def _issued_fields_and_text(
    doc: IssuedDocument, url: str, more: Mapping[LeaseField, str] | None
) -> tuple[dict[LeaseField, str], str]:
    """The deal fields a newly issued document sets (an act: its link only) and the comment
    that announces it."""
    date = f"{doc.issued_on:%d.%m.%Y}"
    if doc.kind is DocumentKind.INVOICE:
        fields = {LeaseField.INVOICE_ID: doc.number, LeaseField.INVOICE_URL: url, **(more or {})}
        return fields, f"rentflow: выставлен счёт № {doc.number} от {date} на {rub(doc.total)}"
    return {LeaseField.ACT_URL: url}, f"rentflow: выставлен акт № {doc.number} от {date}"


def push_document_issued(
    uow: UnitOfWork,
    clock: Clock,
    crm: CrmPort,
    document_id: int,
    url: str,
    more: Mapping[LeaseField, str] | None = None,
) -> Pushed | None:
    """Write the document's number and link to the deal, move it to the stage mapped for
    "invoice issued", comment on it; in ``deal_per_period`` mode an invoice first creates the
    period's billing deal. None when the lease has no deal. ``uow`` is entered here."""
    with uow:
        target = _target(uow, document_id)
        if target is None:
            return None
        lease_map = load_mapping(uow, target.lease_pipeline)
        billing_map = load_mapping(uow, target.billing_pipeline) if target.per_period else None
    doc = target.doc
    fields, text = _issued_fields_and_text(doc, url, more)
    created = ""
    updates: tuple[DealUpdate, ...]
    if target.per_period and doc.kind is DocumentKind.INVOICE:
        created = doc.extra.get(BILLING_DEAL, "") or _open_billing_deal(
            uow,
            crm,
            target,
            billing_map.stage_for(LeaseEvent.INVOICE_ISSUED) if billing_map else None,
        )
        updates = (
            DealUpdate(created, fields=fields),
            DealUpdate(target.lease_deal, fields={**fields, **target.summary}),
        )
        comment_on = created
    elif target.per_period:
        billing = (target.invoice.extra if target.invoice else {}).get(BILLING_DEAL, "")
        updates = tuple(
            DealUpdate(d, fields={**fields, **(target.summary if d == target.lease_deal else {})})
            for d in (billing, target.lease_deal)
            if d
        )
        comment_on = billing or target.lease_deal
    else:
        stage = lease_map.stage_for(LeaseEvent.INVOICE_ISSUED) if lease_map else None
        if doc.kind is not DocumentKind.INVOICE:
            stage = None
        summary_and_fields = {**fields, **target.summary}
        updates = (DealUpdate(target.lease_deal, stage_id=stage, fields=summary_and_fields),)
        comment_on = target.lease_deal
    crm.update_deals(list(updates))
    crm.add_comments([DealComment(comment_on, f"{text}\n{url}")])
    with uow:
        uow.documents.mark(document_id, crm_synced_at=clock.now())
        uow.audit.record(
            clock.now(),
            "document.crm_synced",
            "document",
            document_id,
            {"deal": comment_on, "created_deal": created},
        )
        uow.commit()
    return Pushed(comment_on, updates, text, created)


def push_published_documents(
    uow: UnitOfWork,
    clock: Clock,
    crm: CrmPort,
    document_ids: Sequence[int],
    link_url: Callable[[str], str],
) -> list[Pushed]:
    """``push_published_document`` for many documents at once (the billing run of a portal):
    one ``update_deals`` and one ``add_comments`` call per ``PUSH_ROUND`` deals (the CRM's
    batches, 50 commands a call), instead of two calls per document; each round's documents
    are recorded as synced before the next round.

    A deal that gets an invoice and an act the same day gets one update (the act's link
    beside the invoice's fields, the invoice's stage) and one comment naming both; when it
    gets several invoices (a catch-up), the latest period's fields win. Documents already
    synced are skipped, so a retry after a failure sends only what is left. In
    ``deal_per_period`` mode each invoice opens its own billing deal, so documents go one
    by one through ``push_published_document``.
    """
    with uow:
        settings = uow.portals.get(uow.portal_id or 0).settings
        per_period = settings.get("billing_mode") == BillingMode.DEAL_PER_PERIOD.value
        unsynced = set(uow.documents.not_synced(among=document_ids))
        wanted = [d for d in document_ids if d in unsynced]
    if per_period:
        pushed = [push_published_document(uow, clock, crm, d, link_url) for d in wanted]
        return [p for p in pushed if p is not None]
    with uow:
        news, synced = _news_per_deal(uow, wanted, link_url)
    deals = list(news)
    told: list[Pushed] = []
    for start in range(0, len(deals), PUSH_ROUND):
        in_round = {deal: news[deal] for deal in deals[start : start + PUSH_ROUND]}
        told += _tell_round(uow, clock, crm, in_round, [s for s in synced if s[1] in in_round])
    return told


@dataclass
class _DealNews:
    """What a batched push tells one lease deal, gathered document by document: the stage
    to move it to, its fields and its comment's lines."""

    stage: str | None = None
    fields: dict[LeaseField, str] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)

    def add(self, target: _Target, urls: Mapping[str, str], mapping: StageMapping | None) -> None:
        """Take in one issued document (``urls``: role -> URL of its live links); an invoice
        moves the deal to its mapped stage (an earlier invoice's stays when it has none)."""
        url, more = _published_links(urls)
        doc_fields, text = _issued_fields_and_text(target.doc, url, more)
        self.fields.update(doc_fields)
        if target.doc.kind is DocumentKind.INVOICE:
            mapped = mapping.stage_for(LeaseEvent.INVOICE_ISSUED) if mapping else None
            self.stage = mapped or self.stage
        self.texts += [text, url]
        self.fields.update(target.summary)


def _news_per_deal(
    uow: UnitOfWork, document_ids: Sequence[int], link_url: Callable[[str], str]
) -> tuple[dict[str, _DealNews], list[tuple[int, str]]]:
    """Each lease deal's news about ``document_ids`` (by period, an invoice before its act,
    so the latest period's fields win), and the ``(document, deal)`` pairs it covers."""
    targets = _targets(uow, document_ids)
    targets.sort(key=lambda t: (t.doc.period.start, t.doc.kind is not DocumentKind.INVOICE))
    mappings = {p: load_mapping(uow, p) for p in {t.lease_pipeline for t in targets}}
    links = uow.links.for_documents(uow.portal_id or 0, [t.doc.id or 0 for t in targets])
    news: dict[str, _DealNews] = {}
    synced: list[tuple[int, str]] = []
    for target in targets:
        mapping = mappings[target.lease_pipeline]
        urls = link_urls(links[target.doc.id or 0], link_url)
        news.setdefault(target.lease_deal, _DealNews()).add(target, urls, mapping)
        synced.append((target.doc.id or 0, target.lease_deal))
    return news, synced


def _tell_round(
    uow: UnitOfWork,
    clock: Clock,
    crm: CrmPort,
    news: Mapping[str, _DealNews],
    done: Sequence[tuple[int, str]],
) -> list[Pushed]:
    """One ``update_deals`` and one ``add_comments`` call for the deals of ``news``, then
    their documents (``done``: document, deal) recorded as synced."""
    updates = {
        deal: DealUpdate(deal, stage_id=n.stage, fields=n.fields) for deal, n in news.items()
    }
    texts_of = {deal: "\n".join(n.texts) for deal, n in news.items()}
    crm.update_deals(list(updates.values()))
    crm.add_comments([DealComment(deal, text) for deal, text in texts_of.items()])
    with uow:
        uow.documents.mark_many([document_id for document_id, _ in done], crm_synced_at=clock.now())
        for document_id, deal in done:
            uow.audit.record(
                clock.now(), "document.crm_synced", "document", document_id,
                {"deal": deal, "created_deal": ""},
            )  # fmt: skip
        uow.commit()
    return [Pushed(deal, (updates[deal],), texts_of[deal]) for deal in texts_of]


def _open_billing_deal(uow: UnitOfWork, crm: CrmPort, target: _Target, stage: str | None) -> str:
    """Create the period's billing deal and remember it with the invoice at once, so a retry
    after a failed write reuses it instead of opening a second one."""
    doc = target.doc
    created = crm.create_deal(
        NewDeal(
            title=f"{target.lease_number}: счёт {doc.number} за {doc.period.start:%m.%Y}",
            pipeline_id=target.billing_pipeline,
            stage_id=stage or "",
            amount=str(doc.total.amount),
            parent_deal_id=target.lease_deal,
        )
    )
    with uow:
        issued = uow.documents.get(doc.id or 0)
        uow.documents.save(replace(issued, extra={**issued.extra, BILLING_DEAL: created}))
        uow.commit()
    return created


def _period_deal(
    uow: UnitOfWork, document_id: int
) -> tuple[_Target, str, StageMapping | None] | None:
    """The deal a move about ``document_id``'s period goes to (its billing deal in
    ``deal_per_period`` mode, else the lease deal) and that deal's pipeline mapping; None
    when the lease has no deal. ``uow`` is entered here."""
    with uow:
        target = _target(uow, document_id)
        if target is None:
            return None
        billing = (target.invoice.extra if target.invoice else {}).get(BILLING_DEAL, "")
        per_period = target.per_period and bool(billing)
        pipeline = target.billing_pipeline if per_period else target.lease_pipeline
        return target, billing if per_period else target.lease_deal, load_mapping(uow, pipeline)


def push_lease_event(
    uow: UnitOfWork, clock: Clock, crm: CrmPort, document_id: int, event: LeaseEvent
) -> Pushed | None:
    """Move the deal of ``document_id``'s period to the stage mapped for ``event`` (the
    billing deal in ``deal_per_period`` mode: "act signed" closes it). None when nothing is
    mapped or the lease has no deal."""
    found = _period_deal(uow, document_id)
    if found is None:
        return None
    _, deal_id, mapping = found
    stage = mapping.stage_for(event) if mapping else None
    if stage is None:
        return None
    return _move_deal(uow, clock, crm, document_id, deal_id, stage, str(event))


def _move_deal(
    uow: UnitOfWork, clock: Clock, crm: CrmPort, document_id: int, deal_id: str, stage: str,
    why: str,
) -> Pushed:  # fmt: skip
    """Put the deal at ``stage`` and record it in the audit, naming ``why``."""
    update = DealUpdate(deal_id, stage_id=stage)
    crm.update_deals([update])
    with uow:
        uow.audit.record(
            clock.now(), "deal.stage_pushed", "document", document_id,
            {"deal": deal_id, "event": why, "stage": stage},
        )  # fmt: skip
        uow.commit()
    return Pushed(deal_id, (update,), "")


def push_back_from_paid(
    uow: UnitOfWork, clock: Clock, crm: CrmPort, document_id: int
) -> Pushed | None:
    """The invoice's payment was undone: move the deal that its "paid" move put at the
    stage mapped to "paid" back to where the invoice stands now, the stage mapped to
    "overdue" (when its move there was recorded, before it was paid), else "invoice sent"
    once emailed, else "invoice issued", the first of those that is mapped. A deal no longer at
    the "paid" stage has moved on since (the next invoice, a manager) and is left where it
    is. None when nothing moved. ``uow`` is entered here."""
    found = _period_deal(uow, document_id)
    if found is None:
        return None
    target, deal_id, mapping = found
    if mapping is None:
        return None
    with uow:
        overdue = uow.lease_events.state(document_id, LeaseEvent.OVERDUE.value) is not None
    back_to = [
        (event, stage)
        for event, applies in (
            (LeaseEvent.OVERDUE, overdue),
            (LeaseEvent.INVOICE_SENT, target.doc.sent_at is not None),
            (LeaseEvent.INVOICE_ISSUED, True),
        )
        if applies and (stage := mapping.stage_for(event))
    ]
    paid = mapping.stage_for(LeaseEvent.PAID)
    if paid is None or not back_to:
        return None
    if crm.get_deal(deal_id).stage_id != paid:
        return None
    event, stage = back_to[0]
    return _move_deal(uow, clock, crm, document_id, deal_id, stage, f"payment undone: {event}")


SYNC_GRACE = timedelta(minutes=30)


def documents_to_push(uow: UnitOfWork, clock: Clock) -> list[int]:
    """Documents whose deal was never told about them (a worker died between issuing and its
    push task, or they were issued from the command line), older than ``SYNC_GRACE``: the
    periodic sweep pushes them again. ``uow`` is entered here."""
    with uow:
        return list(uow.documents.not_synced(clock.now() - SYNC_GRACE))
