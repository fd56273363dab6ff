"""The tenant's requests (заявки, seed 003): the list, a new one with files, one with its
status and the manager's answer."""

from __future__ import annotations

from typing import Any, cast

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _

from backend.domain.errors import NotFound
from backend.domain.tenant_requests import (
    ALLOWED_EXTENSIONS,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    InvalidRequest,
    RequestKind,
    RequestStatus,
)
from backend.services import cabinet_channels, tenant_requests
from backend.web.cabinet.blueprint import bp
from backend.web.cabinet.nav import NavEntry, add
from backend.web.cabinet.session import cabinet_view, container, current_tenant
from backend.web.downloads import file_response

KINDS = {
    RequestKind.TECHNICAL: _("Technical"),
    RequestKind.ORGANISATIONAL: _("Organisational"),
    RequestKind.FINANCIAL: _("Financial"),
    RequestKind.OTHER: _("Other"),
}
STATUSES = {
    RequestStatus.NEW: _("Not reviewed"),
    RequestStatus.IN_WORK: _("In work"),
    RequestStatus.DONE: _("Resolved"),
}
MAX_MB = MAX_ATTACHMENT_BYTES // (1024 * 1024)
# what the form may bring at most: the files and a little for the text and fields
MAX_BODY = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 64 * 1024

add(NavEntry("cabinet.requests", _("Requests"), order=40))


def _uow() -> Any:
    return cast(Any, container().uow)


def _message(error: InvalidRequest) -> str:
    """The refusal in the person's language, next to its field."""
    if error.field == "attachments":
        text = gettext(
            "Attach up to %(n)s files: %(types)s, up to %(mb)s MB each, not empty.",
            n=MAX_ATTACHMENTS,
            types=", ".join(e.lstrip(".").upper() for e in ALLOWED_EXTENSIONS),
            mb=MAX_MB,
        )
        return f"{error.subject}: {text}" if error.subject else text
    texts = {
        "text": gettext("Describe your request (up to 4000 characters)."),
        "kind": gettext("Choose the type of the request."),
        "lease": gettext("Choose one of your leases."),
    }
    return str(texts.get(error.field) or gettext("Check this field."))


def _form(values: dict[str, str], errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    leases = cabinet_channels.lease_choices(_uow(), current_tenant())
    page = render_template(
        "cabinet/request_new.html", leases=leases, kinds=KINDS, values=values, errors=errors,
        max_files=MAX_ATTACHMENTS, max_mb=MAX_MB,
        accept=",".join(ALLOWED_EXTENSIONS),
    )  # fmt: skip
    return page, status


@bp.get("/requests")
@cabinet_view()
def requests() -> ResponseReturnValue:
    found = cabinet_channels.tenant_requests(_uow(), current_tenant())
    return render_template("cabinet/requests.html", rows=found, kinds=KINDS, statuses=STATUSES)


@bp.get("/requests/new")
@cabinet_view()
def new_request() -> ResponseReturnValue:
    return _form({}, {})


@bp.post("/requests")
@cabinet_view()
def file_request() -> ResponseReturnValue:
    values = {k: request.form.get(k, "") for k in ("lease", "kind", "text")}
    if (request.content_length or 0) > MAX_BODY:
        return _form(values, {"attachments": _message(InvalidRequest("attachments", ""))}, 413)
    files = [
        tenant_requests.NewFile(f.filename or "file", f.read())
        for f in request.files.getlist("attachments")
        if f.filename
    ]
    ref = current_tenant()
    c = container()
    try:
        lease_id = int(values["lease"] or 0)
        request_id = tenant_requests.file_request(
            c.uow, c.clock, c.document_storage(), ref.portal_id, ref.ids, lease_id,
            values["kind"], values["text"], files,
            queue=c.tasks.request_task,
        )  # fmt: skip
    except ValueError:
        return _form(values, {"lease": _message(InvalidRequest("lease", ""))}, 422)
    except InvalidRequest as error:
        return _form(values, {error.field: _message(error)}, 422)
    flash(gettext("Your request No. %(id)s is filed; the manager will answer here.", id=request_id))
    return redirect(url_for("cabinet.request_detail", request_id=request_id), code=303)


@bp.get("/requests/<int:request_id>")
@cabinet_view()
def request_detail(request_id: int) -> ResponseReturnValue:
    try:
        found = cabinet_channels.tenant_request(_uow(), current_tenant(), request_id)
    except NotFound:
        abort(404)
    return render_template("cabinet/request.html", row=found, kinds=KINDS, statuses=STATUSES)


@bp.get("/requests/<int:request_id>/files/<int:file_id>")
@cabinet_view()
def request_file(request_id: int, file_id: int) -> ResponseReturnValue:
    c = container()
    try:
        name, mime, data = cabinet_channels.request_file(
            _uow(), c.document_storage(), current_tenant(), request_id, file_id
        )
    except NotFound:
        abort(404)
    return file_response(data, mime, name)
