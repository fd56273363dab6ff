"""The landlord's side of the tenant cabinet, as the workspace shows it (seed 003): the
tenants' requests to review and answer, and the announcements posted to tenants with how far
they went.

A manager who is not an administrator reaches only the requests of the leases they manage
(``manager``: their CRM user id; None for an administrator); anything else answers
``NotFound``, as another portal's request does. Answers go through
``tenant_requests.answer_request``, the API's path, so the tenant is told by their channels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from backend.domain.errors import DomainError, NotFound
from backend.domain.tenant_requests import (
    MAX_TEXT,
    Announcement,
    InvalidRequest,
    RequestKind,
    RequestStatus,
    TenantRequest,
)
from backend.ports import Clock, DocumentStorage
from backend.services.announcements import Posted, post_announcement
from backend.services.lease_list import managed_by
from backend.services.tenant_requests import RequestQueue, answer_request, request_file
from backend.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

MAX_TITLE = 200


@dataclass(frozen=True)
class RequestLine:
    """A request with what a manager needs to place it: whose, on which lease."""

    request: TenantRequest
    tenant: str
    lease_number: str


@dataclass(frozen=True)
class AnnouncementLine:
    """A posted announcement, whom it addressed, and its messages by status."""

    announcement: Announcement
    audience: str  # the building, or the tenant's name
    tenants: int
    sent: int
    pending: int
    failed: int


@dataclass(frozen=True)
class Audience:
    """Whom an announcement may address: the buildings of the premises register and the
    tenants with a lease (id, name, their lease numbers)."""

    buildings: list[str]
    tenants: list[tuple[int, str, tuple[str, ...]]]


class AnnouncementFormInvalid(DomainError):
    """The announcement form's problems, ``{field: code}`` (missing, too_long, date, nobody,
    choice); nothing was posted."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def _status(value: str) -> RequestStatus | None:
    return RequestStatus(value) if value in set(RequestStatus) else None


def _kind(value: str) -> RequestKind | None:
    return RequestKind(value) if value in set(RequestKind) else None


def request_lines(
    uow: UnitOfWork, *, manager: str | None, lease_id: int | None = None, status: str = "",
    kind: str = "",
) -> list[RequestLine]:  # fmt: skip
    """The requests ``manager`` may see (all for None), newest first, narrowed to a lease, a
    status and a kind (an unknown one: any)."""
    found = uow.tenant_requests.listed(
        lease_id=lease_id, manager=manager, status=_status(status), kind=_kind(kind)
    )
    leases = uow.leases.get_many(sorted({r.lease_id for r in found}))
    return [
        RequestLine(r, leases[r.lease_id].tenant.name, leases[r.lease_id].number)
        for r in found
        if r.lease_id in leases
    ]


def _visible(uow: UnitOfWork, request_id: int, manager: str | None) -> TenantRequest:
    request = uow.tenant_requests.get(request_id)  # NotFound for another portal's
    if manager is not None and not managed_by(uow.leases.get(request.lease_id), manager):
        raise NotFound(f"request {request_id}")
    return request


def answer_as(
    uow: UnitOfWorkFactory, clock: Clock, portal_id: int, request_id: int, *,
    manager: str | None, status: str, answer: str, actor: str,
    deliver: Callable[[], None] | None = None, queue: RequestQueue | None = None,
) -> TenantRequest:  # fmt: skip
    """Move a request the viewer may see (in work, or done with an answer), tell the tenant
    and queue its CRM task's change; ``NotFound`` for one they may not, ``InvalidRequest``
    naming the field (a request is not put back to "not reviewed" from here)."""
    if status not in (RequestStatus.IN_WORK, RequestStatus.DONE):
        raise InvalidRequest("status", "in work or done")
    with uow(portal_id) as work:
        _visible(work, request_id, manager)
    return answer_request(uow, clock, portal_id, request_id, status, answer, actor, deliver, queue)


def file_for(
    uow: UnitOfWorkFactory, storage: DocumentStorage, portal_id: int, request_id: int,
    file_id: int, manager: str | None,
) -> tuple[str, str, bytes]:  # fmt: skip
    """(name, type, bytes) of a file of a request the viewer may see; ``NotFound`` else."""
    with uow(portal_id) as work:
        _visible(work, request_id, manager)
    return request_file(uow, storage, portal_id, request_id, file_id)


def announcement_lines(uow: UnitOfWork, limit: int = 100) -> list[AnnouncementLine]:
    """The portal's latest announcements, newest first, with their audience and reach."""
    posted = uow.announcements.recent(limit)
    reach = uow.announcements.reach([a.id for a in posted if a.id is not None])
    names = {t: uow.parties.tenant(t).name for t in {a.tenant_id for a in posted} if t is not None}
    lines = []
    for a in posted:
        tenants, messages = reach.get(a.id or 0, (0, {}))
        audience = a.building if a.tenant_id is None else names[a.tenant_id]
        lines.append(AnnouncementLine(
            a, audience, tenants, sent=messages.get("sent", 0),
            pending=messages.get("pending", 0), failed=messages.get("failed", 0),
        ))  # fmt: skip
    return lines


def audience(uow: UnitOfWork) -> Audience:
    return Audience(uow.announcements.buildings(), uow.announcements.tenant_choices())


def _read_audience(value: str) -> tuple[str, int | None] | None:
    """``building:<name>`` or ``tenant:<id>``, as the form's one choice carries it."""
    what, _, which = value.partition(":")
    if what == "building" and which.strip():
        return which.strip(), None
    if what == "tenant" and which.isdigit():
        return "", int(which)
    return None


def _form_problems(form: Mapping[str, str], today: date) -> tuple[dict[str, str], date]:
    problems: dict[str, str] = {}
    posted_on = today
    raw = form.get("posted_on", "").strip()
    if raw:
        try:
            posted_on = date.fromisoformat(raw)
        except ValueError:
            problems["posted_on"] = "date"
    for name, limit in (("title", MAX_TITLE), ("text", MAX_TEXT)):
        value = form.get(name, "").strip()
        if not value:
            problems[name] = "missing"
        elif len(value) > limit:
            problems[name] = "too_long"
    if _read_audience(form.get("audience", "")) is None:
        problems["audience"] = "missing"
    return problems, posted_on


def post_from_form(
    uow: UnitOfWorkFactory, clock: Clock, portal_id: int, form: Mapping[str, str], *,
    actor: str, deliver: Callable[[], None] | None = None,
) -> Posted:  # fmt: skip
    """Post the workspace form's announcement (date, title, text, audience) through
    ``post_announcement``; ``AnnouncementFormInvalid`` with every problem, nothing posted."""
    problems, posted_on = _form_problems(form, clock.today())
    if problems:
        raise AnnouncementFormInvalid(problems)
    building, tenant_id = _read_audience(form.get("audience", "")) or ("", None)
    try:
        return post_announcement(
            uow, clock, portal_id, posted_on, form.get("title", ""), form.get("text", ""),
            building=building, tenant_id=tenant_id, actor=actor, deliver=deliver,
        )  # fmt: skip
    except InvalidRequest as err:  # a building nobody rents in now
        problem = "nobody" if err.field == "building" else "choice"
        raise AnnouncementFormInvalid({"audience": problem}) from err
    except NotFound as err:  # a tenant not of this portal
        raise AnnouncementFormInvalid({"audience": "choice"}) from err
