"""Tenants of one portal as imports see them: external ids, current and past phones.

``index_for`` loads what seed 002's matching needs for one batch; ``apply`` writes a batch's
decisions with a few executemany statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from backend.db.batching import in_chunks
from backend.db.tables import TenantExternalIdRow, TenantPhoneRow, TenantRow
from backend.domain.errors import NotFound
from backend.domain.tenant_matching import (
    ExternalId,
    KnownTenant,
    MatchAction,
    MatchDecision,
    TenantCard,
    TenantIndex,
    TenantKey,
    TenantRecord,
)


def _values(record: TenantRecord) -> dict[str, Any]:
    return {
        "name": record.name, "kind": record.kind, "inn": record.inn, "kpp": record.kpp,
        "emails": list(record.emails), "address": record.address,
    }  # fmt: skip


class TenantBookRepository:
    """Tenants, their external ids and phone history, of one portal."""

    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def index_for(self, external_ids: Iterable[str], phones: Iterable[str]) -> TenantIndex:
        """The tenants an import batch may touch: those with one of ``external_ids``, or who
        have or had one of ``phones``."""
        index = TenantIndex()
        by_id: dict[int, set[str]] = {}
        for chunk in in_chunks(sorted({e for e in external_ids if e})):
            for tenant_id, external_id in self.session.execute(
                select(TenantExternalIdRow.tenant_id, TenantExternalIdRow.external_id).where(
                    TenantExternalIdRow.portal_id == self.portal_id,
                    TenantExternalIdRow.external_id.in_(chunk),
                )
            ):
                by_id.setdefault(tenant_id, set()).add(external_id)
        past: list[tuple[int, str]] = []
        for chunk in in_chunks(sorted({p for p in phones if p})):
            for tenant_id, phone, current in self.session.execute(
                select(
                    TenantPhoneRow.tenant_id, TenantPhoneRow.phone, TenantPhoneRow.current
                ).where(TenantPhoneRow.portal_id == self.portal_id, TenantPhoneRow.phone.in_(chunk))
            ):
                by_id.setdefault(tenant_id, set())
                if not current:
                    past.append((tenant_id, phone))
        for ids in in_chunks(sorted(by_id)):
            for tenant_id, phone, do_not_sync in self.session.execute(
                select(TenantRow.id, TenantRow.phone, TenantRow.do_not_sync).where(
                    TenantRow.portal_id == self.portal_id, TenantRow.id.in_(ids)
                )
            ):
                index.add(KnownTenant(tenant_id, phone, do_not_sync), tuple(by_id[tenant_id]))
        for tenant_id, phone in past:
            index.had_phone(tenant_id, phone)
        return index

    def apply(
        self, decisions: Sequence[tuple[MatchDecision, TenantRecord, TenantKey]]
    ) -> dict[str, int]:
        """Carry out a batch's decisions (``TenantKey`` is the provisional key of a create)
        and count them by action."""
        counts: dict[str, int] = {}
        creates = [(r, key) for d, r, key in decisions if d.action is MatchAction.CREATE]
        real: dict[TenantKey, int] = {}
        if creates:
            ids = self.session.scalars(
                insert(TenantRow).returning(TenantRow.id, sort_by_parameter_order=True),
                [
                    {
                        "portal_id": self.portal_id,
                        "phone": r.phone,
                        "external_id": r.external_id,
                        **_values(r),
                    }
                    for r, _ in creates
                ],
            ).all()
            real.update({key: tenant_id for (_, key), tenant_id in zip(creates, ids, strict=True)})
            self._add_ids([(real[k], r.external_id, r.external_note) for r, k in creates])
            self._add_phones([(real[k], r.phone) for r, k in creates])
        updates: dict[int, dict[str, Any]] = {}
        new_ids: list[tuple[int, str, str]] = []
        new_phones: list[tuple[int, str]] = []
        for decision, record, _ in decisions:
            counts[decision.action.value] = counts.get(decision.action.value, 0) + 1
            if decision.tenant is None:
                continue
            tenant_id = real.get(decision.tenant) or int(decision.tenant)
            if decision.action is MatchAction.UPDATE:
                updates[tenant_id] = {**updates.get(tenant_id, {}), "id": tenant_id,
                                      **_values(record)}  # fmt: skip
            elif decision.action is MatchAction.UPDATE_WITH_PHONE:
                updates[tenant_id] = {"id": tenant_id, "phone": record.phone, **_values(record)}
                new_phones.append((tenant_id, record.phone))
            elif decision.action is MatchAction.ADD_EXTERNAL_ID and record.external_id:
                new_ids.append((tenant_id, record.external_id, record.external_note))
        if updates:
            self.session.execute(update(TenantRow), list(updates.values()))
        self._add_ids(new_ids)
        self.move_phones(new_phones)
        return counts

    def _add_ids(self, rows: Sequence[tuple[int, str, str]]) -> None:
        values = [
            {"portal_id": self.portal_id, "tenant_id": t, "external_id": e, "note": n}
            for t, e, n in rows
            if e
        ]
        if values:
            self.session.execute(insert(TenantExternalIdRow), values)

    def _add_phones(self, rows: Sequence[tuple[int, str]]) -> None:
        values = [
            {"portal_id": self.portal_id, "tenant_id": t, "phone": p, "current": True}
            for t, p in rows
            if p
        ]
        if values:
            self.session.execute(insert(TenantPhoneRow), values)

    def move_phones(self, rows: Sequence[tuple[int, str]]) -> None:
        """The tenant's current phone becomes past; the new one current (or current again)."""
        for tenant_id, phone in rows:
            # tenant_id is one of this portal's (matching found it): by tenant_id alone, so
            # SQLite takes the tenant_id index rather than walking (portal_id, phone, ...)
            self.session.execute(
                update(TenantPhoneRow)
                .where(TenantPhoneRow.tenant_id == tenant_id)
                .values(current=TenantPhoneRow.phone == phone)
            )
            known = self.session.scalar(
                select(TenantPhoneRow.id).where(
                    TenantPhoneRow.tenant_id == tenant_id, TenantPhoneRow.phone == phone
                )
            )
            if known is None:
                self._add_phones([(tenant_id, phone)])

    # --- reading ---
    def card(self, tenant_id: int) -> TenantCard:
        row = self.session.get(TenantRow, tenant_id)
        if row is None or row.portal_id != self.portal_id:
            raise NotFound(f"tenant {tenant_id}")
        return self._cards([row])[0]

    def page(self, *, after: int = 0, limit: int = 100, search: str = "") -> list[TenantCard]:
        """Tenants by id after ``after``; ``search`` matches the name, INN or phone digits."""
        query = select(TenantRow).where(TenantRow.portal_id == self.portal_id, TenantRow.id > after)
        if search:
            query = query.where(
                or_(
                    TenantRow.name.ilike(f"%{search}%"),
                    TenantRow.inn == search,
                    TenantRow.phone.contains(search),
                )
            )
        rows = list(self.session.scalars(query.order_by(TenantRow.id).limit(limit)))
        return self._cards(rows)

    def _cards(self, rows: Sequence[TenantRow]) -> list[TenantCard]:
        ids: dict[int, list[ExternalId]] = {}
        for chunk in in_chunks([row.id for row in rows]):
            for tenant_id, value, note in self.session.execute(
                select(
                    TenantExternalIdRow.tenant_id,
                    TenantExternalIdRow.external_id,
                    TenantExternalIdRow.note,
                )
                # the ids are this portal's tenants already; a portal_id test here makes
                # SQLite walk the (portal_id, external_id) index instead of tenant_id's
                .where(TenantExternalIdRow.tenant_id.in_(chunk))
                .order_by(TenantExternalIdRow.id)
            ):
                ids.setdefault(tenant_id, []).append(ExternalId(value, note))
        return [
            TenantCard(
                id=row.id,
                name=row.name,
                kind=row.kind,
                inn=row.inn,
                kpp=row.kpp,
                phone=row.phone,
                emails=tuple(row.emails or ()),
                address=row.address,
                external_ids=tuple(ids.get(row.id, ())),
                do_not_sync=row.do_not_sync,
            )
            for row in rows
        ]

    def set_do_not_sync(self, tenant_id: int, flag: bool) -> None:
        self.card(tenant_id)
        self.session.execute(
            update(TenantRow).where(TenantRow.id == tenant_id).values(do_not_sync=flag)
        )
