"""The leases list of the workspace: filters by status, landlord, manager and debt, a search
by lease number or tenant, pages of ``PAGE_SIZE``. A manager who is not an administrator sees
only the leases they manage (their CRM user id is the lease manager's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from backend.domain.billing import DocumentKind
from backend.domain.documents import IssuedDocument, outstanding_debt
from backend.domain.lease import Lease
from backend.domain.matching import OPEN_STATUSES
from backend.domain.schedule import premises_on, terms_in_force
from backend.domain.status import effective_status
from backend.services.unit_of_work import UnitOfWork

PAGE_SIZE = 25


@dataclass(frozen=True)
class LeaseFilter:
    """What the list is narrowed to; empty = any. ``only_manager``: the viewer's CRM user id
    when they are not an administrator (then ``manager`` cannot widen it)."""

    status: str = ""
    landlord: int | None = None
    manager: str = ""
    with_debt: bool = False
    search: str = ""
    only_manager: str | None = None
    page: int = 1


@dataclass(frozen=True)
class LeaseLine:
    id: int
    number: str
    signed_on: date
    tenant: str
    landlord: str
    premises: str
    start: date
    end: date
    status: str
    manager: str
    debt: Decimal
    currency: str
    rent: Decimal | None = None  # a month, in force today (None: cannot be computed)
    rent_changes: tuple[tuple[date, Decimal], ...] = ()


@dataclass(frozen=True)
class LeasePage:
    lines: list[LeaseLine]
    total: int
    page: int
    pages: int
    landlords: list[tuple[int, str]]
    managers: list[tuple[str, str]]  # (CRM user id, name) of the leases' managers


def list_leases(uow: UnitOfWork, today: date, wanted: LeaseFilter) -> LeasePage:
    """One page of the portal's leases, newest first, with the choices of the filters."""
    leases = [lease for lease in uow.leases.list() if lease.id is not None]
    if wanted.only_manager is not None:
        leases = [lease for lease in leases if _manager_id(lease) == wanted.only_manager]
    landlords = sorted(
        {(lease.landlord.id or 0, lease.landlord.name) for lease in leases}, key=lambda x: x[1]
    )
    managers = sorted(
        {(_manager_id(lease), lease.manager.name) for lease in leases if lease.manager},
        key=lambda x: x[1],
    )
    debts = _debts(uow, [lease.id or 0 for lease in leases])
    matching = [
        lease
        for lease in leases
        if _matches(lease, today, wanted, debts.get(lease.id or 0, Decimal(0)))
    ]
    matching.sort(key=lambda lease: (lease.signed_on, lease.id or 0), reverse=True)
    pages = max(1, -(-len(matching) // PAGE_SIZE))
    page = min(max(wanted.page, 1), pages)
    chunk = [  # the rent in force worked out for the page's leases only
        _line(lease, today, debts.get(lease.id or 0, Decimal(0)))
        for lease in matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    ]
    return LeasePage(chunk, len(matching), page, pages, landlords, managers)


def managed_by(lease: Lease, manager: str) -> bool:
    """The lease's manager is the CRM user ``manager`` (whom a manager's views show it)."""
    return lease.manager is not None and lease.manager.crm_user_id == manager


def _manager_id(lease: Lease) -> str:
    return lease.manager.crm_user_id if lease.manager is not None else ""


def _debts(uow: UnitOfWork, lease_ids: list[int]) -> dict[int, Decimal]:
    wanted = set(lease_ids)
    by_lease: dict[int, list[IssuedDocument]] = {}
    for invoice in uow.documents.list(kind=DocumentKind.INVOICE, statuses=list(OPEN_STATUSES)):
        if invoice.lease_id in wanted:
            by_lease.setdefault(invoice.lease_id, []).append(invoice)
    return {lease_id: outstanding_debt(docs) for lease_id, docs in by_lease.items()}


def _matches(lease: Lease, today: date, wanted: LeaseFilter, debt: Decimal) -> bool:
    if wanted.status and str(effective_status(lease, today)) != wanted.status:
        return False
    if wanted.landlord is not None and lease.landlord.id != wanted.landlord:
        return False
    if wanted.manager and _manager_id(lease) != wanted.manager:
        return False
    if wanted.with_debt and debt <= 0:
        return False
    needle = wanted.search.strip().casefold()
    if needle:
        haystack = f"{lease.number} {lease.tenant.name} {lease.tenant.inn}".casefold()
        return needle in haystack
    return True


def _line(lease: Lease, today: date, debt: Decimal) -> LeaseLine:
    rent, changes = rent_in_force(lease, today)
    return LeaseLine(
        id=lease.id or 0, number=lease.number, signed_on=lease.signed_on,
        tenant=lease.tenant.name, landlord=lease.landlord.name,
        premises=", ".join(p.code for p in premises_on(lease, today) if p.code),
        start=lease.start, end=lease.effective_end(), status=str(effective_status(lease, today)),
        manager=lease.manager.name if lease.manager else "", debt=debt, currency=lease.currency,
        rent=rent, rent_changes=changes,
    )  # fmt: skip


def rent_in_force(
    lease: Lease, today: date
) -> tuple[Decimal | None, tuple[tuple[date, Decimal], ...]]:
    """The rent in force today and its later changes, as the lease card shows them; none for
    a lease whose stored rent cannot be computed with (stored before amounts were bounded:
    the list still lists it, its card says why)."""
    try:
        terms = terms_in_force(lease, today)
    except (ArithmeticError, ValueError):  # Money refuses Infinity; Decimal, 28+ digits
        return None, ()
    return terms.monthly.amount, tuple((on, rent.amount) for on, rent in terms.changes)
