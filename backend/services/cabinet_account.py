"""What a tenant sees of their leases (seed 003 "Договори", "Базові угоди", "Нарахування до
сплати", "Оплати"): the leases, and per lease its accruals, payments and balance.

The figures are the landlord's: invoices as issued and paid by the payment allocation
(``services.ledger``), the debt by ``domain.documents.outstanding_debt`` — the function the
deal panel and the deal's "debt" field use — and advances are the allocations kept on the
lease without an invoice. Every read takes the session's ``TenantRef``: a lease of another
tenant is ``NotFound``. A page reads a fixed number of statements whatever its number of
leases and documents (``tests/integration/services/test_cabinet_account.py`` counts them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from backend.domain.addenda import LeaseChanges, lease_changes
from backend.domain.billing import DocumentKind
from backend.domain.cabinet import PaymentLine, TenantRef
from backend.domain.documents import InvoiceStatus, IssuedDocument, outstanding_debt
from backend.domain.errors import NotFound
from backend.domain.lease import Lease
from backend.domain.schedule import premises_on
from backend.domain.status import effective_status
from backend.services.cabinet_ports import CabinetUnitOfWork, CabinetUnitOfWorkFactory

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Balance:
    """Accrued, paid, the debt (задолженность) and the advance (переплата) of a lease."""

    accrued: Decimal
    paid: Decimal
    debt: Decimal
    advance: Decimal
    currency: str

    @property
    def net(self) -> Decimal:
        """Positive: the tenant paid ahead; negative: the tenant owes."""
        return self.advance - self.debt


@dataclass(frozen=True)
class AddendumLine:
    number: str
    effective_from: date
    signed_on: date | None
    kind: str = "terms"  # "termination": no number, named in the tenant's language


@dataclass(frozen=True)
class LeaseCard:
    """A lease as the list shows it (seed 003 "Договори")."""

    id: int
    number: str
    signed_on: date
    landlord: str
    premises: str
    start: date
    end: date
    status: str
    addenda: tuple[AddendumLine, ...]
    balance: Balance
    to_pay: int  # invoices not fully paid


@dataclass(frozen=True)
class Accrual:
    """An invoice (нарахування до сплати): what, when, how much, paid or not."""

    id: int
    number: str
    issued_on: date
    purpose: str
    period_start: date
    period_end: date
    due_on: date | None
    total: Decimal
    paid: Decimal
    outstanding: Decimal
    status: str
    currency: str
    files: tuple[str, ...]
    overdue: bool


@dataclass(frozen=True)
class PaymentEntry:
    """A payment as placed on this lease (оплата): number, date, kind, amount, invoice."""

    number: str
    paid_on: date
    kind: str
    amount: Decimal
    currency: str
    invoice_number: str


@dataclass(frozen=True)
class PurposeTotal:
    purpose: str
    accrued: Decimal
    paid: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class LeaseAccount:
    """One lease's page: the card and accruals by purpose (all time), and the invoices, acts
    and payments of ``year`` (invoices still unpaid from any year too); ``years`` has one;
    what the addenda changed and the rent's yearly indexation."""

    card: LeaseCard
    by_purpose: tuple[PurposeTotal, ...]
    accruals: tuple[Accrual, ...]
    acts: tuple[Accrual, ...]
    payments: tuple[PaymentEntry, ...]
    year: int
    years: tuple[int, ...]
    changes: LeaseChanges  # what the addenda and indexation changed


def pick_year(years: Sequence[int], wanted: int | None, today: date) -> int:
    """``wanted`` if there is something in it, else the latest year with something."""
    if wanted is not None and wanted in years:
        return wanted
    return max(years) if years else today.year


def _live_invoices(documents: Sequence[IssuedDocument]) -> list[IssuedDocument]:
    return [
        d
        for d in documents
        if d.kind is DocumentKind.INVOICE and d.status != InvoiceStatus.CANCELLED
    ]


def balance_of(
    documents: Sequence[IssuedDocument], payments: Sequence[PaymentLine], currency: str
) -> Balance:
    """The lease's balance from its documents and the allocations placed on it."""
    invoices = _live_invoices(documents)
    accrued = sum((d.total.amount for d in invoices), ZERO)
    paid_on_invoices = sum((d.paid.amount if d.paid else ZERO for d in invoices), ZERO)
    advance = sum((p.amount for p in payments if p.invoice_id is None), ZERO)
    return Balance(
        accrued=accrued, paid=paid_on_invoices + advance, debt=outstanding_debt(documents),
        advance=advance, currency=currency,
    )  # fmt: skip


def _card(
    lease: Lease, documents: list[IssuedDocument], payments: list[PaymentLine], today: date
) -> LeaseCard:
    premises = ", ".join(
        " ".join(
            x
            for x in (p.building, p.code, f"({p.area_m2.normalize():f} м²)" if p.area_m2 else "")
            if x
        )
        for p in premises_on(lease, today)  # as the landlord's lease card
    )
    invoices = _live_invoices(documents)
    return LeaseCard(
        id=lease.id or 0, number=lease.number, signed_on=lease.signed_on,
        landlord=lease.landlord.name, premises=premises, start=lease.start,
        end=lease.effective_end(),  # as the landlord's lease card shows it
        status=str(effective_status(lease, today)),
        addenda=tuple(
            AddendumLine(a.number, a.effective_from, a.signed_on, str(a.kind))
            for a in lease.addenda
        ),
        balance=balance_of(documents, payments, lease.rent.currency),
        to_pay=sum(1 for d in invoices if d.outstanding.amount > 0),
    )  # fmt: skip


def _tenant_leases(uow: CabinetUnitOfWork, ref: TenantRef) -> list[int]:
    return uow.cabinet.data.lease_ids(ref.portal_id, ref.ids)


def tenant_leases(
    uow_factory: CabinetUnitOfWorkFactory, ref: TenantRef, today: date
) -> list[LeaseCard]:
    """Every lease of the tenant with its balance, newest first."""
    with uow_factory(ref.portal_id) as uow:
        ids = _tenant_leases(uow, ref)
        leases = uow.leases.get_many(ids)
        # the balances need the invoices only (acts carry no money of their own)
        documents = uow.cabinet.data.documents(ref.portal_id, ids, kind=DocumentKind.INVOICE)
        invoice_ids = [d.id for d in documents if d.id is not None]
        payments = uow.cabinet.data.payments(ref.portal_id, ids, invoice_ids)
    by_lease: dict[int, list[IssuedDocument]] = {i: [] for i in ids}
    for document in documents:
        by_lease[document.lease_id].append(document)
    invoice_lease = {d.id: d.lease_id for d in documents}
    paid: dict[int, list[PaymentLine]] = {i: [] for i in ids}
    for line in payments:
        lease_id = line.lease_id or invoice_lease.get(line.invoice_id)
        if lease_id in paid:
            paid[lease_id].append(line)
    return [_card(leases[i], by_lease[i], paid[i], today) for i in ids if i in leases]


def lease_account(
    uow_factory: CabinetUnitOfWorkFactory, ref: TenantRef, lease_id: int, today: date,
    year: int | None = None,
) -> LeaseAccount:  # fmt: skip
    """One lease of the tenant (``year``'s documents, see ``LeaseAccount``); ``NotFound``
    when it is not theirs."""
    with uow_factory(ref.portal_id) as uow:
        if lease_id not in _tenant_leases(uow, ref):
            raise NotFound(f"lease {lease_id}")
        lease = uow.leases.get_many([lease_id])[lease_id]
        documents = uow.cabinet.data.documents(ref.portal_id, [lease_id])
        ids = [d.id for d in documents if d.id is not None]
        payments = uow.cabinet.data.payments(ref.portal_id, [lease_id], ids)
        files = uow.cabinet.data.file_roles(ref.portal_id, ids)
    years = tuple(
        sorted({d.issued_on.year for d in documents} | {p.paid_on.year for p in payments})
    )
    shown = pick_year(years, year, today)
    listed = [d for d in reversed(documents) if _is_listed(d, shown)]
    return LeaseAccount(
        card=_card(lease, documents, payments, today),
        by_purpose=_by_purpose(_live_invoices(documents)),
        accruals=tuple(_accrual(d, files, today) for d in listed if d.kind is DocumentKind.INVOICE),
        acts=tuple(_accrual(d, files, today) for d in listed if d.kind is DocumentKind.ACT),
        payments=_payment_entries(payments, documents, shown),
        year=shown,
        years=years,
        changes=lease_changes(lease),
    )


def _is_listed(d: IssuedDocument, shown: int) -> bool:
    """On the page of year ``shown``: issued that year, or a live invoice still unpaid."""
    live = d.kind is DocumentKind.INVOICE and d.status != InvoiceStatus.CANCELLED
    unpaid = live and d.outstanding.amount > 0
    return d.issued_on.year == shown or unpaid


def _accrual(d: IssuedDocument, files: Mapping[int, Sequence[str]], today: date) -> Accrual:
    outstanding = d.outstanding.amount if d.kind is DocumentKind.INVOICE else ZERO
    return Accrual(
        id=d.id or 0, number=d.number, issued_on=d.issued_on, purpose=str(d.purpose),
        period_start=d.period.start, period_end=d.period.end, due_on=d.due_on,
        total=d.total.amount, paid=d.paid.amount if d.paid else ZERO,
        outstanding=outstanding, status=str(d.status), currency=d.total.currency,
        files=tuple(files.get(d.id or 0, ())),
        overdue=bool(outstanding > 0 and d.due_on and d.due_on < today),
    )  # fmt: skip


def _by_purpose(invoices: Sequence[IssuedDocument]) -> tuple[PurposeTotal, ...]:
    """Accrued, paid and outstanding per purpose (rent, utilities...): rent first, then the
    others by their name."""
    purposes: dict[str, list[IssuedDocument]] = {}
    for d in invoices:
        purposes.setdefault(str(d.purpose), []).append(d)
    return tuple(
        PurposeTotal(
            purpose,
            sum((d.total.amount for d in docs), ZERO),
            sum((d.paid.amount if d.paid else ZERO for d in docs), ZERO),
            sum((d.outstanding.amount for d in docs), ZERO),
        )
        for purpose, docs in sorted(purposes.items(), key=lambda kv: (kv[0] != "rent", kv[0]))
    )


def _payment_entries(
    payments: Sequence[PaymentLine], documents: Sequence[IssuedDocument], shown: int
) -> tuple[PaymentEntry, ...]:
    """Year ``shown``'s payments, newest first, each with the number of its invoice."""
    numbers = {d.id: d.number for d in documents}
    return tuple(
        PaymentEntry(
            p.number,
            p.paid_on,
            p.source,
            p.amount,
            p.currency,
            numbers.get(p.invoice_id, "") if p.invoice_id else "",
        )
        for p in reversed(payments)
        if p.paid_on.year == shown
    )
