"""One way to run work against a portal's CRM, in the spirit of pypi/warehouse's
``WarehouseTask``: ``@portal_task`` loads the portal, skips it unless it is active and has a
CRM adapter, builds the adapter, turns ``CrmAuthLost`` into the admin's notice
(``services.auth_lost``) and retries ``CrmUnavailable`` with one policy.

    @portal_task
    def crm_deal_changed(work: PortalWork, deal_id: str) -> None:
        crm_sync.apply_deal_stage(work.uow(), work.clock, work.crm, deal_id)

is queued with ``crm_deal_changed.delay(portal_id, deal_id)`` (or through ``ports.Tasks``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import shared_task

from backend.bootstrap import Container
from backend.domain.portal import Portal
from backend.ports import Clock
from backend.services.auth_lost import notify_auth_lost
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.port import CrmAuthLost, CrmPort, CrmUnavailable
from jobs.retry import capped
from jobs.runtime import active_portal, container

# talking to a portal: retried while its CRM is down, about six hours before giving up
RETRY_BACKOFF, RETRY_BACKOFF_MAX, MAX_RETRIES = 30, 900, 30


@dataclass(frozen=True)
class PortalWork:
    """What a portal task works with: the container, the active portal and its CRM adapter."""

    container: Container
    portal: Portal
    crm: CrmPort
    portal_id: int

    @property
    def clock(self) -> Clock:
        return self.container.clock

    def uow(self) -> UnitOfWork:
        """A unit of work scoped to the portal."""
        return self.container.uow(self.portal_id)


PortalFunction = Callable[..., None]  # (PortalWork, *args)


def portal_task(fn: PortalFunction | None = None, *, name: str | None = None) -> Any:
    """Register ``fn(work, *args)`` as the Celery task ``<module>.<fn name>`` (or ``name``),
    queued with ``(portal_id, *args)``."""

    def register(body: PortalFunction) -> Any:
        def run(portal_id: int, *args: Any) -> None:
            c = container()
            portal = active_portal(c, portal_id)
            if portal is None or portal.kind not in c.crm_factories:
                return  # uninstalled (its jobs stop), or a CRM this deployment does not serve
            try:
                body(PortalWork(c, portal, c.crm(portal), portal_id), *args)
            except CrmAuthLost:
                notify_auth_lost(c.uow(portal_id), c.clock, portal_id)

        run.__name__, run.__qualname__ = body.__name__, body.__qualname__
        run.__module__, run.__doc__ = body.__module__, body.__doc__
        task_name = name or f"{body.__module__}.{body.__name__}"
        return shared_task(
            name=task_name,
            acks_late=True,
            autoretry_for=(CrmUnavailable,),
            retry_backoff=RETRY_BACKOFF,
            retry_backoff_max=capped(RETRY_BACKOFF_MAX),
            max_retries=MAX_RETRIES,
        )(run)

    return register if fn is None else register(fn)
