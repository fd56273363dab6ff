"""The premises register of one portal: premises, buildings, sections, personal accounts.

Written for imports of tens of thousands of rows: each batch costs a few IN queries and one
executemany per table, never a query per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from backend.db.batching import IN_LIST_SIZE, in_chunks
from backend.db.tables import (
    AddendumRow,
    BuildingRow,
    BuildingSectionRow,
    LeaseRow,
    PersonalAccountRow,
    PremisesRow,
    TenantExternalIdRow,
)
from backend.domain.errors import NotFound
from backend.domain.parties import PremisesKind
from backend.domain.premises import (
    Building,
    InvalidRecord,
    PersonalAccount,
    PremisesCard,
    PremisesFilter,
    PremisesStatus,
    Section,
    status_from_leases,
)

VACANT = PremisesStatus.VACANT


def card_of(row: PremisesRow, by_leases: Mapping[int, PremisesStatus]) -> PremisesCard:
    """The premises of ``row``; its status is what its leases make of it (``by_leases``, see
    ``EstateRepository.lease_statuses``), the stored one when no lease names it."""
    leased = by_leases.get(row.id)
    return PremisesCard(
        building=row.building, number=row.code, area_m2=row.area_m2,
        kind=PremisesKind(row.kind), section=row.section, floor=row.floor,
        price_per_m2=row.price_per_m2, status=leased or PremisesStatus(row.status),
        external_id=row.external_id, publish=row.publish, description=row.description,
        name=row.name, id=row.id, by_leases=leased is not None,
    )  # fmt: skip


def _values(card: PremisesCard) -> dict[str, Any]:
    return {
        "code": card.number, "name": card.name or card.number, "area_m2": card.area_m2,
        "kind": card.kind.value, "floor": card.floor, "building": card.building,
        "section": card.section, "price_per_m2": card.price_per_m2,
        "status": card.status.value, "external_id": card.external_id,
        "publish": card.publish, "description": card.description,
    }  # fmt: skip


def account_of(row: PersonalAccountRow, premises: str, tenant: str) -> PersonalAccount:
    return PersonalAccount(
        number=row.number, premises_external_id=premises, tenant_external_id=tenant,
        external_id=row.external_id, hidden=row.hidden, id=row.id,
    )  # fmt: skip


class EstateRepository:
    """Premises, buildings, sections and personal accounts of one portal."""

    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    # --- premises ---
    def upsert_premises(self, cards: Sequence[PremisesCard]) -> tuple[int, int]:
        """Create or overwrite premises, matched by external id, else by building + number.
        Returns (created, updated)."""
        existing = self._existing(cards)
        inserts: list[dict[str, Any]] = []
        updates: dict[int, dict[str, Any]] = {}
        for card in cards:
            key = ("x", card.external_id) if card.external_id else ("n", card.building, card.number)
            values = _values(card)
            found = existing.get(key)
            if found is None:
                inserts.append({"portal_id": self.portal_id, **values})
                existing[key] = -len(inserts)  # a second record of the same premises
            elif found < 0:
                inserts[-found - 1] = {"portal_id": self.portal_id, **values}
            else:
                updates[found] = {"id": found, **values}
        if inserts:
            self.session.execute(insert(PremisesRow), inserts)
        if updates:
            self.session.execute(update(PremisesRow), list(updates.values()))
        return len(inserts), len(updates)

    def _existing(self, cards: Sequence[PremisesCard]) -> dict[tuple[str, ...], int]:
        found: dict[tuple[str, ...], int] = {}
        ids = {c.external_id for c in cards if c.external_id}
        numbers = {c.number for c in cards if not c.external_id}
        for chunk in in_chunks(sorted(ids)):
            for row_id, external_id in self.session.execute(
                select(PremisesRow.id, PremisesRow.external_id).where(
                    PremisesRow.portal_id == self.portal_id, PremisesRow.external_id.in_(chunk)
                )
            ):
                found[("x", external_id)] = row_id
        for chunk in in_chunks(sorted(numbers)):
            for row_id, building, code in self.session.execute(
                select(PremisesRow.id, PremisesRow.building, PremisesRow.code).where(
                    PremisesRow.portal_id == self.portal_id, PremisesRow.code.in_(chunk)
                )
            ):
                found[("n", building, code)] = row_id
        return found

    def premises_card(self, premises_id: int) -> PremisesCard:
        row = self.session.get(PremisesRow, premises_id)
        if row is None or row.portal_id != self.portal_id:
            raise NotFound(f"premises {premises_id}")
        return card_of(row, self.lease_statuses())

    def save_premises(self, card: PremisesCard) -> None:
        """Overwrite the stored premises ``card.id`` (``NotFound`` for another portal's)."""
        row = self.session.get(PremisesRow, card.id)
        if row is None or row.portal_id != self.portal_id:
            raise NotFound(f"premises {card.id}")
        for name, value in _values(card).items():
            setattr(row, name, value)
        self.session.flush()

    def premises_page(
        self, *, after: int = 0, limit: int = 100, where: PremisesFilter | None = None
    ) -> list[PremisesCard]:
        """Premises by id, the next ``limit`` after id ``after`` (cursor pagination). The
        status a filter asks for is the one leases give (``card_of``), so it is checked on
        the cards, reading the rows a batch at a time until the page is full."""
        where = where or PremisesFilter()
        query = select(PremisesRow).where(PremisesRow.portal_id == self.portal_id)
        for column, value in (
            (PremisesRow.building, where.building),
            (PremisesRow.floor, where.floor),
            (PremisesRow.kind, where.kind),
        ):
            if value:
                query = query.where(column == value)
        by_leases = self.lease_statuses()
        page: list[PremisesCard] = []
        batch = limit if not where.status else max(limit, IN_LIST_SIZE)
        while len(page) < limit:
            rows = list(
                self.session.scalars(
                    query.where(PremisesRow.id > after).order_by(PremisesRow.id).limit(batch)
                )
            )
            cards = (card_of(row, by_leases) for row in rows)
            page.extend(c for c in cards if not where.status or c.status == where.status)
            if len(rows) < batch:
                break
            after = rows[-1].id
        return page[:limit]

    def register(self) -> list[PremisesCard]:
        """Every premises of the portal (the feed needs whole floors)."""
        rows = self.session.scalars(
            select(PremisesRow).where(PremisesRow.portal_id == self.portal_id)
        )
        by_leases = self.lease_statuses()
        return [card_of(row, by_leases) for row in rows]

    def taken_ids(self) -> set[int]:
        """Ids of premises a lease holds (booked ... registered)."""
        return {i for i, status in self.lease_statuses().items() if status is not VACANT}

    def lease_statuses(self) -> dict[int, PremisesStatus]:
        """Premises id -> the status its leases give it, for every premises a lease of the
        portal names, whatever the lease's status and its addenda's premises included: the
        lease's own premises rows, and the register's premises with the same building and
        number (a lease made from the lease JSON carries its premises by building and code).
        A few queries for the whole register, never one per premises or lease."""
        named: dict[int, list[str]] = {}
        leases = select(LeaseRow.status, LeaseRow.premises_ids).where(
            LeaseRow.portal_id == self.portal_id
        )
        addenda = (
            select(LeaseRow.status, AddendumRow.premises_ids)
            .join(LeaseRow, AddendumRow.lease_id == LeaseRow.id)
            .where(AddendumRow.portal_id == self.portal_id)
        )
        for status, ids in [*self.session.execute(leases), *self.session.execute(addenda)]:
            for premises_id in ids or ():
                named.setdefault(int(premises_id), []).append(status)
        places: dict[tuple[str, str], list[str]] = {}
        for row_id, building, code in self._places(PremisesRow.id, sorted(named)):
            places.setdefault((building, code), []).extend(named[row_id])
        codes = sorted({code for _, code in places})
        for row_id, building, code in self._places(PremisesRow.code, codes):
            named.setdefault(row_id, []).extend(places.get((building, code), ()))
        return {i: status_from_leases(statuses) for i, statuses in named.items()}

    def _places(self, column: Any, keys: Sequence[Any]) -> list[tuple[int, str, str]]:
        """(id, building, number) of the premises whose ``column`` is one of ``keys``."""
        found: list[tuple[int, str, str]] = []
        for chunk in in_chunks(keys):
            query = select(PremisesRow.id, PremisesRow.building, PremisesRow.code).where(
                PremisesRow.portal_id == self.portal_id, column.in_(chunk)
            )
            found.extend((i, b, c) for i, b, c in self.session.execute(query))
        return found

    # --- buildings and sections ---
    def upsert_buildings(self, buildings: Iterable[Building]) -> int:
        count = 0
        for building in buildings:
            row = self.session.scalar(
                select(BuildingRow).where(
                    BuildingRow.portal_id == self.portal_id, BuildingRow.name == building.name
                )
            )
            if row is None:
                row = BuildingRow(portal_id=self.portal_id, name=building.name)
                self.session.add(row)
            row.address, row.description = building.address, building.description
            count += 1
        self.session.flush()
        return count

    def upsert_sections(self, sections: Iterable[Section]) -> int:
        count = 0
        for section in sections:
            row = self.session.scalar(
                select(BuildingSectionRow).where(
                    BuildingSectionRow.portal_id == self.portal_id,
                    BuildingSectionRow.building == section.building,
                    BuildingSectionRow.name == section.name,
                )
            )
            if row is None:
                row = BuildingSectionRow(
                    portal_id=self.portal_id, building=section.building, name=section.name
                )
                self.session.add(row)
            row.description = section.description
            count += 1
        self.session.flush()
        return count

    def descriptions(self) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
        """(building, section) → section description, and building → description."""
        sections = {
            (b, n): d
            for b, n, d in self.session.execute(
                select(
                    BuildingSectionRow.building,
                    BuildingSectionRow.name,
                    BuildingSectionRow.description,
                ).where(BuildingSectionRow.portal_id == self.portal_id)
            )
        }
        return sections, self._by_building(BuildingRow.description)

    def _by_building(self, column: Any) -> dict[str, str]:
        query = select(BuildingRow.name, column).where(BuildingRow.portal_id == self.portal_id)
        return dict(self.session.execute(query).all())  # Result has keys(): dict() misreads it

    def addresses(self) -> dict[str, str]:
        """Building name → address."""
        return self._by_building(BuildingRow.address)

    # --- personal accounts ---
    def upsert_accounts(self, accounts: Sequence[PersonalAccount]) -> tuple[int, int]:
        """Create or overwrite accounts by number; their premises and tenant are named by
        external id and must exist (raises ``InvalidRecord`` naming the first unknown)."""
        premises = self._ids(
            PremisesRow, PremisesRow.external_id, {a.premises_external_id for a in accounts}
        )
        tenants = self._ids(
            TenantExternalIdRow,
            TenantExternalIdRow.external_id,
            {a.tenant_external_id for a in accounts},
            id_column=TenantExternalIdRow.tenant_id,
        )
        existing = self._ids(
            PersonalAccountRow, PersonalAccountRow.number, {a.number for a in accounts}
        )
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[int, dict[str, Any]] = {}
        for account in accounts:
            values = {
                "number": account.number,
                "premises_id": _resolve(premises, account.premises_external_id, "premises"),
                "tenant_id": _resolve(tenants, account.tenant_external_id, "tenant"),
                "external_id": account.external_id,
                "hidden": account.hidden,
            }
            if account.number in existing:
                updates[existing[account.number]] = {"id": existing[account.number], **values}
            else:
                inserts[account.number] = {"portal_id": self.portal_id, **values}
        if inserts:
            self.session.execute(insert(PersonalAccountRow), list(inserts.values()))
        if updates:
            self.session.execute(update(PersonalAccountRow), list(updates.values()))
        return len(inserts), len(updates)

    def _ids(
        self, table: Any, column: Any, keys: set[str], *, id_column: Any = None
    ) -> dict[str, int]:
        found: dict[str, int] = {}
        wanted = sorted(k for k in keys if k)
        for chunk in in_chunks(wanted):
            found.update(
                (k, v)
                for k, v in self.session.execute(
                    select(column, id_column if id_column is not None else table.id).where(
                        table.portal_id == self.portal_id, column.in_(chunk)
                    )
                )
            )
        return found

    def accounts_page(self, *, after: int = 0, limit: int = 100) -> list[PersonalAccount]:
        rows = self.session.execute(
            select(PersonalAccountRow, PremisesRow.external_id)
            .outerjoin(PremisesRow, PremisesRow.id == PersonalAccountRow.premises_id)
            .where(PersonalAccountRow.portal_id == self.portal_id, PersonalAccountRow.id > after)
            .order_by(PersonalAccountRow.id)
            .limit(limit)
        ).all()
        tenant_ids = {row.tenant_id for row, _ in rows if row.tenant_id}
        first_ids = self._first_external_ids(tenant_ids)
        return [
            account_of(row, premises or "", first_ids.get(row.tenant_id or 0, ""))
            for row, premises in rows
        ]

    def _first_external_ids(self, tenant_ids: set[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for chunk in in_chunks(sorted(tenant_ids)):
            for tenant_id, external_id in self.session.execute(
                select(TenantExternalIdRow.tenant_id, TenantExternalIdRow.external_id)
                # the ids are this portal's tenants already; a portal_id test here makes
                # SQLite walk the (portal_id, external_id) index instead of tenant_id's
                .where(TenantExternalIdRow.tenant_id.in_(chunk))
                .order_by(TenantExternalIdRow.id)
            ):
                found.setdefault(tenant_id, external_id)
        return found


def _resolve(ids: Mapping[str, int], external_id: str, what: str) -> int | None:
    if not external_id:
        return None
    try:
        return ids[external_id]
    except KeyError:
        raise InvalidRecord(what, f"no {what} with external id {external_id!r}") from None
