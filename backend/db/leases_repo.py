"""Leases with their parties and addenda, as domain ``Lease`` objects."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from backend.db import lease_mapping as lm
from backend.db.batching import in_chunks
from backend.db.parties_repo import PartyRepository
from backend.db.scoped import _Scoped
from backend.db.tables import (
    AddendumRow,
    DocumentRow,
    LandlordAccountRow,
    LandlordRow,
    LeaseRow,
    TenantRow,
    UserRow,
)
from backend.domain.errors import DealHasLease, NotFound
from backend.domain.lease import Addendum, Lease, LeaseStatus, PenaltyInvoicing
from backend.domain.parties import Premises


class LeaseRepository(_Scoped):
    """Leases with their parties and addenda, as domain ``Lease`` objects."""

    def add(
        self,
        lease: Lease,
        *,
        landlord_id: int,
        tenant_id: int,
        premises_ids: Sequence[int] = (),
        manager_id: int | None = None,
        supervisor_id: int | None = None,
        crm_deal_id: str | None = None,
        crm_pipeline_id: str = "",
        now: datetime | None = None,
        accountant_id: int | None = None,
    ) -> int:
        row = LeaseRow(
            portal_id=self.portal_id,
            landlord_id=landlord_id,
            tenant_id=tenant_id,
            premises_ids=list(premises_ids),
            manager_id=manager_id,
            supervisor_id=supervisor_id,
            accountant_id=accountant_id,
            crm_deal_id=crm_deal_id,
            crm_pipeline_id=crm_pipeline_id,
            created_at=now,
            updated_at=now,
        )
        lm.lease_terms_to_row(lease, row)
        try:  # in a savepoint: the caller's transaction survives a deal linked meanwhile
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError as exc:
            if crm_deal_id is None:
                raise
            raise DealHasLease(crm_deal_id) from exc
        for addendum in lease.addenda:
            self._add_addendum_row(row.id, addendum, None)
        lease.id = row.id
        return row.id

    def add_addendum(
        self, lease_id: int, addendum: Addendum, premises_ids: Sequence[int] | None = None
    ) -> int:
        self._get(LeaseRow, lease_id)
        return self._add_addendum_row(lease_id, addendum, premises_ids)

    def _add_addendum_row(
        self, lease_id: int, addendum: Addendum, premises_ids: Sequence[int] | None
    ) -> int:
        rent = addendum.rent
        row = AddendumRow(
            portal_id=self.portal_id,
            lease_id=lease_id,
            number=addendum.number,
            effective_from=addendum.effective_from,
            signed_on=addendum.signed_on,
            rent_amount=None if rent is None else rent.amount,
            rent_basis=None if rent is None else rent.basis.value,
            end=addendum.end,
            premises_ids=None if premises_ids is None else list(premises_ids),
            reminder_days=addendum.reminder_days,
            kind=addendum.kind.value,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, lease_id: int) -> Lease:
        return self._assemble(self._get(LeaseRow, lease_id))

    def get_many(self, lease_ids: Sequence[int]) -> dict[int, Lease]:
        """Lease id -> lease, for the ids of this portal (others are left out)."""
        wanted = sorted(set(lease_ids))
        found: dict[int, Lease] = {}
        for chunk in in_chunks(wanted):
            for lease in self._assemble_many(chunk):
                if lease.id is not None:
                    found[lease.id] = lease
        return found

    def by_deal(self, deal_id: str) -> Lease | None:
        row = self.session.scalar(
            select(LeaseRow).where(
                LeaseRow.portal_id == self.portal_id, LeaseRow.crm_deal_id == deal_id
            )
        )
        return None if row is None else self._assemble(row)

    def deal_of(self, lease_id: int) -> tuple[str | None, str]:
        """(deal id, pipeline id) of the lease's CRM deal."""
        row = self._get(LeaseRow, lease_id)
        return row.crm_deal_id, row.crm_pipeline_id

    def deals_of(self, lease_ids: Sequence[int]) -> dict[int, tuple[str | None, str]]:
        """``deal_of`` for many leases of this portal (others are left out), one query per 500."""
        wanted = sorted(set(lease_ids))
        found: dict[int, tuple[str | None, str]] = {}
        for chunk in in_chunks(wanted):
            rows = self.session.execute(
                select(LeaseRow.id, LeaseRow.crm_deal_id, LeaseRow.crm_pipeline_id).where(
                    LeaseRow.portal_id == self.portal_id,
                    LeaseRow.id.in_(chunk),
                )
            )
            found.update((lease_id, (deal, pipeline)) for lease_id, deal, pipeline in rows)
        return found

    def ids(self, *, statuses: Sequence[LeaseStatus] | None = None) -> list[int]:
        query = (
            select(LeaseRow.id).where(LeaseRow.portal_id == self.portal_id).order_by(LeaseRow.id)
        )
        if statuses is not None:
            query = query.where(LeaseRow.status.in_([s.value for s in statuses]))
        return list(self.session.scalars(query))

    def ids_page(
        self,
        after: int,
        limit: int,
        *,
        statuses: Sequence[LeaseStatus],
        or_invoices: Sequence[str] = (),
    ) -> list[int]:
        """At most ``limit`` ids after ``after``, ascending, of the leases with ``statuses``
        or with an invoice whose status is one of ``or_invoices`` (a lease ended in debt):
        one page of the leases a phase reads, however many the portal has (``after``: the
        previous page's last id, 0 for the first)."""
        owing = (
            select(DocumentRow.id)
            .where(
                DocumentRow.portal_id == self.portal_id,
                DocumentRow.lease_id == LeaseRow.id,
                DocumentRow.kind == "invoice",
                DocumentRow.status.in_(list(or_invoices)),
            )
            .exists()
        )
        query = select(LeaseRow.id).where(
            LeaseRow.portal_id == self.portal_id,
            LeaseRow.id > after,
            or_(LeaseRow.status.in_([s.value for s in statuses]), owing),
        )
        return list(self.session.scalars(query.order_by(LeaseRow.id).limit(limit)))

    def with_terms(
        self,
        among: Collection[int] | None = None,
        *,
        act_on_payment: bool | None = None,
        penalty_invoicing: PenaltyInvoicing | None = None,
    ) -> list[int]:
        """Ids of the leases with these billing terms (an act once its invoice is paid, how
        penalties are invoiced), of ``among`` only when given, in id order: one query, no
        lease assembled (the billing run asks it of every lease each day)."""
        query = select(LeaseRow.id).where(LeaseRow.portal_id == self.portal_id)
        if act_on_payment is not None:
            query = query.where(LeaseRow.act_on_payment.is_(act_on_payment))
        if penalty_invoicing is not None:
            query = query.where(LeaseRow.penalty_invoicing == penalty_invoicing.value)
        found = list(self.session.scalars(query.order_by(LeaseRow.id)))
        if among is None:
            return found
        wanted = set(among)
        return [i for i in found if i in wanted]

    def list(self, *, statuses: Sequence[LeaseStatus] | None = None) -> list[Lease]:
        """Every lease of the portal (with ``statuses``), assembled from a handful of
        queries per 500 leases rather than several per lease."""
        ids = self.ids(statuses=statuses)
        leases: list[Lease] = []
        for chunk in in_chunks(ids):
            leases += self._assemble_many(chunk)
        return leases

    def _assemble_many(self, ids: Sequence[int]) -> Sequence[Lease]:
        """Load the rows the leases ``ids`` are made of in one query per table; the
        session's identity map then serves ``_assemble``'s lookups."""
        rows = self._lease_rows(ids)
        addenda = self._addendum_rows(ids)
        premises = self._premises_of(rows.values(), addenda.values())
        loaded = self._people_rows(rows.values())
        leases = [self._assemble(rows[i], addenda[i], premises) for i in ids if i in rows]
        del loaded
        return leases

    def _lease_rows(self, ids: Sequence[int]) -> dict[int, LeaseRow]:
        query = select(LeaseRow).where(LeaseRow.portal_id == self.portal_id, LeaseRow.id.in_(ids))
        return {r.id: r for r in self.session.scalars(query)}

    def _addendum_rows(self, ids: Sequence[int]) -> Mapping[int, Sequence[AddendumRow]]:
        """Each lease's addenda, by the date they take effect (a lease without one: [])."""
        addenda: dict[int, list[AddendumRow]] = {i: [] for i in ids}
        for a in self.session.scalars(
            select(AddendumRow)
            .where(AddendumRow.lease_id.in_(ids))
            .order_by(AddendumRow.effective_from)
        ):
            addenda[a.lease_id].append(a)
        return addenda

    def _premises_of(
        self, rows: Iterable[LeaseRow], addenda: Iterable[Sequence[AddendumRow]]
    ) -> dict[int, Premises]:
        """The premises the leases and their addenda name, by id."""
        wanted = {i for r in rows for i in (r.premises_ids or [])}
        wanted |= {i for rows_ in addenda for a in rows_ for i in a.premises_ids or []}
        found = PartyRepository(self.session, self.portal_id).premises(sorted(wanted))
        return {p.id: p for p in found if p.id is not None}

    def _people_rows(self, rows: Collection[LeaseRow]) -> tuple[Sequence[object], ...]:
        """The tenants, landlords and users (managers, supervisors) of the leases, one query
        each; the caller holds the answer while assembling, since the identity map keeps
        rows only while they are referenced."""
        users = {u for r in rows for u in (r.manager_id, r.supervisor_id, r.accountant_id) if u}
        return tuple(
            self.session.scalars(select(table).where(table.id.in_(wanted))).all()
            for table, wanted in (
                (TenantRow, {r.tenant_id for r in rows}),
                (LandlordRow, {r.landlord_id for r in rows}),
                (LandlordAccountRow, {r.bank_account_id for r in rows if r.bank_account_id}),
                (UserRow, users),
            )
        )

    def save(self, lease: Lease, now: datetime | None = None) -> None:
        """Write back the lease's own terms, status and flags (not its parties)."""
        if lease.id is None:
            raise NotFound("lease without id")
        row = self._get(LeaseRow, lease.id)
        lm.lease_terms_to_row(lease, row)
        row.updated_at = now or row.updated_at

    def set_people(self, lease_id: int, people: Mapping[str, int | None]) -> None:
        """Point the lease at other people: ``manager``, ``supervisor`` and/or
        ``accountant`` -> a user row's id (None: nobody)."""
        row = self._get(LeaseRow, lease_id)
        for role, user_id in people.items():
            if role not in {"manager", "supervisor", "accountant"}:
                raise ValueError(f"no such role on a lease: {role}")
            setattr(row, f"{role}_id", user_id)

    def bank_account_of(self, lease_id: int) -> int | None:
        """The landlord's account the lease is paid to (None: the landlord's default)."""
        row: LeaseRow = self._get(LeaseRow, lease_id)
        return row.bank_account_id

    def set_bank_account(self, lease_id: int, account_id: int | None) -> None:
        """Have the lease paid to its landlord's account ``account_id`` (None: the default);
        the caller has checked the account is that landlord's."""
        self._get(LeaseRow, lease_id).bank_account_id = account_id

    def leases_paid_to(self, account_ids: Collection[int]) -> dict[int, tuple[str, ...]]:
        """The numbers of the leases paid to each of ``account_ids`` (those with any)."""
        found: dict[int, tuple[str, ...]] = {}
        rows = self.session.execute(
            select(LeaseRow.bank_account_id, LeaseRow.number)
            .where(LeaseRow.portal_id == self.portal_id, LeaseRow.bank_account_id.in_(account_ids))
            .order_by(LeaseRow.id)
        )
        for account_id, number in rows:
            if account_id is not None:
                found[account_id] = (*found.get(account_id, ()), number)
        return found

    def set_recipients(self, lease_id: int, emails: Sequence[str]) -> None:
        """The addresses the lease's documents go to (its tenant's e-mails)."""
        row = self._get(LeaseRow, lease_id)
        tenant = self._get(TenantRow, row.tenant_id)
        tenant.emails = list(emails)

    def link_deal(self, lease_id: int, deal_id: str, pipeline_id: str) -> None:
        row = self._get(LeaseRow, lease_id)
        row.crm_deal_id, row.crm_pipeline_id = deal_id, pipeline_id

    def _assemble(
        self,
        row: LeaseRow,
        addendum_rows: Sequence[AddendumRow] | None = None,
        known_premises: dict[int, Premises] | None = None,
    ) -> Lease:
        parties = PartyRepository(self.session, self.portal_id)
        if addendum_rows is None:
            addendum_rows = self.session.scalars(
                select(AddendumRow)
                .where(AddendumRow.lease_id == row.id)
                .order_by(AddendumRow.effective_from)
            ).all()
        wanted = [
            *(row.premises_ids or []),
            *(i for a in addendum_rows for i in a.premises_ids or []),
        ]
        by_id = dict(known_premises or {})
        missing = sorted({i for i in wanted if i not in by_id})
        by_id.update({p.id: p for p in parties.premises(missing) if p.id is not None})
        premises = tuple(by_id[i] for i in row.premises_ids or [] if i in by_id)
        return lm.lease_from_row(
            row,
            parties.landlord_paid_to(row.landlord_id, row.bank_account_id),
            parties.tenant(row.tenant_id),
            premises,
            [lm.addendum_from_row(a, by_id) for a in addendum_rows],
            lm.person_from_row(
                self.session.get(UserRow, row.manager_id) if row.manager_id else None
            ),
            lm.person_from_row(
                self.session.get(UserRow, row.supervisor_id) if row.supervisor_id else None
            ),
            lm.person_from_row(
                self.session.get(UserRow, row.accountant_id) if row.accountant_id else None
            ),
        )
