"""Repositories: the only doors to the tables. Each is bound to one portal (except portals)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from backend.db import lease_mapping as lm
from backend.db.batching import in_chunks
from backend.db.portal_cache import PortalCache
from backend.db.tables import (
    AddendumRow,
    AllocationRow,
    AuditRow,
    BillingRunChunkRow,
    BillingRunRow,
    DocumentLinkRow,
    DocumentRow,
    LandlordRow,
    LeaseRow,
    OutboxRow,
    PaymentRow,
    PortalRow,
    PremisesRow,
    StageMappingRow,
    TenantRow,
    UserRow,
)
from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine, RunTally
from backend.domain.documents import DocumentPurpose, IssuedDocument
from backend.domain.errors import AlreadyIssued, NotFound
from backend.domain.lease import Addendum, Lease, LeaseStatus
from backend.domain.messages import Attachment, MessageStatus, OutboxMessage
from backend.domain.money import Money
from backend.domain.parties import LandlordEntity, Person, Premises, Tenant
from backend.domain.payments import Allocation, Payment
from backend.domain.portal import Portal, PortalStatus


def _portal_from_row(row: PortalRow) -> Portal:
    return Portal(
        id=row.id,
        kind=row.kind,
        external_id=row.external_id,
        domain=row.domain,
        name=row.name,
        status=PortalStatus(row.status),
        settings=dict(row.settings or {}),
    )


class PortalRepository:
    """Installations. Not portal-scoped: it is how a request finds its portal."""

    def __init__(self, session: Session, cache: PortalCache | None = None) -> None:
        self.session = session
        self.cache = cache
        self.changed = False  # the unit of work clears the cache when this commits

    def add(self, portal: Portal, installed_at: datetime) -> Portal:
        self.changed = True
        row = PortalRow(
            kind=portal.kind,
            external_id=portal.external_id,
            domain=portal.domain,
            name=portal.name,
            status=portal.status.value,
            settings=dict(portal.settings),
            installed_at=installed_at,
        )
        self.session.add(row)
        self.session.flush()
        return _portal_from_row(row)

    def get(self, portal_id: int) -> Portal:
        row = self.session.get(PortalRow, portal_id)
        if row is None:
            raise NotFound(f"portal {portal_id}")
        return _portal_from_row(row)

    def find(self, kind: str, external_id: str) -> Portal | None:
        row = self.session.scalar(
            select(PortalRow).where(PortalRow.kind == kind, PortalRow.external_id == external_id)
        )
        return None if row is None else _portal_from_row(row)

    def find_recent(self, kind: str, external_id: str) -> Portal | None:
        """``find`` from the process's portal cache (``backend.db.portal_cache``): for checking
        incoming events, where a few seconds' staleness across processes is harmless."""
        if self.cache is None:
            return self.find(kind, external_id)
        return self.cache.get(kind, external_id, lambda: self.find(kind, external_id))

    def list(self, *, active_only: bool = True) -> list[Portal]:
        query = select(PortalRow).order_by(PortalRow.id)
        if active_only:
            query = query.where(PortalRow.status == PortalStatus.ACTIVE.value)
        return [_portal_from_row(r) for r in self.session.scalars(query)]

    def save(self, portal: Portal, *, reason: str = "", at: datetime | None = None) -> None:
        self.changed = True
        row = self.session.get(PortalRow, portal.id)
        if row is None:
            raise NotFound(f"portal {portal.id}")
        row.domain, row.name = portal.domain, portal.name
        row.settings = dict(portal.settings)
        if row.status != portal.status.value:
            row.status, row.status_reason = portal.status.value, reason
            if portal.status is PortalStatus.UNINSTALLED:
                row.auth_encrypted, row.uninstalled_at = "", at
            if portal.status is PortalStatus.ACTIVE:
                row.installed_at, row.uninstalled_at = at or row.installed_at, None


class _Scoped:
    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def _get(self, model: Any, row_id: int) -> Any:
        row = self.session.get(model, row_id)
        if row is None or row.portal_id != self.portal_id:
            raise NotFound(f"{model.__tablename__} {row_id}")
        return row


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
        return row.id

    def landlord(self, landlord_id: int) -> LandlordEntity:
        return lm.landlord_from_row(self._get(LandlordRow, landlord_id))

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

    def landlords(self) -> list[LandlordEntity]:
        rows = self.session.scalars(
            select(LandlordRow)
            .where(LandlordRow.portal_id == self.portal_id)
            .order_by(LandlordRow.id)
        )
        return [lm.landlord_from_row(r) for r in rows]

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

    def person_by_crm_id(self, crm_user_id: str) -> tuple[int, Person] | None:
        row = self.session.scalar(
            select(UserRow).where(
                UserRow.portal_id == self.portal_id, UserRow.crm_user_id == crm_user_id
            )
        )
        person = lm.person_from_row(row)
        return None if row is None or person is None else (row.id, person)


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
    ) -> int:
        row = LeaseRow(
            portal_id=self.portal_id,
            landlord_id=landlord_id,
            tenant_id=tenant_id,
            premises_ids=list(premises_ids),
            manager_id=manager_id,
            supervisor_id=supervisor_id,
            crm_deal_id=crm_deal_id,
            crm_pipeline_id=crm_pipeline_id,
            created_at=now,
            updated_at=now,
        )
        lm.lease_terms_to_row(lease, row)
        self.session.add(row)
        self.session.flush()
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
        rows = {
            r.id: r
            for r in self.session.scalars(
                select(LeaseRow).where(LeaseRow.portal_id == self.portal_id, LeaseRow.id.in_(ids))
            )
        }
        addenda: dict[int, list[AddendumRow]] = {i: [] for i in ids}
        for a in self.session.scalars(
            select(AddendumRow)
            .where(AddendumRow.lease_id.in_(ids))
            .order_by(AddendumRow.effective_from)
        ):
            addenda[a.lease_id].append(a)
        premises_ids = {i for r in rows.values() for i in (r.premises_ids or [])}
        premises_ids |= {
            i for rows_ in addenda.values() for a in rows_ for i in a.premises_ids or []
        }
        premises = {
            p.id: p for p in PartyRepository(self.session, self.portal_id).premises(
                sorted(premises_ids)
            ) if p.id is not None
        }  # fmt: skip
        loaded = [  # held here: the identity map keeps rows only while referenced
            self.session.scalars(select(table).where(table.id.in_(wanted))).all()
            for table, wanted in (
                (TenantRow, {r.tenant_id for r in rows.values()}),
                (LandlordRow, {r.landlord_id for r in rows.values()}),
                (UserRow, {u for r in rows.values() for u in (r.manager_id, r.supervisor_id) if u}),
            )
        ]
        leases = [self._assemble(rows[i], addenda[i], premises) for i in ids if i in rows]
        del loaded
        return leases

    def save(self, lease: Lease, now: datetime | None = None) -> None:
        """Write back the lease's own terms, status and flags (not its parties)."""
        if lease.id is None:
            raise NotFound("lease without id")
        row = self._get(LeaseRow, lease.id)
        lm.lease_terms_to_row(lease, row)
        row.updated_at = now or row.updated_at

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
            parties.landlord(row.landlord_id),
            parties.tenant(row.tenant_id),
            premises,
            [lm.addendum_from_row(a, by_id) for a in addendum_rows],
            lm.person_from_row(
                self.session.get(UserRow, row.manager_id) if row.manager_id else None
            ),
            lm.person_from_row(
                self.session.get(UserRow, row.supervisor_id) if row.supervisor_id else None
            ),
        )


def _line_to_json(line: DocumentLine) -> dict[str, Any]:
    return {
        "description": line.description,
        "start": line.period.start.isoformat(),
        "end": line.period.end.isoformat(),
        "quantity": line.quantity,
        "unit": line.unit,
        "price": str(line.price.amount),
        "amount": str(line.amount.amount),
        "vat": str(line.vat.amount),
        "premises_code": line.premises_code,
    }


def _line_from_json(data: dict[str, Any], currency: str) -> DocumentLine:
    return DocumentLine(
        description=data["description"],
        period=BillingPeriod(date.fromisoformat(data["start"]), date.fromisoformat(data["end"])),
        quantity=int(data["quantity"]),
        unit=data["unit"],
        price=Money(Decimal(data["price"]), currency),
        amount=Money(Decimal(data["amount"]), currency),
        vat=Money(Decimal(data["vat"]), currency),
        premises_code=data.get("premises_code", ""),
    )


def _document_from_row(row: DocumentRow) -> IssuedDocument:
    cur = row.currency
    return IssuedDocument(
        id=row.id,
        lease_id=row.lease_id,
        kind=DocumentKind(row.kind),
        number=row.number,
        issued_on=row.issued_on,
        period=BillingPeriod(row.period_start, row.period_end),
        lines=tuple(_line_from_json(x, cur) for x in row.lines or []),
        net=Money(Decimal(row.net), cur),
        vat=Money(Decimal(row.vat), cur),
        total=Money(Decimal(row.total), cur),
        due_on=row.due_on,
        status=row.status,
        paid=Money(Decimal(row.paid), cur),
        sent_at=row.sent_at,
        public_token=row.public_token,
        extra={k: str(v) for k, v in (row.files or {}).items()},
        purpose=DocumentPurpose(row.purpose or "rent"),
    )


class DocumentRepository(_Scoped):
    """Issued invoices and acts. ``add`` is where "never twice" is enforced.

    Rows it added, locked or listed for marking stay referenced for the unit of work (the
    session's identity map keeps rows only while referenced), so a later ``get`` or
    ``mark`` of them in the same transaction reads nothing again.
    """

    def __init__(self, session: Session, portal_id: int) -> None:
        super().__init__(session, portal_id)
        self._held: list[DocumentRow] = []

    def _hold(self, rows: Sequence[DocumentRow]) -> list[DocumentRow]:
        self._held.extend(rows)
        return list(rows)

    def add(
        self,
        doc: IssuedDocument,
        *,
        manual: bool = False,
        now: datetime | None = None,
        summary_pending: bool = False,
    ) -> IssuedDocument:
        """Insert; raise ``AlreadyIssued`` if the lease already has this kind for this period.

        Runs in a savepoint so the caller's transaction survives the duplicate.
        ``summary_pending``: a manager summary is to list it (the billing run's documents).
        """
        self._get(LeaseRow, doc.lease_id)
        row = DocumentRow(
            portal_id=self.portal_id,
            lease_id=doc.lease_id,
            kind=doc.kind.value,
            number=doc.number,
            issued_on=doc.issued_on,
            period_start=doc.period.start,
            period_end=doc.period.end,
            due_on=doc.due_on,
            net=doc.net.amount,
            vat=doc.vat.amount,
            total=doc.total.amount,
            paid=Decimal(0) if doc.paid is None else doc.paid.amount,
            currency=doc.total.currency,
            status=str(doc.status),
            lines=[_line_to_json(x) for x in doc.lines],
            files=dict(doc.extra),
            public_token=doc.public_token,
            manual=manual,
            created_at=now,
            summary_pending=summary_pending,
            purpose=doc.purpose.value,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError as exc:
            raise AlreadyIssued(doc.lease_id, doc.kind.value, doc.period.start) from exc
        self._hold([row])
        return _document_from_row(row)

    def get(self, document_id: int) -> IssuedDocument:
        return _document_from_row(self._get(DocumentRow, document_id))

    def get_many(self, document_ids: Sequence[int]) -> dict[int, IssuedDocument]:
        """Document id -> document, one query per 500; ``NotFound`` names one that is not
        this portal's."""
        wanted = sorted(set(document_ids))
        found: dict[int, IssuedDocument] = {}
        for chunk in in_chunks(wanted):
            rows = self.session.scalars(
                select(DocumentRow).where(
                    DocumentRow.portal_id == self.portal_id,
                    DocumentRow.id.in_(chunk),
                )
            )
            found.update((row.id, _document_from_row(row)) for row in rows)
        missing = [i for i in wanted if i not in found]
        if missing:
            raise NotFound(f"documents {missing[0]}")
        return found

    def by_token(self, token: str) -> IssuedDocument | None:
        row = self.session.scalar(
            select(DocumentRow).where(
                DocumentRow.portal_id == self.portal_id, DocumentRow.public_token == token
            )
        )
        return None if row is None else _document_from_row(row)

    def for_lease(self, lease_id: int, kind: DocumentKind | None = None) -> list[IssuedDocument]:
        query = select(DocumentRow).where(
            DocumentRow.portal_id == self.portal_id, DocumentRow.lease_id == lease_id
        )
        if kind is not None:
            query = query.where(DocumentRow.kind == kind.value)
        return [
            _document_from_row(r)
            for r in self.session.scalars(query.order_by(DocumentRow.period_start))
        ]

    def issued_periods(self, lease_id: int) -> list[tuple[DocumentKind, BillingPeriod]]:
        """What rent the lease already has, manual or automatic, cancelled ones excluded
        (a penalty invoice's period is days of delay, not days of rent)."""
        rows = self.session.execute(
            select(DocumentRow.kind, DocumentRow.period_start, DocumentRow.period_end).where(
                DocumentRow.portal_id == self.portal_id,
                DocumentRow.lease_id == lease_id,
                DocumentRow.status != "cancelled",
                DocumentRow.purpose == "rent",
            )
        )
        return [(DocumentKind(k), BillingPeriod(s, e)) for k, s, e in rows]

    def unpublished(self) -> list[int]:
        """Documents (not cancelled) that never got their files and links: the worker that
        issued them died between committing the number and publishing the PDFs."""
        published = select(DocumentLinkRow.document_id).where(
            DocumentLinkRow.document_id == DocumentRow.id
        )
        return list(
            self.session.scalars(
                select(DocumentRow.id)
                .where(
                    DocumentRow.portal_id == self.portal_id,
                    DocumentRow.status != "cancelled",
                    ~published.exists(),
                )
                .order_by(DocumentRow.id)
            )
        )

    def lock(self, document_id: int) -> None:
        """Hold the document's row until commit (PostgreSQL ``FOR UPDATE``; SQLite's
        transactions hold the write lock from their start already)."""
        found = self.session.scalar(  # the whole row: later reads of it need no query
            select(DocumentRow)
            .where(DocumentRow.portal_id == self.portal_id, DocumentRow.id == document_id)
            .with_for_update()
        )
        if found is None:
            raise NotFound(f"document {document_id} not found")
        self._hold([found])

    def not_synced(self, issued_before: datetime | None = None) -> list[int]:
        """Documents of leases with a deal that the deal has not been told about, created
        before ``issued_before`` (younger ones still have their push task on the way), or
        of any age when it is None."""
        query = (
            select(DocumentRow.id)
            .join(LeaseRow, LeaseRow.id == DocumentRow.lease_id)
            .where(
                DocumentRow.portal_id == self.portal_id,
                DocumentRow.crm_synced_at.is_(None),
                LeaseRow.crm_deal_id.is_not(None),
            )
        )
        if issued_before is not None:
            query = query.where(DocumentRow.created_at <= issued_before)
        return list(self.session.scalars(query.order_by(DocumentRow.id)))

    def awaiting_tenant_mail(self, mail_key: str) -> list[IssuedDocument]:
        """Documents of auto-send leases that no tenant email carries yet (``mail_key`` not
        in their files), cancelled ones excluded, in issue order.

        Only documents never delivered can qualify (``sent_at`` is set on delivery), so the
        ``(portal_id, sent_at)`` index keeps the query small however many were mailed before.
        """
        query = (
            select(DocumentRow)
            .join(LeaseRow, LeaseRow.id == DocumentRow.lease_id)
            .where(
                DocumentRow.portal_id == self.portal_id,
                DocumentRow.sent_at.is_(None),
                DocumentRow.status != "cancelled",
                DocumentRow.files[mail_key].as_string().is_(None),
                LeaseRow.auto_send.is_(True),
            )
            .order_by(DocumentRow.id)
        )
        return [_document_from_row(r) for r in self._hold(self.session.scalars(query).all())]

    def awaiting_summary(self) -> list[IssuedDocument]:
        """Documents the billing run issued that no manager summary listed yet, in order.

        Locked for the caller's transaction, and rows another transaction holds are skipped
        (PostgreSQL; SQLite writers are serialised anyway), so two concurrent runs never
        list the same document.
        """
        query = (
            select(DocumentRow)
            .where(DocumentRow.portal_id == self.portal_id, DocumentRow.summary_pending.is_(True))
            .order_by(DocumentRow.id)
            .with_for_update(skip_locked=True)
        )
        return [_document_from_row(r) for r in self._hold(self.session.scalars(query).all())]

    def list(
        self, *, kind: DocumentKind | None = None, statuses: Sequence[str] | None = None
    ) -> list[IssuedDocument]:
        query = select(DocumentRow).where(DocumentRow.portal_id == self.portal_id)
        if kind is not None:
            query = query.where(DocumentRow.kind == kind.value)
        if statuses is not None:
            query = query.where(DocumentRow.status.in_(list(statuses)))
        return [_document_from_row(r) for r in self.session.scalars(query.order_by(DocumentRow.id))]

    def lock_for_payment(self, document_ids: Sequence[int]) -> Sequence[IssuedDocument]:
        """The documents as committed now, their rows locked until this transaction ends
        (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write transaction, begun
        IMMEDIATE, already excludes other writers): two allocations of the same invoice
        queue here instead of both reading what it still owes. Locked in id order."""
        if not document_ids:
            return []
        rows = self.session.scalars(
            select(DocumentRow)
            .where(DocumentRow.portal_id == self.portal_id, DocumentRow.id.in_(document_ids))
            .order_by(DocumentRow.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return [_document_from_row(r) for r in rows]

    def save(self, doc: IssuedDocument) -> None:
        """Write back the mutable state: status, paid, sent_at, files, public token."""
        if doc.id is None:
            raise NotFound("document without id")
        row = self._get(DocumentRow, doc.id)
        row.status = str(doc.status)
        row.paid = Decimal(0) if doc.paid is None else doc.paid.amount
        row.sent_at = doc.sent_at
        row.public_token = doc.public_token
        row.files = dict(doc.extra)

    def exported_at(self, document_id: int) -> datetime | None:
        """When the document last went to 1C (None: never exported)."""
        exported: datetime | None = self._get(DocumentRow, document_id).exported_at
        return exported

    def onec_ref(self, document_id: int) -> str:
        """The Ref_Key of the draft 1C document made for it over OData ("" when none)."""
        ref: str = self._get(DocumentRow, document_id).onec_ref
        return ref

    def mark_many(self, document_ids: Sequence[int], **values: Any) -> None:
        """``mark`` many of this portal's documents with the same values, one statement per
        500 (documents of other portals are left alone)."""
        for name in values:
            if not hasattr(DocumentRow, name):
                raise AttributeError(name)
        wanted = sorted(set(document_ids))
        for chunk in in_chunks(wanted):
            self.session.execute(
                update(DocumentRow)
                .where(
                    DocumentRow.portal_id == self.portal_id,
                    DocumentRow.id.in_(chunk),
                )
                .values(**values)
            )

    def mark(self, document_id: int, **values: Any) -> None:
        """Set bookkeeping columns (crm_synced_at, exported_at, ...)."""
        row = self._get(DocumentRow, document_id)
        for name, value in values.items():
            if not hasattr(DocumentRow, name):
                raise AttributeError(name)
            setattr(row, name, value)


def _payment_from_row(row: PaymentRow) -> Payment:
    return Payment(
        id=row.id,
        number=row.number,
        paid_on=row.paid_on,
        amount=Money(Decimal(row.amount), row.currency),
        payer_name=row.payer_name,
        payer_inn=row.payer_inn,
        payer_account=row.payer_account,
        payee_account=row.payee_account,
        purpose=row.purpose,
        source=row.source,
        external_id=row.external_id,
    )


def _payment_values(
    portal_id: int, identity: str, payment: Payment, now: datetime | None
) -> dict[str, Any]:
    return {
        "portal_id": portal_id, "identity": identity, "number": payment.number,
        "paid_on": payment.paid_on, "amount": payment.amount.amount,
        "currency": payment.amount.currency, "payer_name": payment.payer_name,
        "payer_inn": payment.payer_inn, "payer_account": payment.payer_account,
        "payee_account": payment.payee_account, "purpose": payment.purpose,
        "source": payment.source, "external_id": payment.external_id, "created_at": now,
        "allocated": Decimal(0),
    }  # fmt: skip


class PaymentRepository(_Scoped):
    """Incoming payments (unique by identity) and their allocations."""

    def add(self, payment: Payment, now: datetime | None = None) -> Payment | None:
        """Insert; return None (and change nothing) when the payment is known already."""
        exists = self.session.scalar(
            select(PaymentRow.id).where(
                PaymentRow.portal_id == self.portal_id, PaymentRow.identity == payment.identity
            )
        )
        if exists is not None:
            return None
        row = PaymentRow(
            portal_id=self.portal_id,
            identity=payment.identity,
            number=payment.number,
            paid_on=payment.paid_on,
            amount=payment.amount.amount,
            currency=payment.amount.currency,
            payer_name=payment.payer_name,
            payer_inn=payment.payer_inn,
            payer_account=payment.payer_account,
            payee_account=payment.payee_account,
            purpose=payment.purpose,
            source=payment.source,
            external_id=payment.external_id,
            created_at=now,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return None
        return _payment_from_row(row)

    def add_many(
        self, payments: Sequence[Payment], now: datetime | None = None
    ) -> list[Payment | None]:
        """``add`` for a batch, in a few statements: None where the payment is known already.

        Used by the bank statement import (100,000 documents). A concurrent import of the
        same payments makes the batch fall back to one-by-one ``add``.
        """
        keyed = [(p.identity, p) for p in payments]  # identity is computed, compute it once
        identities = list({identity for identity, _ in keyed})
        known: set[str] = set()
        for chunk in in_chunks(identities):
            known.update(
                self.session.scalars(
                    select(PaymentRow.identity).where(
                        PaymentRow.portal_id == self.portal_id,
                        PaymentRow.identity.in_(chunk),
                    )
                )
            )
        fresh: dict[str, Payment] = {}
        for identity, payment in keyed:
            if identity not in known:
                fresh.setdefault(identity, payment)
        if not fresh:
            return [None] * len(payments)
        rows = [_payment_values(self.portal_id, i, p, now) for i, p in fresh.items()]
        try:
            with self.session.begin_nested():
                table = cast(Table, PaymentRow.__table__)  # Core: no ORM work per row
                result = self.session.connection().execute(
                    insert(table).returning(table.c.identity, table.c.id), rows
                )
                ids: dict[str, int] = {row[0]: row[1] for row in result}
        except IntegrityError:
            return [self.add(p, now) for p in payments]
        answer: list[Payment | None] = []
        for identity, payment in keyed:
            payment_id = ids.pop(identity, None)
            answer.append(None if payment_id is None else replace(payment, id=payment_id))
        return answer

    def allocate_many(
        self, allocations: Sequence[Allocation], by: str = "auto", now: datetime | None = None
    ) -> None:
        """Record allocations in bulk; the caller has checked none over-allocates."""
        if not allocations:
            return
        self.session.flush()
        self.session.connection().execute(
            insert(cast(Table, AllocationRow.__table__)),
            [
                {
                    "portal_id": self.portal_id, "payment_id": a.payment_id,
                    "invoice_id": a.invoice_id, "lease_id": a.lease_id,
                    "amount": a.amount.amount, "by": by, "created_at": now,
                }
                for a in allocations
            ],
        )  # fmt: skip
        per_payment: dict[int, Decimal] = {}
        per_invoice: dict[int, Decimal] = {}
        for a in allocations:
            per_payment[a.payment_id] = per_payment.get(a.payment_id, Decimal(0)) + a.amount.amount
            if a.invoice_id is not None:
                per_invoice[a.invoice_id] = (
                    per_invoice.get(a.invoice_id, Decimal(0)) + a.amount.amount
                )
        payments = cast(Table, PaymentRow.__table__)
        documents = cast(Table, DocumentRow.__table__)
        connection = self.session.connection()
        connection.execute(
            update(payments)
            .where(payments.c.id == bindparam("b_id"), payments.c.portal_id == self.portal_id)
            .values(allocated=payments.c.allocated + bindparam("b_amount")),
            [{"b_id": k, "b_amount": v} for k, v in per_payment.items()],
        )
        if per_invoice:
            connection.execute(
                update(documents)
                .where(documents.c.id == bindparam("b_id"), documents.c.portal_id == self.portal_id)
                .values(paid=documents.c.paid + bindparam("b_amount")),
                [{"b_id": k, "b_amount": v} for k, v in per_invoice.items()],
            )
        self.session.expire_all()

    def twin_keys(
        self, start: date, end: date, *, exclude_source: str
    ) -> set[tuple[str, date, Decimal, str]]:
        """(number, date, amount, payer INN) of payments from other sources in [start, end].

        The same money can reach rentflow twice — from a bank statement and from 1C's
        OData — under different identities; these keys let the import recognise it.
        """
        rows = self.session.execute(
            select(
                PaymentRow.number, PaymentRow.paid_on, PaymentRow.amount, PaymentRow.payer_inn
            ).where(
                PaymentRow.portal_id == self.portal_id,
                PaymentRow.source != exclude_source,
                PaymentRow.paid_on >= start,
                PaymentRow.paid_on <= end,
            )
        )
        return {(n, d, Decimal(a).quantize(Decimal("0.01")), i) for n, d, a, i in rows}

    def get(self, payment_id: int) -> Payment:
        return _payment_from_row(self._get(PaymentRow, payment_id))

    def allocated(self, payment_id: int, *, lock: bool = False) -> Money:
        """What is already placed of the payment; with ``lock``, as committed now and locked
        until this transaction ends (two managers placing the same money queue here)."""
        if lock:
            row = self.session.scalar(
                select(PaymentRow)
                .where(PaymentRow.id == payment_id, PaymentRow.portal_id == self.portal_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            if row is None:
                raise NotFound(f"payments {payment_id}")
        else:
            row = self._get(PaymentRow, payment_id)
        return Money(Decimal(row.allocated), row.currency)

    def not_fully_allocated(self) -> list[Payment]:
        rows = self.session.scalars(
            select(PaymentRow)
            .where(PaymentRow.portal_id == self.portal_id, PaymentRow.allocated < PaymentRow.amount)
            .order_by(PaymentRow.paid_on, PaymentRow.id)
        )
        return [_payment_from_row(r) for r in rows]

    def allocate(
        self, allocation: Allocation, by: str = "auto", now: datetime | None = None
    ) -> None:
        """Record an allocation and keep the payment's and the invoice's totals in step."""
        payment = self._get(PaymentRow, allocation.payment_id)
        amount = allocation.amount.amount
        if payment.allocated + amount > payment.amount:
            raise ValueError(f"payment {payment.id} would be over-allocated")
        self.session.add(
            AllocationRow(
                portal_id=self.portal_id,
                payment_id=allocation.payment_id,
                invoice_id=allocation.invoice_id,
                lease_id=allocation.lease_id,
                amount=amount,
                by=by,
                created_at=now,
            )
        )
        payment.allocated = payment.allocated + amount
        if allocation.invoice_id is not None:
            self.session.execute(
                update(DocumentRow)
                .where(
                    DocumentRow.id == allocation.invoice_id, DocumentRow.portal_id == self.portal_id
                )
                .values(paid=DocumentRow.paid + amount)
            )
        self.session.flush()

    def allocations(
        self, *, invoice_id: int | None = None, lease_id: int | None = None
    ) -> list[Allocation]:
        query = select(AllocationRow).where(AllocationRow.portal_id == self.portal_id)
        if invoice_id is not None:
            query = query.where(AllocationRow.invoice_id == invoice_id)
        if lease_id is not None:
            query = query.where(AllocationRow.lease_id == lease_id)
        result = []
        for row in self.session.scalars(query.order_by(AllocationRow.id)):
            payment = self._get(PaymentRow, row.payment_id)
            result.append(
                Allocation(
                    payment_id=row.payment_id,
                    amount=Money(Decimal(row.amount), payment.currency),
                    invoice_id=row.invoice_id,
                    lease_id=row.lease_id,
                    paid_on=payment.paid_on,
                )
            )
        return result


def _message_from_row(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        portal_id=row.portal_id,
        dedup_key=row.dedup_key,
        channel=row.channel,
        kind=row.kind,
        sender_name=row.sender_name,
        reply_to=row.reply_to,
        recipients=tuple(row.recipients or ()),
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        attachments=tuple(Attachment(**a) for a in row.attachments or []),
        status=MessageStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        sent_at=row.sent_at,
    )


class OutboxRepository:
    """Messages waiting to be sent. Global (the sender serves every portal)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: OutboxMessage, now: datetime) -> bool:
        """Queue once: returns False (and queues nothing) when the dedup key is known."""
        if self.session.scalar(
            select(OutboxRow.id).where(OutboxRow.dedup_key == message.dedup_key)
        ):
            return False
        row = OutboxRow(
            portal_id=message.portal_id,
            dedup_key=message.dedup_key,
            channel=message.channel,
            kind=message.kind,
            sender_name=message.sender_name,
            reply_to=message.reply_to,
            recipients=list(message.recipients),
            subject=message.subject,
            body_text=message.body_text,
            body_html=message.body_html,
            attachments=[
                {"name": a.name, "storage_key": a.storage_key, "mime": a.mime}
                for a in message.attachments
            ],
            next_attempt_at=now,
            created_at=now,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def due(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        rows = self.session.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.status == MessageStatus.PENDING.value, OutboxRow.next_attempt_at <= now
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return [_message_from_row(r) for r in rows]

    def oldest_due(self, now: datetime) -> datetime | None:
        """When the oldest message still waiting to go out became due (None: none waits)."""
        return self.session.scalar(
            select(func.min(OutboxRow.next_attempt_at)).where(
                OutboxRow.status == MessageStatus.PENDING.value, OutboxRow.next_attempt_at <= now
            )
        )

    def get(self, message_id: int) -> OutboxMessage:
        row = self.session.get(OutboxRow, message_id)
        if row is None:
            raise NotFound(f"message {message_id}")
        return _message_from_row(row)

    def claim_due(self, now: datetime, until: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Take up to ``limit`` due messages for sending: their next attempt moves to ``until``
        and their attempts count up, so no other worker takes them before then. The claim
        re-checks that a row is still due, so a row another worker claimed first is left out
        (PostgreSQL: rows locked by another claim are skipped)."""
        pending = (
            OutboxRow.status == MessageStatus.PENDING.value,
            OutboxRow.next_attempt_at <= now,
        )
        ids = list(
            self.session.scalars(
                select(OutboxRow.id)
                .where(*pending)
                .order_by(OutboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        claimed = list(
            self.session.scalars(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids), *pending)
                .values(next_attempt_at=until, attempts=OutboxRow.attempts + 1)
                .returning(OutboxRow.id)
                .execution_options(synchronize_session=False)
            )
        )
        rows = self.session.scalars(
            select(OutboxRow).where(OutboxRow.id.in_(claimed)).order_by(OutboxRow.id)
        )
        return [_message_from_row(r) for r in rows]

    def release(self, message_ids: list[int], claimed_until: datetime, now: datetime) -> None:
        """Give back claimed messages that were not tried: due again, the attempt not counted."""
        self.session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id.in_(message_ids),
                OutboxRow.status == MessageStatus.PENDING.value,
                OutboxRow.next_attempt_at == claimed_until,
            )
            .values(next_attempt_at=now, attempts=OutboxRow.attempts - 1)
            .execution_options(synchronize_session=False)
        )

    def mark_sent(self, message_id: int, at: datetime) -> None:
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id)
            .values(status=MessageStatus.SENT.value, sent_at=at, last_error="")
        )

    def mark_failed(self, message_id: int, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt; ``retry_at`` None means give up."""
        values: dict[str, Any] = {"last_error": error[:2000]}
        if retry_at is None:
            values["status"] = MessageStatus.FAILED.value
        else:
            values["next_attempt_at"] = retry_at
        self.session.execute(update(OutboxRow).where(OutboxRow.id == message_id).values(**values))

    def list(
        self, *, status: MessageStatus | None = None, portal_id: int | None = None
    ) -> list[OutboxMessage]:
        query = select(OutboxRow).order_by(OutboxRow.id)
        if status is not None:
            query = query.where(OutboxRow.status == status.value)
        if portal_id is not None:
            query = query.where(OutboxRow.portal_id == portal_id)
        return [_message_from_row(r) for r in self.session.scalars(query)]


class MappingRepository(_Scoped):
    """Stage mappings per pipeline, as plain dicts (``crm_mappings.mapping`` builds the model)."""

    def get(self, pipeline_id: str) -> tuple[dict[str, str], dict[str, str]] | None:
        row = self._row(pipeline_id)
        return None if row is None else (dict(row.statuses), dict(row.events))

    def all(self) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
        rows = self.session.scalars(
            select(StageMappingRow).where(StageMappingRow.portal_id == self.portal_id)
        )
        return {r.pipeline_id: (dict(r.statuses), dict(r.events)) for r in rows}

    def save(self, pipeline_id: str, statuses: dict[str, str], events: dict[str, str]) -> None:
        row = self._row(pipeline_id)
        if row is None:
            row = StageMappingRow(portal_id=self.portal_id, pipeline_id=pipeline_id)
            self.session.add(row)
        row.statuses, row.events = dict(statuses), dict(events)
        self.session.flush()

    def _row(self, pipeline_id: str) -> StageMappingRow | None:
        return self.session.scalar(
            select(StageMappingRow).where(
                StageMappingRow.portal_id == self.portal_id,
                StageMappingRow.pipeline_id == pipeline_id,
            )
        )


class AuditRepository:
    """Append-only log of changes."""

    def __init__(self, session: Session, portal_id: int | None) -> None:
        self.session = session
        self.portal_id = portal_id

    def record(
        self,
        at: datetime,
        action: str,
        entity: str,
        entity_id: object = "",
        details: dict[str, Any] | None = None,
        actor: str = "system",
    ) -> None:
        self.session.add(
            AuditRow(
                portal_id=self.portal_id,
                at=at,
                actor=actor,
                action=action,
                entity=entity,
                entity_id=str(entity_id),
                details=details or {},
            )
        )

    def entries(self, entity: str | None = None, entity_id: object = None) -> list[dict[str, Any]]:
        query = select(AuditRow).order_by(AuditRow.id)
        if self.portal_id is not None:
            query = query.where(AuditRow.portal_id == self.portal_id)
        if entity is not None:
            query = query.where(AuditRow.entity == entity)
        if entity_id is not None:
            query = query.where(AuditRow.entity_id == str(entity_id))
        return [
            {
                "at": r.at,
                "actor": r.actor,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "details": r.details,
            }
            for r in self.session.scalars(query)
        ]


class BillingRunRepository:
    """Billing run records: counts and errors, shown in the app."""

    def __init__(self, session: Session, portal_id: int | None) -> None:
        self.session = session
        self.portal_id = portal_id

    def start(self, run_on: date, at: datetime) -> int:
        row = BillingRunRow(portal_id=self.portal_id, run_on=run_on, started_at=at)
        self.session.add(row)
        self.session.flush()
        return row.id

    def finish(
        self,
        run_id: int,
        at: datetime,
        *,
        issued: int,
        sent: int,
        failed: int,
        errors: list[dict[str, Any]],
    ) -> None:
        row = self.session.get(BillingRunRow, run_id)
        if row is None:
            raise NotFound(f"billing run {run_id}")
        row.finished_at, row.issued, row.sent, row.failed = at, issued, sent, failed
        row.errors = errors
        row.status = "failed" if failed else "done"

    def chunk_done(
        self,
        run_id: int,
        chunk: int,
        total: int,
        at: datetime,
        *,
        issued: int,
        errors: list[dict[str, Any]],
    ) -> RunTally | None:
        """Record chunk ``chunk`` of ``total`` done (once, however often it is told). Returns
        the whole run's tally when every chunk is done and the run is not closed yet (the
        caller then runs the phases after issuing), else None. The run's row is locked, so two
        chunks ending together cannot both miss being last."""
        run = self.session.scalar(
            select(BillingRunRow).where(BillingRunRow.id == run_id).with_for_update()
        )
        if run is None:
            raise NotFound(f"billing run {run_id}")
        if self.session.get(BillingRunChunkRow, (run_id, chunk)) is None:
            self.session.add(
                BillingRunChunkRow(
                    run_id=run_id, chunk=chunk, total=total, issued=issued,
                    failed=len(errors), errors=errors, done_at=at,
                )
            )  # fmt: skip
            self.session.flush()
        chunks = list(
            self.session.scalars(
                select(BillingRunChunkRow).where(BillingRunChunkRow.run_id == run_id)
            )
        )
        if len(chunks) < total or run.status not in {"running", "interrupted"}:
            return None
        return RunTally(
            issued=sum(c.issued for c in chunks),
            errors=[e for c in sorted(chunks, key=lambda c: c.chunk) for e in c.errors],
        )

    def close_interrupted(self, started_before: datetime, at: datetime) -> int:
        """Close as "interrupted" the runs still "running" that started before
        ``started_before`` (their worker died); returns how many."""
        query = (
            update(BillingRunRow)
            .where(BillingRunRow.status == "running", BillingRunRow.started_at < started_before)
            .values(status="interrupted", finished_at=at)
            .execution_options(synchronize_session=False)
        )
        if self.portal_id is not None:
            query = query.where(BillingRunRow.portal_id == self.portal_id)
        return int(self.session.execute(query).rowcount)  # type: ignore[attr-defined]

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        query = select(BillingRunRow).order_by(BillingRunRow.id.desc()).limit(limit)
        if self.portal_id is not None:
            query = query.where(BillingRunRow.portal_id == self.portal_id)
        return [
            {
                "id": r.id,
                "portal_id": r.portal_id,
                "run_on": r.run_on,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "status": r.status,
                "issued": r.issued,
                "sent": r.sent,
                "failed": r.failed,
                "errors": r.errors,
            }
            for r in self.session.scalars(query)
        ]
