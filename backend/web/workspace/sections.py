"""Every section of the workspace, mounted on the app: importing a section module adds its
views to the workspace blueprint (kept apart from the package so no section imports back
into what imports it)."""

from __future__ import annotations

from flask import Flask

from backend.web.workspace import (
    announcements,
    attention,
    bp,
    landlords,
    lease_tenant,
    leases,
    leases_actions,
    payments,
    pipelines,
    premises,
    settings,
    tenant_requests,
)

SECTION_MODULES = (
    landlords, pipelines, leases, leases_actions, lease_tenant, payments, premises, attention,
    tenant_requests, announcements, settings,
)  # fmt: skip


def register(app: Flask) -> None:
    """Mount the workspace with all its sections."""
    app.register_blueprint(bp)
