"""The landlord's announcements to the tenant (повідомлення, seed 003), newest first."""

from __future__ import annotations

from typing import Any, cast

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _

from backend.services import cabinet_channels
from backend.web.cabinet.blueprint import bp
from backend.web.cabinet.nav import NavEntry, add
from backend.web.cabinet.session import cabinet_view, container, current_tenant

add(NavEntry("cabinet.announcements", _("Announcements"), order=45))


@bp.get("/announcements")
@cabinet_view()
def announcements() -> ResponseReturnValue:
    found = cabinet_channels.tenant_announcements(cast(Any, container().uow), current_tenant())
    return render_template("cabinet/announcements.html", rows=found)
