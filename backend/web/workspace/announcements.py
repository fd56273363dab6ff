"""The announcements section (administrators, as the other sections that reach every tenant
or the whole portal): post a dated announcement to the tenants of a building or to one
tenant, chosen by name, and the past ones with whom they reached and how many of their
messages went. Posting is ``announcements.post_announcement``, the API's path: the tenants
see it in the cabinet and get it by the channels they chose."""

from __future__ import annotations

import logging

from flask import redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from backend.services.tenant_desk import (
    AnnouncementFormInvalid,
    announcement_lines,
    audience,
    post_from_form,
)
from backend.web.deps import container
from backend.web.workspace import bp
from backend.web.workspace.pages import render_page, workspace_url
from backend.web.workspace.viewer import Viewer, current_viewer

log = logging.getLogger(__name__)
_ = lazy_gettext
FIELDS = ("posted_on", "title", "text", "audience")
PROBLEMS = {
    "posted_on": {"date": _("A date, e.g. 01.03.2026.")},
    "title": {"missing": _("Give the announcement a title."),
              "too_long": _("At most 200 characters.")},
    "text": {"missing": _("Write the announcement's text."),
             "too_long": _("At most 4000 characters.")},
    "audience": {"missing": _("Choose a building or a tenant to tell."),
                 "nobody": _("No tenant has a signed lease in this building now."),
                 "choice": _("Choose one of the list.")},
}  # fmt: skip


def _viewer() -> Viewer:
    return current_viewer(container(), admin=True)


def render_announcements(
    viewer: Viewer, *, status: int = 200, message: str = "",
    errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
) -> ResponseReturnValue:  # fmt: skip
    c = container()
    with c.uow(viewer.portal_id) as uow:
        lines = announcement_lines(uow)
        choices = audience(uow)
    return render_page(
        "workspace/announcements.html", viewer, section="announcements", status=status,
        lines=lines, choices=choices, message=message, errors=errors or {},
        typed=typed or {"posted_on": c.clock.today().isoformat()},
    )  # fmt: skip


@bp.get("/announcements", endpoint="announcements")
def announcements_view() -> ResponseReturnValue:
    viewer = _viewer()
    posted = request.args.get("done") == "posted"
    message = gettext("Announcement posted; whom it reached is in the list.") if posted else ""
    return render_announcements(viewer, message=message)


@bp.post("/announcements", endpoint="post_announcement")
def post_view() -> ResponseReturnValue:
    """Post: back to the list (303), or the form with each problem next to its field and
    what was typed kept (422), nothing posted."""
    viewer = _viewer()
    c = container()
    form = {k: request.form.get(k, "") for k in FIELDS}
    try:
        posted = post_from_form(
            c.uow, c.clock, viewer.portal_id, form,
            actor=viewer.actor, deliver=c.tasks.deliver_outbox,
        )  # fmt: skip
    except AnnouncementFormInvalid as err:
        errors = {k: str(PROBLEMS[k][code]) for k, code in err.problems.items()}
        return render_announcements(viewer, status=422, errors=errors, typed=form)
    log.info("announcement %s: %s tenants", posted.announcement_id, posted.tenants)
    return redirect(workspace_url(viewer, "workspace.announcements", done="posted"), 303)
