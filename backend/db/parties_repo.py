"""Landlord entities, tenants, premises and people of one portal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import aliased

from backend.db import lease_mapping as lm
from backend.db.scoped import _Scoped
from backend.db.tables import (
    LandlordAccountRow,
    LandlordRow,
    PremisesRow,
    TenantRow,
    UserRow,
)
from backend.domain.errors import NotFound
from backend.domain.parties import BankRequisites, LandlordEntity, Person, Premises, Tenant

_SAME_ENTITY = aliased(LandlordRow)
# built once: an aliased entity's columns cost more to build per call than the query to run
_NUMBERING_ROW = (
    select(LandlordRow)
    .join(
        _SAME_ENTITY,
        and_(_SAME_ENTITY.inn == LandlordRow.inn, _SAME_ENTITY.kpp == LandlordRow.kpp),
    )
    .where(
        _SAME_ENTITY.id == bindparam("landlord_id"),
        _SAME_ENTITY.portal_id == bindparam("portal_id"),
        LandlordRow.portal_id == bindparam("portal_id"),
    )
    .order_by(LandlordRow.id)
    .limit(1)
)


class PartyRepository(_Scoped):
    """Landlord entities, tenants, premises and people of one portal."""

    def add_landlord(self, entity: LandlordEntity, settings: dict[str, Any] | None = None) -> int:
        row = LandlordRow(portal_id=self.portal_id, settings=settings or {})
        lm.landlord_to_row(entity, row)
        self.session.add(row)
        self.session.flush()
        self._write_accounts(row.id, entity)
        return row.id

    def landlord(self, landlord_id: int) -> LandlordEntity:
        """The landlord with every account, ``bank`` its default."""
        row = self._get(LandlordRow, landlord_id)
        return self._with_accounts(row, self._account_rows([landlord_id]))

    def landlord_paid_to(self, landlord_id: int, account_id: int | None) -> LandlordEntity:
        """The landlord as a lease paid to ``account_id`` prints it: ``bank`` that account
        (the default when None or not the landlord's); its other accounts are not loaded."""
        row = self._get(LandlordRow, landlord_id)
        chosen = self.session.get(LandlordAccountRow, account_id) if account_id else None
        if chosen is None or chosen.landlord_id != landlord_id:
            return lm.landlord_from_row(row)
        return lm.landlord_from_row(row, bank=lm.account_from_row(chosen))

    def account_numbers(self) -> set[str]:
        """The settlement accounts of every landlord of the portal."""
        return set(
            self.session.scalars(
                select(LandlordAccountRow.account).where(
                    LandlordAccountRow.portal_id == self.portal_id
                )
            )
        )

    def _account_rows(self, landlord_ids: Sequence[int]) -> list[LandlordAccountRow]:
        return list(
            self.session.scalars(
                select(LandlordAccountRow)
                .where(
                    LandlordAccountRow.portal_id == self.portal_id,
                    LandlordAccountRow.landlord_id.in_(landlord_ids),
                )
                .order_by(LandlordAccountRow.position, LandlordAccountRow.id)
            )
        )

    @staticmethod
    def _with_accounts(row: LandlordRow, mine: Sequence[LandlordAccountRow]) -> LandlordEntity:
        """The landlord of ``row`` with its account rows ``mine`` (in their order)."""
        default = next((lm.account_from_row(r) for r in mine if r.is_default), None)
        return lm.landlord_from_row(row, tuple(lm.account_from_row(r) for r in mine), default)

    def _write_accounts(self, landlord_id: int, entity: LandlordEntity) -> None:
        """Store ``entity.accounts`` in its order (the default: the one that is ``bank``),
        deleting the landlord's accounts it no longer lists; without ``accounts`` (the
        single-account JSON), ``bank`` replaces the default account and the others stay."""
        stored = {r.id: r for r in self._account_rows([landlord_id])}
        if not entity.accounts:
            default = next((r for r in stored.values() if r.is_default), None)
            label = entity.bank.label or (default.label if default is not None else "")
            position = default.position if default is not None else 0
            bank = replace(entity.bank, label=label)
            self._put_account(landlord_id, default, bank, True, position)
            return
        kept = set()
        for position, account in enumerate(entity.accounts):
            target = stored.get(account.id) if account.id is not None else None
            is_default = account.same_account(entity.bank)
            kept.add(self._put_account(landlord_id, target, account, is_default, position))
        for account_id, gone in stored.items():
            if account_id not in kept:
                self.session.delete(gone)
        self.session.flush()

    def _put_account(
        self,
        landlord_id: int,
        row: LandlordAccountRow | None,
        account: BankRequisites,
        is_default: bool,
        position: int,
    ) -> int:
        if row is None:
            row = LandlordAccountRow(portal_id=self.portal_id, landlord_id=landlord_id)
            self.session.add(row)
        lm.account_to_row(account, row)
        row.is_default, row.position = is_default, position
        self.session.flush()
        return row.id

    def landlord_ids(self, inn: str, kpp: str) -> list[int]:
        """The portal's landlord rows of one legal entity (INN and KPP), oldest first."""
        return list(
            self.session.scalars(
                select(LandlordRow.id)
                .where(
                    LandlordRow.portal_id == self.portal_id,
                    LandlordRow.inn == inn,
                    LandlordRow.kpp == kpp,
                )
                .order_by(LandlordRow.id)
            )
        )

    def numbering_of(self, landlord_id: int) -> tuple[int, dict[str, Any]]:
        """The row that holds the numbering of the landlord's legal entity (its oldest row with
        the same INN and KPP) and that row's settings, in one query."""
        row = self.session.scalar(
            _NUMBERING_ROW, {"landlord_id": landlord_id, "portal_id": self.portal_id}
        )
        if row is None:
            raise NotFound(f"landlords {landlord_id}")
        return row.id, dict(row.settings or {})

    def landlord_settings(self, landlord_id: int) -> dict[str, Any]:
        return dict(self._get(LandlordRow, landlord_id).settings or {})

    def update_landlord(
        self, landlord_id: int, entity: LandlordEntity, settings: dict[str, Any]
    ) -> None:
        row = self._get(LandlordRow, landlord_id)
        lm.landlord_to_row(entity, row)
        row.settings = dict(settings)
        self._write_accounts(landlord_id, entity)

    def landlords(self) -> list[LandlordEntity]:
        rows = self.session.scalars(
            select(LandlordRow)
            .where(LandlordRow.portal_id == self.portal_id)
            .order_by(LandlordRow.id)
        ).all()
        by_landlord: dict[int, list[LandlordAccountRow]] = {}
        for account in self._account_rows([r.id for r in rows]):
            by_landlord.setdefault(account.landlord_id, []).append(account)
        return [self._with_accounts(r, by_landlord.get(r.id, [])) for r in rows]

    def add_tenant(self, tenant: Tenant, external_id: str = "") -> int:
        row = TenantRow(portal_id=self.portal_id, external_id=external_id)
        lm.tenant_to_row(tenant, row)
        self.session.add(row)
        self.session.flush()
        return row.id

    def tenant(self, tenant_id: int) -> Tenant:
        return lm.tenant_from_row(self._get(TenantRow, tenant_id))

    def tenants_by_inn(self, inn: str) -> list[Tenant]:
        rows = self.session.scalars(
            select(TenantRow).where(TenantRow.portal_id == self.portal_id, TenantRow.inn == inn)
        )
        return [lm.tenant_from_row(r) for r in rows]

    def add_premises(self, premises: Premises) -> int:
        row = PremisesRow(
            portal_id=self.portal_id,
            code=premises.code,
            name=premises.name,
            area_m2=premises.area_m2,
            kind=premises.kind.value,
            floor=premises.floor,
            building=premises.building,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def premises_named(self, building: str, code: str) -> int | None:
        """The register's premises with this number and building (the building's case and
        spaces aside), the first registered when there are several; None when none matches."""
        wanted = " ".join(building.split()).casefold()
        rows = self.session.execute(
            select(PremisesRow.id, PremisesRow.building)
            .where(PremisesRow.portal_id == self.portal_id, PremisesRow.code == code.strip())
            .order_by(PremisesRow.id)
        )
        for row_id, row_building in rows:
            if " ".join(row_building.split()).casefold() == wanted:
                return int(row_id)
        return None

    def premises(self, ids: Sequence[int]) -> tuple[Premises, ...]:
        if not ids:
            return ()
        rows = self.session.scalars(
            select(PremisesRow).where(
                PremisesRow.portal_id == self.portal_id, PremisesRow.id.in_(ids)
            )
        )
        by_id = {r.id: lm.premises_from_row(r) for r in rows}
        return tuple(by_id[i] for i in ids if i in by_id)

    def add_person(self, person: Person) -> int:
        row = UserRow(
            portal_id=self.portal_id,
            name=person.name,
            email=person.email,
            crm_user_id=person.crm_user_id,
            position=person.position,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def update_person(self, person_id: int, person: Person) -> None:
        """Keep a known person's name and e-mail as the CRM gives them now."""
        row = self._get(UserRow, person_id)
        row.name, row.email = person.name, person.email

    def person_by_crm_id(self, crm_user_id: str) -> tuple[int, Person] | None:
        row = self.session.scalar(
            select(UserRow).where(
                UserRow.portal_id == self.portal_id, UserRow.crm_user_id == crm_user_id
            )
        )
        person = lm.person_from_row(row)
        return None if row is None or person is None else (row.id, person)
