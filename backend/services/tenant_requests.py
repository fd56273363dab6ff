"""Tenant requests (заявки, seed 003): filed in the cabinet, each becomes a task on the lease's
deal for its manager, and the task's closing in the CRM brings the status and answer back.

Filing stores the files and the row; the CRM task is created by a job queued after the
commit (``queue``), so a CRM that is down delays the task, never the request. The status
comes back two ways, both ending in ``sync_tasks``: Bitrix24's ONTASKUPDATE event names the
task, and a periodic sweep asks each CRM about every open request's task (amoCRM has no
task event rentflow subscribes to, and Bitrix24 never redelivers a lost event).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from backend.catalogues import gettext_for
from backend.domain.errors import NotFound
from backend.domain.messages import OutboxMessage
from backend.domain.tenant_requests import (
    MAX_ATTACHMENTS,
    InvalidRequest,
    RequestAttachment,
    RequestKind,
    RequestStatus,
    TenantRequest,
    check_answer,
    check_attachment,
    check_kind,
    check_text,
)
from backend.ports import Clock, DocumentStorage, FileMissing
from backend.services.channels import queue_for_tenant
from backend.services.request_answers import push_answer
from backend.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from crm_mappings.port import (
    CrmAuthLost,
    CrmError,
    CrmPort,
    CrmTask,
    CrmTaskStatus,
    CrmUnavailable,
)

RequestQueue = Callable[[int, int], None]  # (portal id, request id): its CRM task's job
DeliveryQueue = Callable[[], None]  # send the outbox now
FileUrl = Callable[[int, int, int], str]  # (portal, request, file): a link for the manager

KIND_RU = {
    RequestKind.TECHNICAL: "техническая",
    RequestKind.ORGANISATIONAL: "организационная",
    RequestKind.FINANCIAL: "финансовая",
    RequestKind.OTHER: "другое",
}
# the status as a message to the tenant names it mid-sentence (catalogue msgids)
STATUS_TEXT = {
    RequestStatus.NEW: "not reviewed",
    RequestStatus.IN_WORK: "in work",
    RequestStatus.DONE: "resolved",
}
_FROM_CRM = {
    CrmTaskStatus.IN_PROGRESS: RequestStatus.IN_WORK,
    CrmTaskStatus.COMPLETED: RequestStatus.DONE,
    CrmTaskStatus.DECLINED: RequestStatus.DONE,
}


@dataclass(frozen=True)
class NewFile:
    name: str
    data: bytes


def file_request(
    uow: UnitOfWorkFactory,
    clock: Clock,
    storage: DocumentStorage,
    portal_id: int,
    tenant_ids: Sequence[int],
    lease_id: int,
    kind: str,
    text: str,
    files: Sequence[NewFile] = (),
    queue: RequestQueue | None = None,
) -> int:
    """File a request on one of the leases of the tenant's rows (``tenant_ids``: a company
    has a row per lease); ``InvalidRequest`` (naming the field) before anything is stored.
    Returns its id; its CRM task is queued after the commit."""
    checked_kind, checked_text = check_kind(kind), check_text(text)
    if len(files) > MAX_ATTACHMENTS:
        raise InvalidRequest("attachments", f"at most {MAX_ATTACHMENTS} files")
    checked = [(check_attachment(f.name, f.data), f.data) for f in files]
    with uow(portal_id) as work:
        tenant_id = work.tenant_requests.lease_ids_of(tenant_ids).get(lease_id)
        if tenant_id is None:
            raise InvalidRequest("lease", "choose one of your leases")
    attachments = []
    for (name, mime), data in checked:
        # the key names no tenant and no file name: the row holds both
        key = f"requests/{portal_id}/{secrets.token_hex(16)}"
        storage.put(key, data)
        attachments.append(RequestAttachment(name, mime, len(data), key))
    request = TenantRequest(
        tenant_id=tenant_id, lease_id=lease_id, kind=checked_kind, text=checked_text,
        attachments=tuple(attachments),
    )  # fmt: skip
    now = clock.now()
    with uow(portal_id) as work:
        request_id = work.tenant_requests.add(request, now)
        work.audit.record(now, "request_filed", "tenant_request", request_id,
                          {"kind": checked_kind.value, "files": len(attachments)},
                          actor=f"tenant:{tenant_id}")  # fmt: skip
        if queue is not None:
            work.after_commit(lambda: queue(portal_id, request_id))
        work.commit()
    return request_id


def push_task(
    uow: UnitOfWorkFactory,
    clock: Clock,
    crm: CrmPort,
    portal_id: int,
    request_id: int,
    file_url: FileUrl | None = None,
) -> str:
    """Create the request's task on its lease's deal for the lease's manager (once: a request
    with a task keeps it), its files linked by ``file_url(portal, request, file)``.
    ``CrmUnavailable`` propagates for the job to retry; a lease with no deal or no manager is
    noted on the request. Returns the task id ("" when none)."""
    with uow(portal_id) as work:
        request = work.tenant_requests.get(request_id)
        if request.crm_task_id:
            return request.crm_task_id
        lease = work.leases.get(request.lease_id)
        deal_id, _ = work.leases.deal_of(request.lease_id)
        tenant = work.parties.tenant(request.tenant_id)
    now = clock.now()
    responsible = lease.manager.crm_user_id if lease.manager else ""
    if deal_id and not responsible:
        responsible = crm.get_deal(deal_id).responsible_user_id
    if not deal_id or not responsible:
        with uow(portal_id) as work:
            reason = "the lease has no deal in the CRM" if not deal_id else "no manager to assign"
            work.tenant_requests.set_task(request_id, "", reason, now)
            work.commit()
        return ""
    files = [
        f"{a.name}: {file_url(portal_id, request_id, a.id)}" if file_url else a.name
        for a in request.attachments
        if a.id is not None
    ]
    task = CrmTask(
        deal_id=deal_id,
        responsible_user_id=responsible,
        title=f"Заявка арендатора № {request_id} ({KIND_RU[request.kind]}): {tenant.name}",
        text="\n\n".join(
            [
                f"Договор № {lease.number}. {request.text}",
                *(["Файлы арендатора:\n" + "\n".join(files)] if files else []),
                "Ответ, записанный в результат задачи, арендатор увидит в кабинете.",
            ]
        ),
        deadline=datetime.combine(now.date() + timedelta(days=2), time(9), tzinfo=UTC),
    )
    try:
        task_id = crm.create_task(task)
    except (CrmUnavailable, CrmAuthLost):
        raise  # the job retries; a re-authorised portal gets it on the next sweep
    except CrmError as err:  # refused for good: said on the request, not tried again
        with uow(portal_id) as work:
            work.tenant_requests.set_task(request_id, "", str(err), now)
            work.commit()
        return ""
    with uow(portal_id) as work:
        work.tenant_requests.set_task(request_id, task_id, "", now)
        work.commit()
    push_answer(uow, crm, portal_id, request_id)  # answered while its task was on its way
    return task_id


def push_missing_tasks(
    uow: UnitOfWorkFactory,
    clock: Clock,
    crm: CrmPort,
    portal_id: int,
    older_than: timedelta,
    file_url: FileUrl | None = None,
) -> int:
    """Push the tasks of requests filed more than ``older_than`` ago that have none and no
    error (their job was lost, or the CRM was down longer than its retries). Returns how many
    got one."""
    with uow(portal_id) as work:
        waiting = work.tenant_requests.without_tasks(clock.now() - older_than)
    return sum(
        bool(push_task(uow, clock, crm, portal_id, r.id, file_url))
        for r in waiting
        if r.id is not None
    )


def request_file(
    uow: UnitOfWorkFactory, storage: DocumentStorage, portal_id: int, request_id: int,
    file_id: int,
) -> tuple[str, str, bytes]:  # fmt: skip
    """(name, type, bytes) of a request's file, for the manager's signed link; ``NotFound``
    when the request, the file or its bytes are gone."""
    with uow(portal_id) as work:
        request = work.tenant_requests.get(request_id)
    attachment = next((a for a in request.attachments if a.id == file_id), None)
    if attachment is None:
        raise NotFound(f"file {file_id}")
    try:
        data = b"".join(storage.stream(attachment.storage_key))
    except FileMissing:
        raise NotFound(attachment.name) from None
    return attachment.name, attachment.mime, data


def sync_tasks(
    uow: UnitOfWorkFactory,
    clock: Clock,
    crm: CrmPort,
    portal_id: int,
    task_ids: Sequence[str] | None = None,
    deliver: DeliveryQueue | None = None,
) -> int:
    """Ask the CRM about the tasks of open requests (only ``task_ids`` when given) and move
    each request whose task moved: in progress → in work; completed (or declined) → done,
    the task's result as the manager's answer. The tenant is told by their channels.
    Returns how many requests changed."""
    with uow(portal_id) as work:
        open_requests = {r.crm_task_id: r for r in work.tenant_requests.open_with_tasks()}
    wanted = [t for t in open_requests if task_ids is None or t in set(task_ids)]
    if not wanted:
        return 0
    changed = 0
    for state in crm.task_states(wanted):
        request = open_requests.get(state.task_id)
        status = _FROM_CRM.get(state.status)
        if request is None or status is None or status == request.status:
            continue
        if _answered_since(uow, portal_id, request, status):
            continue
        answer = state.result.strip()
        if state.status is CrmTaskStatus.DECLINED and not answer:
            answer = _declined(uow, portal_id, request.tenant_id)
        changed += _move(uow, clock, portal_id, request, status, answer, "crm", deliver)
    return changed


def _answered_since(
    uow: UnitOfWorkFactory, portal_id: int, request: TenantRequest, status: RequestStatus
) -> bool:
    """Whether the request was answered in rentflow while its task was read: the CRM's news
    of a task rentflow itself moved then changes nothing (``request_answers``)."""
    with uow(portal_id) as work:
        now = work.tenant_requests.get(request.id or 0).status
    return now == status or now is RequestStatus.DONE


def _declined(uow: UnitOfWorkFactory, portal_id: int, tenant_id: int) -> str:
    """The answer of a request declined without a word, in the tenant's language."""
    with uow(portal_id) as work:
        spoken = work.parties.tenant(tenant_id).language
    return gettext_for(spoken)("The request was declined.")


def answer_request(
    uow: UnitOfWorkFactory,
    clock: Clock,
    portal_id: int,
    request_id: int,
    status: str,
    answer: str,
    actor: str,
    deliver: DeliveryQueue | None = None,
    queue: RequestQueue | None = None,
) -> TenantRequest:
    """The landlord moves a request by hand (API v1, workspace): in work, or done with an
    answer; once committed, ``queue(portal, request)`` has its CRM task follow
    (``request_answers.push_answer``)."""
    try:
        new = RequestStatus(status)
    except ValueError:
        raise InvalidRequest("status", "one of new, in_work, done") from None
    checked = check_answer(new, answer)
    with uow(portal_id) as work:
        request = work.tenant_requests.get(request_id)
    _move(uow, clock, portal_id, request, new, checked, actor, deliver)  # committed
    if queue is not None and new is not RequestStatus.NEW:
        queue(portal_id, request_id)
    with uow(portal_id) as work:
        return work.tenant_requests.get(request_id)


def _move(
    uow: UnitOfWorkFactory,
    clock: Clock,
    portal_id: int,
    request: TenantRequest,
    status: RequestStatus,
    answer: str,
    actor: str,
    deliver: DeliveryQueue | None,
) -> int:
    request_id = request.id
    if request_id is None:
        raise NotFound("a request not stored")
    now = clock.now()
    with uow(portal_id) as work:
        work.tenant_requests.set_status(request_id, status, answer, now)
        work.audit.record(now, "request_status", "tenant_request", request_id,
                          {"status": status.value}, actor=actor)  # fmt: skip
        queued = _tell_tenant(work, clock, portal_id, request, status, answer)
        if queued and deliver is not None:
            work.after_commit(deliver)
        work.commit()
    return 1


def _tell_tenant(
    work: UnitOfWork,
    clock: Clock,
    portal_id: int,
    request: TenantRequest,
    status: RequestStatus,
    answer: str,
) -> int:
    """Queue the status change to the tenant, in the tenant's language."""
    tenant = work.parties.tenant(request.tenant_id)
    lease = work.leases.get(request.lease_id)
    _ = gettext_for(tenant.language)
    named = _(STATUS_TEXT[status])
    lines = [
        _(
            "The status of your request No. %(id)s on lease No. %(lease)s: %(status)s.",
            id=request.id, lease=lease.number, status=named,
        )
    ]  # fmt: skip
    if answer:
        lines.append(_("The manager's answer: %(answer)s", answer=answer))
    lines.append(_("Your request: %(text)s", text=request.text[:500]))
    message = OutboxMessage(
        dedup_key=f"p{portal_id}:request:{request.id}:{status.value}",
        recipients=tuple(tenant.emails),
        subject=_("Request No. %(id)s: %(status)s", id=request.id, status=named),
        body_text="\n\n".join(lines) + "\n",
        kind="request_status",
        sender_name=lease.landlord.name,
        reply_to=lease.landlord.email,
        portal_id=portal_id,
    )
    return queue_for_tenant(work, clock, message, request.tenant_id)
