"""The worker process's container: built lazily after fork, or handed in by tests."""

from __future__ import annotations

from backend.bootstrap import Container, bootstrap
from backend.config import Settings, production_ready
from backend.domain.portal import Portal, PortalStatus

_container: Container | None = None


def set_container(container: Container | None) -> None:
    """Use ``container`` for the tasks of this process (tests, ``rentflow serve``)."""
    global _container
    _container = container


def container() -> Container:
    global _container
    if _container is None:
        # a worker started by `celery` itself, not `rentflow worker`: the same start checks
        _container = bootstrap(production_ready(Settings.from_env()))
    return _container


def active_portal(c: Container, portal_id: int) -> Portal | None:
    """The portal if it is still active (an uninstalled portal's jobs stop)."""
    with c.uow() as uow:
        portal = uow.portals.get(portal_id)
    return portal if portal.active else None


def installed_portal(c: Container, portal_id: int) -> bool:
    """False once the portal was uninstalled: jobs that need no CRM (1C) stop then too."""
    with c.uow() as uow:
        return uow.portals.get(portal_id).status is not PortalStatus.UNINSTALLED
