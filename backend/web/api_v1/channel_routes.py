"""Public API v1: announcements to tenants and tenants' requests (заявки), seed 003. The
landlord's workspace forms call these; the caller's portal is its API key's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from backend.domain.tenant_requests import Announcement, TenantRequest
from backend.services.announcements import post_announcement
from backend.services.api_keys import ApiCaller
from backend.services.tenant_requests import answer_request
from backend.web.api_v1.http import operation
from backend.web.api_v1.schemas import Page, Short, Strict, Text
from backend.web.deps import container


class AnnouncementIn(Strict):
    """To every tenant with a signed lease in ``building`` (as the premises register names
    it), or to ``tenant_id``: exactly one of the two."""

    posted_on: date
    title: Annotated[str, Field(min_length=1, max_length=200)]
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    building: Short = ""
    tenant_id: int | None = None


class AnnouncementOut(Strict):
    id: int
    posted_on: date
    title: str
    text: str
    building: str
    tenant_id: int | None


class AnnouncementPosted(Strict):
    id: int
    tenants: int = Field(description="tenants it reached")
    messages: int = Field(description="messages queued, one per tenant and channel")


class RequestOut(Strict):
    id: int
    tenant_id: int
    lease_id: int
    kind: str
    text: str
    status: str
    answer: str
    crm_task_id: str
    files: int
    created_at: datetime | None
    updated_at: datetime | None


class RequestAnswer(Strict):
    status: Literal["new", "in_work", "done"]
    answer: Text = ""


def _announcement_out(a: Announcement) -> AnnouncementOut:
    return AnnouncementOut(
        id=a.id or 0, posted_on=a.posted_on, title=a.title, text=a.text,
        building=a.building, tenant_id=a.tenant_id,
    )  # fmt: skip


def _request_out(r: TenantRequest) -> RequestOut:
    return RequestOut(
        id=r.id or 0, tenant_id=r.tenant_id, lease_id=r.lease_id, kind=r.kind.value,
        text=r.text, status=r.status.value, answer=r.answer, crm_task_id=r.crm_task_id,
        files=len(r.attachments), created_at=r.created_at, updated_at=r.updated_at,
    )  # fmt: skip


@operation(
    "POST", "/announcements", summary="Post an announcement to a building's tenants or one tenant",
    tag="tenants", scope="write", body=AnnouncementIn, response=AnnouncementPosted, status=201,
)  # fmt: skip
def create_announcement(caller: ApiCaller, body: AnnouncementIn) -> AnnouncementPosted:
    c = container()
    posted = post_announcement(
        c.uow, c.clock, caller.portal_id, body.posted_on, body.title, body.text,
        building=body.building, tenant_id=body.tenant_id, actor=f"api-key:{caller.key_id}",
        deliver=c.tasks.deliver_outbox,
    )  # fmt: skip
    return AnnouncementPosted(
        id=posted.announcement_id, tenants=posted.tenants, messages=posted.messages
    )


@operation(
    "GET", "/announcements", summary="Recent announcements", tag="tenants",
    response=Page[AnnouncementOut],
)  # fmt: skip
def list_announcements(caller: ApiCaller) -> Page[AnnouncementOut]:
    with container().uow(caller.portal_id) as uow:
        found = uow.announcements.recent()
    return Page[AnnouncementOut](items=[_announcement_out(a) for a in found])


@operation(
    "GET", "/tenants/<int:tenant_id>/requests", summary="A tenant's requests", tag="tenants",
    response=Page[RequestOut],
)  # fmt: skip
def list_requests(caller: ApiCaller, tenant_id: int) -> Page[RequestOut]:
    with container().uow(caller.portal_id) as uow:
        uow.parties.tenant(tenant_id)  # 404 for another portal's tenant
        found = uow.tenant_requests.for_tenant([tenant_id])
    return Page[RequestOut](items=[_request_out(r) for r in found])


@operation(
    "POST", "/requests/<int:request_id>/answer",
    summary="Move a request: in work, or done with the manager's answer", tag="tenants",
    scope="write", body=RequestAnswer, response=RequestOut,
)  # fmt: skip
def answer(caller: ApiCaller, request_id: int, body: RequestAnswer) -> RequestOut:
    c = container()
    moved = answer_request(
        c.uow, c.clock, caller.portal_id, request_id, body.status, body.answer,
        actor=f"api-key:{caller.key_id}", deliver=c.tasks.deliver_outbox,
        queue=c.tasks.request_answered,
    )  # fmt: skip
    return _request_out(moved)
