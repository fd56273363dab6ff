"""The Bitrix24 app page (placement DEFAULT, the portal's left menu): the door into the
workspace. The portal proves the person (AUTH_ID live on the stored portal, ``user.current``,
``user.admin``); rentflow signs a workspace ``Viewer`` for them and sends the frame on to the
workspace (``backend/web/workspace``), keeping the frame's query for Bitrix24's JS SDK."""

from __future__ import annotations

import json

from flask import redirect, request
from flask.typing import ResponseReturnValue

from backend.web import bitrix24_portal_auth as portal_auth
from backend.web.bitrix24 import bp, request_portal
from backend.web.deps import container
from backend.web.i18n import select_lang
from backend.web.workspace.pages import workspace_url
from backend.web.workspace.viewer import Viewer, sign_viewer
from crm_mappings.bitrix24.client import current_user, user_is_admin


def bitrix24_viewer(member_id: str, auth_id: str) -> Viewer:
    """The workspace viewer of a frame request the portal has just confirmed."""
    c = container()
    portal = portal_auth.find_portal(c, member_id)
    if portal is None:
        raise portal_auth.Forbidden("unknown portal")
    endpoint = portal_auth.stored_endpoint(c, portal)
    user_id, name = current_user(endpoint, auth_id)
    return Viewer(
        portal_id=portal_auth.portal_id(portal), crm=portal_auth.KIND, user_id=user_id,
        user_name=name, is_admin=user_is_admin(endpoint, auth_id), lang=select_lang(),
    )  # fmt: skip


def lease_asked() -> int | None:
    """The lease a link asked for: the deal's lease-link field opens the app through
    ``REST_APP_URI`` with ``params[lease]``, which arrives in ``PLACEMENT_OPTIONS`` as a string
    (EN api-reference/widgets/universal/app-url)."""
    try:
        options = json.loads(request.form.get("PLACEMENT_OPTIONS") or "{}")
    except ValueError:
        return None
    lease = str(options.get("lease", "")) if isinstance(options, dict) else ""
    return int(lease) if lease.isdigit() else None


@bp.post("/app")
def app_page() -> ResponseReturnValue:
    """The app page from the portal's left menu: administrators and managers alike enter the
    workspace; what they see there depends on ``user.admin``. An administrator re-opening the
    app after the refresh token died hands over fresh tokens, which bring the portal back."""
    form = request.form
    restore = bool(form.get("REFRESH_ID"))
    request_portal(admin=False, restore=restore)
    viewer = bitrix24_viewer(form.get("member_id", ""), form.get("AUTH_ID", ""))
    token = sign_viewer(container(), viewer)  # what every page of the workspace carries
    lease = lease_asked()
    if lease is not None:  # the deal's lease link: straight to the lease card
        card = workspace_url(viewer, "workspace.lease_card", token=token, lease_id=lease)
        return redirect(card, 303)
    return redirect(workspace_url(viewer, "workspace.home", token=token), 303)
