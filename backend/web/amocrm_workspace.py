"""The amoCRM door into the workspace: the widget's advanced settings page, its section in the
left menu and its lead-card panel ask ``GET /amocrm/widget/workspace`` (with amoCRM's
disposable token in ``X-Auth-Token``, checked as every widget call) for the address to show in
their frame.

The token names the account and the user (``user_id``); who that user is and whether they
administer the account is amoCRM's answer to GET /api/v4/users/{id}
(https://www.amocrm.ru/developers/content/crm_platform/users-api, ``rights.is_admin``), asked
with the account's own OAuth token, never taken from the page. rentflow then signs a workspace
``Viewer`` and answers ``{"url": "/workspace/...?t=<token>&LANG=.."}``:

- ``?area=advanced_settings`` (the settings page): the workspace's first page; a user who is
  not an administrator is refused (403), as amoCRM keeps its settings from them;
- ``?area=widget_page&page=leases|attention`` (the widget's section of the left menu, shown
  to every user of the account, https://developers.kommo.com/docs/left-menu): the leases
  list or needs attention, with the workspace's tabs; a manager sees their own leases and
  no settings' tabs, an administrator everything (the workspace decides by ``is_admin``);
- ``?lead_id=<id>`` (the lead card): the lead's lease card, or the form creating a lease from
  the lead when it has none (``/workspace/leases/<id>``, ``/workspace/leases/new?deal=<id>``,
  drawn for the narrow panel: ``view=panel``, no sections' tabs).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from backend.domain.errors import stored_id
from backend.web.amocrm_widget import bp, caller_user
from backend.web.deps import container
from backend.web.workspace.pages import workspace_url
from backend.web.workspace.viewer import LANGUAGES, Viewer, sign_viewer
from crm_mappings.port import CrmKind


@bp.get("/workspace")
def widget_workspace() -> ResponseReturnValue:
    """The workspace address for the widget's frame (see the module's docstring)."""
    portal, user = caller_user()
    c = container()
    wanted = request.args.get("lang", "").lower()
    lang = wanted if wanted in LANGUAGES else (user.lang if user.lang in LANGUAGES else "ru")
    portal_id = stored_id(portal.id, "portal")
    viewer = Viewer(portal_id=portal_id, crm=CrmKind.AMOCRM.value, user_id=user.id,
                    user_name=user.name, is_admin=user.is_admin, lang=lang)  # fmt: skip
    lead_id = request.args.get("lead_id", "").strip()
    if request.args.get("area") == "widget_page":
        return _menu_page(viewer, request.args.get("page", ""))
    if not lead_id:
        if not user.is_admin:
            return jsonify(error="settings are for account administrators"), 403
        return jsonify(url=_address(viewer, "workspace.home"))
    if not lead_id.isdigit():
        return jsonify(error="bad lead id"), 400
    with c.uow(portal_id) as uow:
        lease = uow.leases.by_deal(lead_id)
    if lease is not None and lease.id is not None:
        card = _address(viewer, "workspace.lease_card", lease_id=lease.id, view="panel")
        return jsonify(url=card, lease=True)
    return jsonify(
        url=_address(viewer, "workspace.new_lease", deal=lead_id, view="panel"), lease=False
    )


MENU_PAGES = {"leases": "workspace.leases", "attention": "workspace.attention"}
"""The left menu's subsections (manifest.json ``left_menu``) and the pages they open."""


def _menu_page(viewer: Viewer, page: str) -> ResponseReturnValue:
    endpoint = MENU_PAGES.get(page)
    if endpoint is None:
        return jsonify(error="no such page"), 400
    return jsonify(url=_address(viewer, endpoint))


def _address(viewer: Viewer, endpoint: str, **values: Any) -> str:
    """The workspace page for the widget's frame, with a token signed for ``viewer``."""
    return workspace_url(viewer, endpoint, token=sign_viewer(container(), viewer), **values)
