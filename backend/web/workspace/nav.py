"""The workspace's sections, in the order of a landlord's day. A tab shows when its view is
registered (a section is added by writing a view with the endpoint named here) and, for
settings, only to portal administrators."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _
from flask_babel.speaklater import LazyString

from backend.web.workspace.viewer import Viewer


@dataclass(frozen=True)
class Section:
    name: str
    endpoint: str
    label: LazyString
    admin_only: bool


SECTIONS = (
    Section("leases", "workspace.leases", _("Leases"), False),
    Section("attention", "workspace.attention", _("Needs attention"), False),
    Section("requests", "workspace.requests", _("Requests"), False),
    Section("payments", "workspace.payments", _("Payments"), True),
    Section("premises", "workspace.premises", _("Premises"), False),
    Section("announcements", "workspace.announcements", _("Announcements"), True),
    Section("landlords", "workspace.landlords", _("Landlords"), True),
    Section("settings", "workspace.settings", _("Settings"), True),
    Section("pipelines", "workspace.pipelines", _("Pipelines and stages"), True),
)


def visible_sections(viewer: Viewer) -> list[Section]:
    """The tabs ``viewer`` sees: registered views, settings only for administrators."""
    views = current_app.view_functions
    return [s for s in SECTIONS if s.endpoint in views and (viewer.is_admin or not s.admin_only)]
