"""What the cabinet shows of requests, announcements and channels: always for the tenant
the person chose (``TenantRef``), never by an id from the request alone."""

from __future__ import annotations

from dataclasses import dataclass

from backend.domain.cabinet import TenantRef
from backend.domain.tenant_requests import Announcement, TenantRequest
from backend.ports import DocumentStorage
from backend.services.channels import ChannelState, channel_state
from backend.services.tenant_requests import request_file as stored_request_file
from backend.services.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class LeaseChoice:
    id: int
    number: str


@dataclass(frozen=True)
class RequestView:
    request: TenantRequest
    lease_number: str


def lease_choices(uow: UnitOfWorkFactory, ref: TenantRef) -> list[LeaseChoice]:
    """The tenant's leases a request may be about, newest first."""
    with uow(ref.portal_id) as work:
        ids = sorted(work.tenant_requests.lease_ids_of(ref.ids), reverse=True)
        leases = work.leases.get_many(ids)
    return [LeaseChoice(i, leases[i].number) for i in ids if i in leases]


def tenant_requests(uow: UnitOfWorkFactory, ref: TenantRef) -> list[RequestView]:
    with uow(ref.portal_id) as work:
        found = work.tenant_requests.for_tenant(ref.ids)
        leases = work.leases.get_many(sorted({r.lease_id for r in found}))
    return [
        RequestView(r, leases[r.lease_id].number if r.lease_id in leases else "") for r in found
    ]


def tenant_request(uow: UnitOfWorkFactory, ref: TenantRef, request_id: int) -> RequestView:
    """One of the tenant's requests with its files; ``NotFound`` for anyone else's."""
    with uow(ref.portal_id) as work:
        found = work.tenant_requests.get(request_id, tenant_ids=ref.ids)
        lease = work.leases.get(found.lease_id)
    return RequestView(found, lease.number)


def request_file(
    uow: UnitOfWorkFactory, storage: DocumentStorage, ref: TenantRef, request_id: int,
    file_id: int,
) -> tuple[str, str, bytes]:  # fmt: skip
    """(name, type, bytes) of a file of the tenant's request; ``NotFound`` otherwise."""
    tenant_request(uow, ref, request_id)  # NotFound for another tenant's request
    return stored_request_file(uow, storage, ref.portal_id, request_id, file_id)


def tenant_announcements(uow: UnitOfWorkFactory, ref: TenantRef) -> list[Announcement]:
    with uow(ref.portal_id) as work:
        return work.announcements.for_tenant(ref.ids)


def tenant_channels(uow: UnitOfWorkFactory, ref: TenantRef) -> ChannelState:
    with uow(ref.portal_id) as work:
        return channel_state(work, ref.portal_id, ref.tenant_id)
