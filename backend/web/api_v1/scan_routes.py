"""Public API v1: the landlord attaches a scan (signed lease, addendum, act on paper) to a
lease; tenants then find it in their cabinet's documents. The file is the request body
(``application/octet-stream``), its title a query parameter; PDF, JPEG or PNG only, told by
the file's own first bytes, at most ``SCAN_MAX_MB``."""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel, Field

from backend.services.api_keys import ApiCaller
from backend.services.cabinet_documents import add_scan
from backend.web.api_v1.http import operation
from backend.web.deps import container


class ScanQuery(BaseModel):
    title: str = Field(min_length=1, max_length=255, description="what the scan is")


class ScanOut(BaseModel):
    id: int
    lease_id: int
    title: str


@operation(
    "POST",
    "/leases/<int:lease_id>/scans",
    summary="Attach a scan (PDF, JPEG or PNG) to a lease, shown in the tenant cabinet",
    tag="leases",
    scope="write",
    query=ScanQuery,
    upload="application/octet-stream",
    response=ScanOut,
    status=201,
)
def post_lease_scan(caller: ApiCaller, lease_id: int, query: ScanQuery, data: bytes) -> ScanOut:
    built = container()
    scan_id = add_scan(
        cast(Any, built.uow), built.clock, built.document_storage(), portal_id=caller.portal_id,
        lease_id=lease_id, title=query.title, content=data,
        max_bytes=built.settings.scan_max_mb * 1024 * 1024, actor=f"api:{caller.key_id}",
    )  # fmt: skip
    return ScanOut(id=scan_id, lease_id=lease_id, title=query.title.strip())
