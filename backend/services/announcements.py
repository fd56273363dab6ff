"""Announcements (повідомлення, seed 003): the landlord's dated message to every tenant of a
building, or to one tenant ("Наприклад, звістку про тимчасову зміну режиму роботи орендного
об'єкта. Вказуються дата й текст повідомлення"). The tenants it reaches are fixed when it is
posted: they see it in the cabinet and get it by the channels they chose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from backend.domain.messages import OutboxMessage
from backend.domain.tenant_requests import Announcement, InvalidRequest
from backend.ports import Clock
from backend.services.channels import queue_for_tenant
from backend.services.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class Posted:
    announcement_id: int
    tenants: int
    messages: int


def post_announcement(
    uow: UnitOfWorkFactory,
    clock: Clock,
    portal_id: int,
    posted_on: date,
    title: str,
    text: str,
    *,
    building: str = "",
    tenant_id: int | None = None,
    actor: str = "system",
    deliver: Callable[[], None] | None = None,
) -> Posted:
    """Post to ``building``'s tenants (those with a signed lease on one of its premises) or
    to ``tenant_id``; ``InvalidRequest`` for a bad one or a building nobody rents in."""
    announcement = Announcement(
        posted_on=posted_on, title=title.strip(), text=text.strip(),
        building=building.strip(), tenant_id=tenant_id,
    )  # fmt: skip
    now = clock.now()
    with uow(portal_id) as work:
        if tenant_id is not None:
            work.parties.tenant(tenant_id)  # NotFound for another portal's tenant
            tenants = [tenant_id]
        else:
            tenants = work.announcements.tenants_of_building(announcement.building)
            if not tenants:
                raise InvalidRequest("building", "no tenant has a signed lease in this building")
        announcement_id = work.announcements.add(announcement, tenants, now)
        messages = 0
        for tid in tenants:
            tenant = work.parties.tenant(tid)
            # from the landlord of the tenant's latest lease, as its invoices come
            leases = work.tenant_requests.lease_ids_of([tid])
            landlord = work.leases.get(max(leases)).landlord if leases else None
            message = OutboxMessage(
                dedup_key=f"p{portal_id}:announcement:{announcement_id}:t{tid}",
                recipients=tuple(tenant.emails),
                subject=announcement.title,
                body_text=f"{posted_on:%d.%m.%Y}\n\n{announcement.text}\n",
                kind="announcement",
                sender_name=landlord.name if landlord else work.portals.get(portal_id).name,
                reply_to=landlord.email if landlord else "",
                portal_id=portal_id,
            )
            messages += queue_for_tenant(work, clock, message, tid)
        work.audit.record(now, "announcement_posted", "announcement", announcement_id,
                          {"tenants": len(tenants), "building": announcement.building},
                          actor=actor)  # fmt: skip
        if messages and deliver is not None:
            work.after_commit(deliver)
        work.commit()
    return Posted(announcement_id, len(tenants), messages)
