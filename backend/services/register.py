"""Reading the register in bulk: every premises or tenant matching a filter, a page at a
time (exports, feeds), and cursor pages for the public API."""

from __future__ import annotations

from collections.abc import Iterator

from backend.domain.premises import PremisesCard, PremisesFilter
from backend.domain.tenant_matching import TenantCard
from backend.services.bulk_ports import BulkUnitOfWork

PAGE = 1000


def all_premises(
    uow: BulkUnitOfWork, where: PremisesFilter | None = None
) -> Iterator[PremisesCard]:
    """Every premises matching ``where``, by id, read a page at a time."""
    after = 0
    while True:
        page = uow.estate.premises_page(after=after, limit=PAGE, where=where)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].id or 0


def all_tenants(uow: BulkUnitOfWork, search: str = "") -> Iterator[TenantCard]:
    """Every tenant matching ``search`` (name, INN, phone), by id, a page at a time."""
    after = 0
    while True:
        page = uow.tenant_book.page(after=after, limit=PAGE, search=search)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].id
