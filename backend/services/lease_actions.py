"""What a manager or accountant does to a lease from its card: change its terms through an
addendum (доп. соглашение) from a date, set its yearly indexation, terminate or cancel it,
invoice a chosen period by hand, cancel an invoice, mark an act signed or the lease's
original received.

Each takes what a person typed (text) and raises ``ActionInvalid`` with a problem per field
(codes the page says in the viewer's language), checked before anything is written; domain
refusals (an illegal status move, a period already invoiced) come out the same way. The
caller commits, except ``issue_manual_invoice``, which issues like the billing run: number
and row in one short transaction, the PDFs rendered outside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import ActStatus, DocumentPurpose, InvoiceStatus, IssuedDocument
from backend.domain.errors import AlreadyIssued, IllegalTransition, InvalidLease
from backend.domain.lease import (
    Addendum,
    AddendumKind,
    Indexation,
    Lease,
    LeaseStatus,
    Rent,
    RentBasis,
)
from backend.domain.quantities import (
    MONEY,
    PERCENT,
    Bound,
    QuantityProblem,
    monthly_rent_problem,
    read_quantity,
)
from backend.domain.schedule import PeriodTaken, item_for_period
from backend.domain.status import transition
from backend.ports import Clock
from backend.services.billing_ports import BillingPorts
from backend.services.billing_publish import render_and_publish
from backend.services.document_links import revoke_document_links
from backend.services.landlords import Problem
from backend.services.lease_changes import terminate_lease
from backend.services.leases import add_addendum, refresh_schedule
from backend.services.numbering import next_document_number
from backend.services.payment_news import NewsQueue, PaymentNews
from backend.services.unit_of_work import UnitOfWork


@dataclass
class ActionInvalid(Exception):
    """What is wrong, per field (``""`` for the action as a whole), and what was typed."""

    problems: dict[str, Problem]
    values: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return ", ".join(f"{k or 'action'}: {p.code}" for k, p in self.problems.items())


def _text(data: Mapping[str, str], name: str) -> str:
    return " ".join(str(data.get(name, "")).split())


def _date(data: Mapping[str, str], name: str, problems: dict[str, Problem]) -> date | None:
    value = _text(data, name)
    if not value:
        problems[name] = Problem("missing")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems[name] = Problem("date")
        return None


def _amount(
    data: Mapping[str, str], name: str, problems: dict[str, Problem], bound: Bound = MONEY
) -> Decimal | None:
    value = _text(data, name)
    if not value:
        return None
    try:
        return read_quantity(value, bound)
    except QuantityProblem as err:
        problems[name] = Problem(err.code, err.expected)
        return None


def _refuse(err: Exception, field_name: str = "") -> ActionInvalid:
    if isinstance(err, IllegalTransition):
        return ActionInvalid({"": Problem("illegal_move", str(err.current))})
    if isinstance(err, PeriodTaken):
        return ActionInvalid({field_name or "start": Problem("taken", str(err.taken))})
    if isinstance(err, InvalidLease):
        return ActionInvalid({field_name or err.field: Problem(err.code, err.expected)})
    return ActionInvalid({"": Problem("invalid")})


def add_terms_addendum(
    uow: UnitOfWork, clock: Clock, lease_id: int, data: Mapping[str, str]
) -> Addendum:
    """An addendum from ``effective_from``: a new rent (per month or per m²) and/or a new end
    date; the lease is re-planned from that day. The caller commits."""
    problems: dict[str, Problem] = {}
    number = _text(data, "number")
    if not number:
        problems["number"] = Problem("missing")
    effective = _date(data, "effective_from", problems)
    rent = _amount(data, "rent", problems)
    end = _date(data, "end", {}) if _text(data, "end") else None
    if _text(data, "end") and end is None:
        problems["end"] = Problem("date")
    basis = _text(data, "rent_basis") or RentBasis.PER_MONTH.value
    if basis not in tuple(RentBasis):
        problems["rent_basis"] = Problem("choice")
    if rent is None and end is None and not problems:
        problems["rent"] = Problem("nothing_changes")
    if rent is not None and not problems:
        area = uow.leases.get(lease_id).total_area  # NotFound for another portal's
        if err := monthly_rent_problem(Rent(rent, RentBasis(basis)), area):
            problems["rent"] = Problem(err.code, err.expected)
    if problems or effective is None:
        raise ActionInvalid(problems, data)
    addendum = Addendum(
        number=number, effective_from=effective, signed_on=clock.today(), end=end,
        rent=None if rent is None else Rent(rent, RentBasis(basis)),
    )  # fmt: skip
    try:
        add_addendum(uow, clock, lease_id, addendum)
    except InvalidLease as err:
        where = "effective_from" if "effective_from" in err.field else ""
        where = where or ("end" if err.field.endswith("end") else "rent")
        raise ActionInvalid({where: Problem(err.code, err.expected)}, data) from err
    return addendum


def set_indexation(
    uow: UnitOfWork, clock: Clock, lease_id: int, data: Mapping[str, str]
) -> Indexation | None:
    """Index the rent by ``percent`` once a year from ``first_on`` (0 or empty: none). The
    caller commits; documents already issued keep their amounts."""
    problems: dict[str, Problem] = {}
    percent = _amount(data, "percent", problems, PERCENT)  # more than 100 is a typing slip
    lease = uow.leases.get(lease_id)
    indexation = None
    if percent:
        first_on = _date(data, "first_on", problems)
        if first_on is not None and not lease.start < first_on:
            problems["first_on"] = Problem("after_start")
        if not problems and first_on is not None:
            indexation = Indexation(percent, first_on)
    if problems:
        raise ActionInvalid(problems, data)
    lease.indexation = indexation
    uow.leases.save(lease, now=clock.now())
    details = {}
    if indexation is not None:
        details = {"percent": str(indexation.percent), "first_on": indexation.first_on.isoformat()}
    uow.audit.record(clock.now(), "lease.indexation", "lease", lease_id, details)
    refresh_schedule(uow, lease_id)
    return indexation


def terminate(uow: UnitOfWork, clock: Clock, lease_id: int, data: Mapping[str, str]) -> Lease:
    """Terminate a signed lease (расторжение); with a ``last_day`` before its end, the term
    is cut there first (an addendum), so what it planned after that day goes. The caller
    commits."""
    problems: dict[str, Problem] = {}
    last_day = _date(data, "last_day", problems) if _text(data, "last_day") else None
    if problems:
        raise ActionInvalid(problems, data)
    lease = uow.leases.get(lease_id)
    try:
        if lease.status in (LeaseStatus.SIGNED, LeaseStatus.REGISTERED) and last_day is not None:
            if last_day < lease.start:
                raise ActionInvalid({"last_day": Problem("after_start")}, data)
            if last_day < lease.effective_end():
                cut = Addendum(
                    number="",
                    kind=AddendumKind.TERMINATION,
                    effective_from=last_day,
                    signed_on=clock.today(),
                    end=last_day,
                )
                add_addendum(uow, clock, lease_id, cut)
        return terminate_lease(uow, clock, lease_id)
    except (IllegalTransition, InvalidLease) as err:
        raise _refuse(err, "last_day") from err


def cancel_lease(uow: UnitOfWork, clock: Clock, lease_id: int) -> Lease:
    """Cancel a lease not signed yet (a signed one is terminated instead). The caller
    commits."""
    lease = uow.leases.get(lease_id)
    try:
        moved = transition(lease, LeaseStatus.CANCELLED, clock.today())
    except IllegalTransition as err:
        raise _refuse(err) from err
    if moved.changed:
        uow.leases.save(lease, now=clock.now())
        refresh_schedule(uow, lease_id)
        details = {"from": str(moved.before), "to": str(moved.after), "by": "card"}
        uow.audit.record(clock.now(), "lease.status", "lease", lease_id, details)
    return lease


def mark_original_received(uow: UnitOfWork, clock: Clock, lease_id: int) -> None:
    """The signed original of the lease came back (оригинал получен). The caller commits."""
    lease = uow.leases.get(lease_id)
    if not lease.original_received:
        uow.leases.save(replace(lease, original_received=True), now=clock.now())
        uow.audit.record(clock.now(), "lease.original_received", "lease", lease_id)


def _lease_document(uow: UnitOfWork, lease_id: int, document_id: int) -> IssuedDocument:
    document = uow.documents.get(document_id)  # NotFound for another portal's
    if document.lease_id != lease_id:
        raise ActionInvalid({"": Problem("not_this_lease")})
    return document


def mark_act_signed(uow: UnitOfWork, clock: Clock, lease_id: int, document_id: int) -> bool:
    """The tenant signed the act and its original came back; False when it was already
    marked. The caller commits."""
    act = _lease_document(uow, lease_id, document_id)
    if act.kind is not DocumentKind.ACT or act.status == ActStatus.CANCELLED:
        raise ActionInvalid({"": Problem("not_an_act")})
    if act.status == ActStatus.SIGNED:
        return False
    uow.documents.mark(document_id, status=ActStatus.SIGNED.value)
    uow.audit.record(clock.now(), "act.signed", "document", document_id, {"number": act.number})
    return True


def cancel_invoice(
    uow: UnitOfWork, clock: Clock, lease_id: int, document_id: int, news: NewsQueue | None = None
) -> bool:
    """Annul an invoice (аннулирование): it keeps its number and row, and the payments placed
    on it stay, flagged in "needs attention" until someone moves them; its public links stop
    working, so nobody pays it by its QR code; its days go back into the schedule; once
    committed, ``news`` tells the deal (its debt field and a note). False when it was
    cancelled already. The caller commits."""
    invoice = _lease_document(uow, lease_id, document_id)
    if invoice.kind is not DocumentKind.INVOICE:
        raise ActionInvalid({"": Problem("not_an_invoice")})
    if invoice.status == InvoiceStatus.CANCELLED:
        return False
    uow.documents.mark(document_id, status=InvoiceStatus.CANCELLED.value)
    revoke_document_links(uow, clock, document_id)
    paid = invoice.paid.amount if invoice.paid is not None else Decimal(0)
    uow.audit.record(clock.now(), "invoice.cancelled", "document", document_id,
                     {"number": invoice.number, "paid": f"{paid:.2f}"})  # fmt: skip
    refresh_schedule(uow, lease_id)
    told = PaymentNews()
    told.add(lease_id, f"Счёт № {invoice.number} аннулирован; задолженность пересчитана")
    told.send_after_commit(uow, news)
    return True


@dataclass(frozen=True)
class ManualInvoice:
    """The invoice issued, or the one that already covers those days (a second submit)."""

    document_id: int
    number: str
    issued_now: bool


def issue_manual_invoice(
    ports: BillingPorts, portal_id: int, lease_id: int, data: Mapping[str, str], today: date
) -> ManualInvoice:
    """Invoice the days ``start``..``end`` now, priced as the schedule prices them, numbered
    in the landlord's series, rendered and published like a billing-run invoice.

    Never twice: days an invoice already covers are refused (``taken``); two submits at the
    same moment meet the documents' unique key, and the second one gets the first one's
    invoice back with ``issued_now`` False."""
    problems: dict[str, Problem] = {}
    start, end = _date(data, "start", problems), _date(data, "end", problems)
    if start and end and end < start:
        problems["end"] = Problem("before_start")
    if problems or start is None or end is None:
        raise ActionInvalid(problems, data)
    period = BillingPeriod(start, end)
    with ports.uow(portal_id) as uow:
        lease = uow.leases.get(lease_id)
        issued = uow.documents.issued_periods(lease_id)
        try:
            item = item_for_period(lease, issued, DocumentKind.INVOICE, period, today)
        except PeriodTaken as err:
            twin = _invoice_covering(uow, lease_id, period)
            if twin is not None and (twin.period, twin.issued_on) == (period, today):
                return ManualInvoice(twin.id or 0, twin.number, issued_now=False)
            raise ActionInvalid({"start": Problem("taken", str(err.taken))}, data) from err
        except InvalidLease as err:
            raise ActionInvalid({"start": Problem("outside_term")}, data) from err
        draft = IssuedDocument(
            lease_id=lease_id, kind=DocumentKind.INVOICE, number="0", issued_on=today,
            period=item.period, lines=item.lines, net=item.net, vat=item.vat, total=item.total,
            due_on=item.due_on,
        )  # fmt: skip
        ports.rendering.check(lease, draft)
        if lease.landlord.id is None:
            raise ActionInvalid({"": Problem("invalid")})
        number = next_document_number(uow, lease.landlord.id, DocumentKind.INVOICE, today)
        try:
            document = uow.documents.add(replace(draft, number=number), manual=True,
                                         now=ports.clock.now(), summary_pending=True)  # fmt: skip
        except AlreadyIssued:
            twin = None
        else:
            twin = document
        if twin is None or twin.id is None:
            uow.rollback()
            return _issued_meanwhile(ports, portal_id, lease_id, period, data)
        refresh_schedule(uow, lease_id)
        uow.audit.record(ports.clock.now(), "document.issued", "document", twin.id,
                         {"lease": lease.number, "kind": "invoice", "number": number,
                          "period": str(period), "manual": "yes"})  # fmt: skip
        uow.commit()
    render_and_publish(ports, portal_id, lease, twin)
    return ManualInvoice(twin.id, number, issued_now=True)


def _invoice_covering(
    uow: UnitOfWork, lease_id: int, period: BillingPeriod
) -> IssuedDocument | None:
    for doc in uow.documents.for_lease(lease_id, DocumentKind.INVOICE):
        live = doc.status != InvoiceStatus.CANCELLED and doc.purpose is DocumentPurpose.RENT
        if live and doc.period.overlaps(period):
            return doc
    return None


def _issued_meanwhile(
    ports: BillingPorts, portal_id: int, lease_id: int, period: BillingPeriod,
    data: Mapping[str, str],
) -> ManualInvoice:  # fmt: skip
    with ports.uow(portal_id) as uow:
        twin = _invoice_covering(uow, lease_id, period)
    if twin is None or twin.id is None:
        raise ActionInvalid({"start": Problem("taken", str(period))}, data)
    return ManualInvoice(twin.id, twin.number, issued_now=False)
