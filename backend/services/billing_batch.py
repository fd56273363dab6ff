"""The billing run's issue phase, a batch of planned documents at a time.

A batch of due items is numbered in one transaction (numbers, rows, plan, audit), its files
are rendered outside any transaction, then published in a second one: two commits and a few
statements per batch instead of per document, with the guarantees of issuing one by one:
- never twice: the (lease, kind, period start) key refuses a second row; a batch that meets
  it (another worker issued one of its items meanwhile) is rolled back whole and the caller
  issues its items one by one (``billing.issue_item``), which skips the issued ones;
- gapless numbering: the numbers are taken in the transaction that stores their documents,
  so a batch rolled back leaves the counters as they were; on PostgreSQL the batch takes the
  counters' row locks in one order (counter, kind), so concurrent batches cannot deadlock;
- a worker killed after the first commit leaves documents without files, which the next
  run's ``publish_pending`` finishes, as it does for one document.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from backend.domain.billing import ScheduleItem
from backend.domain.documents import IssuedDocument
from backend.domain.errors import AlreadyIssued, DomainError
from backend.domain.lease import Lease
from backend.services.billing_ports import BillingPorts, PortalRun
from backend.services.document_links import publish_many_files, render_document_files
from backend.services.leases import schedule_issued
from backend.services.numbering import number_from
from backend.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

ISSUE_BATCH = 20  # items numbered in one transaction, then rendered, then published in one


def document_for(lease_id: int, item: ScheduleItem, number: str, today: date) -> IssuedDocument:
    """The document for a planned item, dated today. An invoice issued later than planned
    keeps its payment term: its due date moves by the delay rather than lying in the past."""
    due_on = item.due_on
    if due_on is not None and due_on < today:
        due_on = today + (due_on - item.issue_on)
    return IssuedDocument(
        lease_id=lease_id, kind=item.kind, number=number, issued_on=today, period=item.period,
        lines=item.lines, net=item.net, vat=item.vat, total=item.total, due_on=due_on,
    )  # fmt: skip


def failure_of(lease_id: int, item: ScheduleItem, err: DomainError) -> dict[str, str]:
    """How a run reports an item it could not issue (``PortalRun.failed``)."""
    return {"lease_id": str(lease_id), "kind": str(item.kind), "period": str(item.period),
            "error": str(err)}  # fmt: skip


def issue_batch(
    ports: BillingPorts,
    portal_id: int,
    items: Sequence[tuple[int, ScheduleItem]],
    today: date,
    result: PortalRun,
    leases: Mapping[int, Lease],
) -> bool:
    """Issue ``items`` (their leases in ``leases``, loaded from this portal) into ``result``.
    An item that cannot make a document is reported there and the others go on. Returns
    False, having kept nothing, when one of them turned out to be issued already: the caller
    then issues them one by one."""
    try:
        numbered, failed = _number(ports, portal_id, items, today, leases)
    except AlreadyIssued:
        return False
    result.failed += failed
    rendered: dict[int, dict[str, bytes]] = {}
    broken: list[tuple[IssuedDocument, dict[str, str]]] = []
    for lease, document in numbered:
        try:
            rendered[document.id or 0] = render_document_files(ports.rendering, lease, document)
        except DomainError as err:  # left unpublished: ``publish_pending`` tries again
            log.warning("portal %s document %s: %s", portal_id, document.id, err)
            failure = {"kind": str(document.kind), "period": str(document.period)}
            broken.append((document, {**failure, "error": str(err)}))
    with ports.uow(portal_id) as uow:
        publish_many_files(uow, ports.storage, ports.clock, rendered)
        for document, failure in broken:
            _audit_failure(uow, ports, document.lease_id, failure)
        uow.commit()
    result.failed += [{"lease_id": str(d.lease_id), **f} for d, f in broken]
    result.issued += [d.id for _, d in numbered if d.id is not None and d.id in rendered]
    return True


def _number(
    ports: BillingPorts,
    portal_id: int,
    items: Sequence[tuple[int, ScheduleItem]],
    today: date,
    leases: Mapping[int, Lease],
) -> tuple[list[tuple[Lease, IssuedDocument]], list[dict[str, str]]]:
    """Number and store the batch's documents in one transaction; raises ``AlreadyIssued``
    (nothing kept) when one exists already."""
    with ports.uow(portal_id) as uow:
        numbering: dict[int, tuple[int, dict[str, Any]]] = {}  # landlord -> its numbering
        wanted: list[tuple[int, str, int, Lease, ScheduleItem]] = []
        failed: list[dict[str, str]] = []
        for index, (lease_id, item) in enumerate(items):
            try:
                lease = leases.get(lease_id) or uow.leases.get(lease_id)
                if lease.landlord.id is None:
                    raise DomainError(f"lease {lease.number} has no stored landlord")
                ports.rendering.check(lease, document_for(lease_id, item, "0", today))
            except DomainError as err:
                log.warning("portal %s lease %s %s %s: %s", portal_id, lease_id, item.kind,
                            item.period, err)  # fmt: skip
                failed.append(failure_of(lease_id, item, err))
                continue
            landlord = lease.landlord.id
            if landlord not in numbering:
                numbering[landlord] = uow.parties.numbering_of(landlord)
            wanted.append((numbering[landlord][0], item.kind.value, index, lease, item))
        numbers: dict[int, str] = {}  # taken in one lock order, stored in the plan's order
        for counter, _, index, lease, item in sorted(wanted, key=lambda w: w[:3]):
            settings = numbering[lease.landlord.id or 0][1]
            numbers[index] = number_from(uow, counter, settings, item.kind, today)
        numbered: list[tuple[Lease, IssuedDocument]] = []
        for _, _, index, lease, item in wanted:
            number = numbers[index]
            document = uow.documents.add(
                document_for(lease.id or 0, item, number, today),
                now=ports.clock.now(), summary_pending=True, in_batch=True,
            )  # fmt: skip
            schedule_issued(uow, lease.id or 0, item)
            numbered.append((lease, document))
        for lease, document in numbered:  # inserted together at the commit
            details = {"lease": lease.number, "kind": str(document.kind),
                       "number": document.number, "period": str(document.period)}  # fmt: skip
            uow.audit.record(ports.clock.now(), "document.issued", "document", document.id,
                             details)  # fmt: skip
        for failure in failed:
            _audit_failure(uow, ports, int(failure["lease_id"]), failure)
        uow.commit()
    return numbered, failed


def _audit_failure(
    uow: UnitOfWork, ports: BillingPorts, lease_id: int, failure: Mapping[str, str]
) -> None:
    details = {k: v for k, v in failure.items() if k != "lease_id"}
    uow.audit.record(ports.clock.now(), "document.issue_failed", "lease", lease_id, details)
