"""The landlord's workspace: one set of pages, served by rentflow, shown inside both CRMs
(the Bitrix24 app page and deal tab, amoCRM's advanced settings and lead card panel).

How a section is added: write ``backend/web/workspace/<section>.py`` with views on ``bp``
(each view: ``viewer = current_viewer(container(), admin=...)`` → one service call in a unit
of work → ``render_page(...)`` after it), templates under
``backend/web/templates/workspace/`` extending ``workspace/base.html``, list the module in
``sections.SECTION_MODULES``, and name its main view as in ``nav.SECTIONS`` to get its tab.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, redirect, render_template, request
from flask.typing import ResponseReturnValue

from backend.services.landlords import list_landlords
from backend.web.deps import container
from backend.web.workspace.nav import visible_sections
from backend.web.workspace.pages import workspace_url
from backend.web.workspace.viewer import NotAdmin, NoViewer, current_viewer, read_viewer

log = logging.getLogger(__name__)
bp = Blueprint("workspace", __name__, url_prefix="/workspace")


def _lang() -> str:
    lang = (request.values.get("LANG") or request.values.get("lang") or "ru").lower()
    return lang if lang in ("ru", "en") else "en"


@bp.errorhandler(NoViewer)
def _no_viewer(err: NoViewer) -> ResponseReturnValue:
    log.warning("workspace %s refused: %s", request.path, err)
    return render_template("workspace/expired.html", lang=_lang()), 401


@bp.errorhandler(NotAdmin)
def _not_admin(err: NotAdmin) -> ResponseReturnValue:
    log.warning("workspace %s forbidden: %s", request.path, err)
    return render_template("workspace/forbidden.html", lang=_lang()), 403


@bp.after_request
def _no_referrer(response: Response) -> Response:
    """The token is in the address: never hand it to another site."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.get("/")
def home() -> ResponseReturnValue:
    """The first tab the viewer needs: an admin of a portal without landlords starts there."""
    c = container()
    viewer = current_viewer(c)
    sections = visible_sections(viewer)
    if viewer.is_admin:
        with c.uow(viewer.portal_id) as uow:
            first_time = not list_landlords(uow)
        if first_time:
            return redirect(workspace_url(viewer, "workspace.landlords"), 303)
    if not sections:
        return render_template("workspace/forbidden.html", lang=viewer.lang), 403
    return redirect(workspace_url(viewer, sections[0].endpoint), 303)


__all__ = ["bp", "read_viewer"]
