"""Drawing a workspace page: the viewer, its tabs and the portal's last billing run around a
section's template. Views call ``render_page`` after their unit of work is closed, so a page
(an error page too) is never drawn while a transaction is open."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from backend.web.deps import container
from backend.web.frame_query import FRAME_QUERY
from backend.web.workspace.nav import visible_sections
from backend.web.workspace.viewer import Viewer, request_token

# every workspace address keeps the Bitrix24 frame's query, as it keeps the token, but LANG
# is the viewer's own; ``view=panel``: the page is shown in a narrow card panel (amoCRM's lead
# card), without the sections' tabs.
KEPT_QUERY = (*(k for k in FRAME_QUERY if k != "LANG"), "view")


def workspace_url(
    viewer: Viewer, endpoint: str, *, token: str = "", base: str = "", **values: Any
) -> str:
    """``url_for`` of a workspace page with what every workspace address carries: the token
    (this request's, or ``token`` for a viewer just signed), the viewer's language and the
    frame's query; ``base`` prefixes rentflow's public address where a page needs it."""
    query = {k: v for k, v in values.items() if v is not None and v != ""}
    path_args = _path_args(endpoint)
    path = url_for(endpoint, **{k: v for k, v in query.items() if k in path_args})
    kept = {k: request.args[k] for k in KEPT_QUERY if request.args.get(k)}
    rest = {k: v for k, v in query.items() if k not in path_args}
    carried = {"t": token or request_token(), "LANG": viewer.lang, **kept, **rest}
    return f"{base}{path}?{urlencode(carried, doseq=True)}"


def _path_args(endpoint: str) -> set[str]:
    rules = current_app.url_map.iter_rules(endpoint)
    return {arg for rule in rules for arg in rule.arguments}


def render_page(
    template: str, viewer: Viewer, *, section: str, status: int = 200, **context: Any
) -> ResponseReturnValue:
    """A section's template inside the workspace frame."""
    c = container()
    with c.uow(viewer.portal_id) as uow:
        last_run = next(iter(uow.runs.recent(1)), None)

    def wurl(endpoint: str, **values: Any) -> str:
        return workspace_url(viewer, endpoint, **values)

    def frame_fields() -> Markup:
        return Markup('<input type="hidden" name="t" value="{}">').format(request_token()) + Markup(
            '<input type="hidden" name="lang" value="{}">'
        ).format(viewer.lang)

    page = render_template(
        template, viewer=viewer, lang=viewer.lang, section=section, last_run=last_run,
        sections=visible_sections(viewer), wurl=wurl, frame_fields=frame_fields, **context,
    )  # fmt: skip
    return page, status
