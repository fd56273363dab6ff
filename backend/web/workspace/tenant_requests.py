"""The requests section: the tenants' requests (заявки, seed 003) filed in the cabinet, with
their files, and the answer: in work, or done with the manager's answer, which the tenant
gets in the cabinet and by their channels (the API's path, ``tenant_requests.answer_request``).

As with leases, a manager who is not an administrator sees the requests of the leases they
manage; another request answers as if it did not exist (404). Files are downloaded through
the workspace's token, never the cabinet's session.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from backend.domain.errors import NotFound
from backend.domain.tenant_requests import InvalidRequest, RequestStatus
from backend.services.tenant_desk import answer_as, file_for, request_lines
from backend.web.cabinet.requests import KINDS, STATUSES
from backend.web.deps import container
from backend.web.downloads import file_response
from backend.web.workspace import bp
from backend.web.workspace.leases import own_leases
from backend.web.workspace.pages import render_page, workspace_url
from backend.web.workspace.viewer import Viewer, current_viewer


def _lease_filter() -> int | None:
    raw = request.values.get("lease", "")
    return int(raw) if raw.isdigit() else None


def render_requests(
    viewer: Viewer, *, status: int = 200, message: str = "",
    errors: dict[int, dict[str, str]] | None = None, typed: dict[int, str] | None = None,
) -> ResponseReturnValue:  # fmt: skip
    """The list, filtered by status, kind and lease, an answer's problem next to its field."""
    # an answer's form carries the list's status filter apart from the status it sets
    status_key = "status_filter" if request.method == "POST" else "status"
    wanted = {"status": request.values.get(status_key, ""), "kind": request.values.get("kind", "")}
    c = container()
    with c.uow(viewer.portal_id) as uow:
        lines = request_lines(uow, manager=own_leases(viewer), lease_id=_lease_filter(), **wanted)
    return render_page(
        "workspace/requests.html", viewer, section="requests", status=status, lines=lines,
        wanted=wanted, lease_filter=_lease_filter(), kinds=KINDS, statuses=STATUSES,
        message=message, errors=errors or {}, typed=typed or {},
    )  # fmt: skip


@bp.get("/requests", endpoint="requests")
def requests_view() -> ResponseReturnValue:
    viewer = current_viewer(container())
    done, number = request.args.get("done", ""), request.args.get("number", "")
    return render_requests(viewer, message=_done_text(done, number))


def _done_text(done: str, number: str) -> str:
    if done == RequestStatus.IN_WORK:
        return str(gettext("Request № %(number)s is in work; the tenant is told.", number=number))
    if done == RequestStatus.DONE:
        text = gettext("Request № %(number)s is done; the tenant has the answer.", number=number)
        return str(text)
    return ""


def _problem(error: InvalidRequest) -> str:
    if error.field == "answer" and error.reason.startswith("at most"):
        return str(gettext("The answer is too long: at most 4000 characters."))
    if error.field == "answer":
        return str(gettext("Write the answer the tenant will get: a request is done with one."))
    return str(gettext("Choose in work or done."))


@bp.post("/requests/<int:request_id>/answer", endpoint="answer_request")
def answer_view(request_id: int) -> ResponseReturnValue:
    """Move a request; back to the list (303), or the list with the problem next to the
    answer and what was typed kept (422)."""
    c = container()
    viewer = current_viewer(c)
    status, answer = request.form.get("status", ""), request.form.get("answer", "")
    try:
        moved = answer_as(
            c.uow, c.clock, viewer.portal_id, request_id, manager=own_leases(viewer),
            status=status, answer=answer, actor=viewer.actor, deliver=c.tasks.deliver_outbox,
            queue=c.tasks.request_answered,
        )  # fmt: skip
    except NotFound:
        return _missing(viewer)
    except InvalidRequest as err:
        errors = {request_id: {err.field if err.field == "answer" else "status": _problem(err)}}
        return render_requests(viewer, status=422, errors=errors, typed={request_id: answer})
    back: dict[str, Any] = {k: request.values.get(k) for k in ("status_filter", "kind", "lease")}
    return redirect(workspace_url(
        viewer, "workspace.requests", done=moved.status.value, number=moved.id,
        status=back.pop("status_filter"), **back,
    ), 303)  # fmt: skip


def _missing(viewer: Viewer) -> ResponseReturnValue:
    text = gettext("No such request, or it is not on one of your leases.")
    return render_page(
        "workspace/lease_missing.html", viewer, section="requests", status=404, message=text
    )


@bp.get("/requests/<int:request_id>/files/<int:file_id>", endpoint="request_file")
def request_file_view(request_id: int, file_id: int) -> ResponseReturnValue:
    """A tenant's file of a request the viewer may see, as a download."""
    c = container()
    viewer = current_viewer(c)
    try:
        name, mime, data = file_for(
            c.uow, c.document_storage(), viewer.portal_id, request_id, file_id,
            own_leases(viewer),
        )  # fmt: skip
    except NotFound:
        return _missing(viewer)
    return file_response(data, mime, name)
