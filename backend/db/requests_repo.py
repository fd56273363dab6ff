"""Tenant requests (заявки) with their files, and announcements, of one portal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.db.tables import LeaseRow, OutboxRow, PremisesRow, TenantRow, UserRow
from backend.db.tables_channels import (
    AnnouncementRecipientRow,
    AnnouncementRow,
    RequestAttachmentRow,
    TenantRequestRow,
)
from backend.domain.errors import NotFound
from backend.domain.status import SIGNED_STATES
from backend.domain.tenant_requests import (
    Announcement,
    RequestAttachment,
    RequestKind,
    RequestStatus,
    TenantRequest,
)


def _request(row: TenantRequestRow, files: Sequence[RequestAttachmentRow]) -> TenantRequest:
    return TenantRequest(
        id=row.id, tenant_id=row.tenant_id, lease_id=row.lease_id, kind=RequestKind(row.kind),
        text=row.text, status=RequestStatus(row.status), answer=row.answer,
        crm_task_id=row.crm_task_id, crm_error=row.crm_error,
        created_at=row.created_at, updated_at=row.updated_at,
        attachments=tuple(
            RequestAttachment(f.name, f.mime, f.size, f.storage_key, f.id) for f in files
        ),
    )  # fmt: skip


class RequestRepository:
    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def add(self, request: TenantRequest, now: datetime) -> int:
        row = TenantRequestRow(
            portal_id=self.portal_id, tenant_id=request.tenant_id, lease_id=request.lease_id,
            kind=request.kind.value, text=request.text, status=request.status.value,
            created_at=now, updated_at=now,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        for a in request.attachments:
            self.session.add(
                RequestAttachmentRow(
                    portal_id=self.portal_id, request_id=row.id, name=a.name, mime=a.mime,
                    size=a.size, storage_key=a.storage_key,
                )
            )  # fmt: skip
        self.session.flush()
        return row.id

    def _row(self, request_id: int) -> TenantRequestRow:
        row = self.session.get(TenantRequestRow, request_id)
        if row is None or row.portal_id != self.portal_id:
            raise NotFound(f"request {request_id}")
        return row

    def get(self, request_id: int, tenant_ids: Sequence[int] | None = None) -> TenantRequest:
        """One request; with ``tenant_ids``, only if it is one of theirs (else ``NotFound``)."""
        row = self._row(request_id)
        if tenant_ids is not None and row.tenant_id not in tenant_ids:
            raise NotFound(f"request {request_id}")
        files = self.session.scalars(
            select(RequestAttachmentRow)
            .where(RequestAttachmentRow.request_id == row.id)
            .order_by(RequestAttachmentRow.id)
        )
        return _request(row, list(files))

    def for_tenant(self, tenant_ids: Sequence[int]) -> list[TenantRequest]:
        """The requests of the tenant's rows, newest first (without their files: the list
        does not show them)."""
        rows = self.session.scalars(
            select(TenantRequestRow)
            .where(
                TenantRequestRow.portal_id == self.portal_id,
                TenantRequestRow.tenant_id.in_(list(tenant_ids)),
            )
            .order_by(TenantRequestRow.id.desc())
        )
        return [_request(r, ()) for r in rows]

    def listed(
        self, *, lease_id: int | None = None, manager: str | None = None,
        status: RequestStatus | None = None, kind: RequestKind | None = None, limit: int = 200,
    ) -> list[TenantRequest]:  # fmt: skip
        """The portal's requests with their files, newest first: of ``lease_id``, of the
        leases the CRM user ``manager`` manages, in ``status``, of ``kind`` (None: any)."""
        query = select(TenantRequestRow).where(TenantRequestRow.portal_id == self.portal_id)
        if lease_id is not None:
            query = query.where(TenantRequestRow.lease_id == lease_id)
        if manager is not None:
            managed = (
                select(LeaseRow.id)
                .join(UserRow, UserRow.id == LeaseRow.manager_id)
                .where(LeaseRow.portal_id == self.portal_id, UserRow.crm_user_id == manager,
                       UserRow.crm_user_id != "")
            )  # fmt: skip
            query = query.where(TenantRequestRow.lease_id.in_(managed))
        if status is not None:
            query = query.where(TenantRequestRow.status == status.value)
        if kind is not None:
            query = query.where(TenantRequestRow.kind == kind.value)
        rows = list(self.session.scalars(query.order_by(TenantRequestRow.id.desc()).limit(limit)))
        files: dict[int, list[RequestAttachmentRow]] = {}
        for f in self.session.scalars(
            select(RequestAttachmentRow)
            .where(RequestAttachmentRow.request_id.in_([r.id for r in rows]))
            .order_by(RequestAttachmentRow.id)
        ):
            files.setdefault(f.request_id, []).append(f)
        return [_request(r, files.get(r.id, ())) for r in rows]

    def by_task(self, task_id: str) -> TenantRequest | None:
        row = self.session.scalar(
            select(TenantRequestRow).where(
                TenantRequestRow.portal_id == self.portal_id,
                TenantRequestRow.crm_task_id == task_id,
            )
        )
        return None if row is None else _request(row, ())

    def open_with_tasks(self) -> list[TenantRequest]:
        """Requests not done whose CRM task exists: what a sync asks the CRM about."""
        rows = self.session.scalars(
            select(TenantRequestRow).where(
                TenantRequestRow.portal_id == self.portal_id,
                TenantRequestRow.status != RequestStatus.DONE.value,
                TenantRequestRow.crm_task_id != "",
            )
        )
        return [_request(r, ()) for r in rows]

    def without_tasks(self, filed_before: datetime) -> list[TenantRequest]:
        """Requests with neither a CRM task nor an error, filed before ``filed_before``."""
        rows = self.session.scalars(
            select(TenantRequestRow).where(
                TenantRequestRow.portal_id == self.portal_id,
                TenantRequestRow.crm_task_id == "",
                TenantRequestRow.crm_error == "",
                TenantRequestRow.created_at < filed_before,
            )
        )
        return [_request(r, ()) for r in rows]

    def set_task(self, request_id: int, task_id: str, error: str, now: datetime) -> None:
        row = self._row(request_id)
        row.crm_task_id, row.crm_error, row.updated_at = task_id, error[:2000], now

    def set_status(
        self, request_id: int, status: RequestStatus, answer: str, now: datetime
    ) -> None:
        row = self._row(request_id)
        row.status, row.answer, row.updated_at = status.value, answer, now

    def lease_ids_of(self, tenant_ids: Sequence[int]) -> dict[int, int]:
        """The leases of the tenant's rows: lease id -> its tenant row."""
        rows = self.session.execute(
            select(LeaseRow.id, LeaseRow.tenant_id).where(
                LeaseRow.portal_id == self.portal_id, LeaseRow.tenant_id.in_(list(tenant_ids))
            )
        )
        return {int(lease_id): int(tenant_id) for lease_id, tenant_id in rows}


def _announcement(row: AnnouncementRow) -> Announcement:
    return Announcement(
        id=row.id, posted_on=row.posted_on, title=row.title, text=row.text,
        building=row.building, tenant_id=row.tenant_id, created_at=row.created_at,
    )  # fmt: skip


class AnnouncementRepository:
    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def add(self, announcement: Announcement, tenant_ids: Sequence[int], now: datetime) -> int:
        """Store the announcement and whom it reached."""
        row = AnnouncementRow(
            portal_id=self.portal_id, posted_on=announcement.posted_on,
            title=announcement.title, text=announcement.text,
            building=announcement.building, tenant_id=announcement.tenant_id, created_at=now,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        for tenant_id in sorted(set(tenant_ids)):
            self.session.add(
                AnnouncementRecipientRow(
                    portal_id=self.portal_id, announcement_id=row.id, tenant_id=tenant_id
                )
            )
        self.session.flush()
        return row.id

    def for_tenant(self, tenant_ids: Sequence[int], limit: int = 100) -> list[Announcement]:
        """What the tenant (its rows) was told, newest first."""
        ids = list(tenant_ids)
        reached = select(AnnouncementRecipientRow.announcement_id).where(
            AnnouncementRecipientRow.portal_id == self.portal_id,
            AnnouncementRecipientRow.tenant_id.in_(ids),
        )
        rows = self.session.scalars(
            select(AnnouncementRow)
            .where(
                AnnouncementRow.portal_id == self.portal_id,
                or_(AnnouncementRow.tenant_id.in_(ids), AnnouncementRow.id.in_(reached)),
            )
            .order_by(AnnouncementRow.posted_on.desc(), AnnouncementRow.id.desc())
            .limit(limit)
        )
        return [_announcement(r) for r in rows]

    def recent(self, limit: int = 100) -> list[Announcement]:
        rows = self.session.scalars(
            select(AnnouncementRow)
            .where(AnnouncementRow.portal_id == self.portal_id)
            .order_by(AnnouncementRow.posted_on.desc(), AnnouncementRow.id.desc())
            .limit(limit)
        )
        return [_announcement(r) for r in rows]

    def tenants_of_building(self, building: str) -> list[int]:
        """Tenants with a signed lease on a premises of ``building`` (the estate register's
        building name, or its address as the premises carry it)."""
        premises = set(
            self.session.scalars(
                select(PremisesRow.id).where(
                    PremisesRow.portal_id == self.portal_id, PremisesRow.building == building
                )
            )
        )
        if not premises:
            return []
        leases = self.session.execute(
            select(LeaseRow.tenant_id, LeaseRow.premises_ids).where(
                LeaseRow.portal_id == self.portal_id,
                LeaseRow.status.in_([s.value for s in SIGNED_STATES]),
            )
        )
        return sorted({t for t, ids in leases if premises & {int(i) for i in ids or ()}})

    def reach(self, announcement_ids: Sequence[int]) -> dict[int, tuple[int, dict[str, int]]]:
        """For each announcement: how many tenants it reached, and its messages (one per
        tenant and channel, in the outbox) by their status: pending, sent, failed."""
        ids = list(announcement_ids)
        reached = dict.fromkeys(ids, 0)
        for announcement_id, count in self.session.execute(
            select(AnnouncementRecipientRow.announcement_id, func.count())
            .where(AnnouncementRecipientRow.announcement_id.in_(ids))
            .group_by(AnnouncementRecipientRow.announcement_id)
        ):
            reached[int(announcement_id)] = int(count)
        messages: dict[int, dict[str, int]] = {i: {} for i in ids}
        # the keys are post_announcement's: p<portal>:announcement:<id>:t<tenant>[|channel]
        prefix = f"p{self.portal_id}:announcement:"
        for key, state in self.session.execute(
            select(OutboxRow.dedup_key, OutboxRow.status).where(
                OutboxRow.portal_id == self.portal_id,
                OutboxRow.kind == "announcement",
                OutboxRow.dedup_key.startswith(prefix, autoescape=True),
            )
        ):
            head = key[len(prefix) :].split(":", 1)[0]
            if head.isdigit() and int(head) in messages:
                counts = messages[int(head)]
                counts[state] = counts.get(state, 0) + 1
        return {i: (reached[i], messages[i]) for i in ids}

    def tenant_choices(self) -> list[tuple[int, str, tuple[str, ...]]]:
        """(tenant id, name, its lease numbers) of every tenant with a lease on the portal,
        by name: whom one announcement may address."""
        rows = self.session.execute(
            select(TenantRow.id, TenantRow.name, LeaseRow.number)
            .join(LeaseRow, LeaseRow.tenant_id == TenantRow.id)
            .where(TenantRow.portal_id == self.portal_id, LeaseRow.portal_id == self.portal_id)
            .order_by(TenantRow.name, TenantRow.id, LeaseRow.number)
        )
        found: dict[int, tuple[str, list[str]]] = {}
        for tenant_id, name, number in rows:
            found.setdefault(int(tenant_id), (name, []))[1].append(number)
        return [(i, name, tuple(numbers)) for i, (name, numbers) in found.items()]

    def buildings(self) -> list[str]:
        """The buildings named by the portal's premises, for a form to choose from."""
        names = self.session.scalars(
            select(PremisesRow.building)
            .where(PremisesRow.portal_id == self.portal_id, PremisesRow.building != "")
            .distinct()
        )
        return sorted(names)
