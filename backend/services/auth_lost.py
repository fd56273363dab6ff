"""A portal whose refresh token died: tell the admin who installed rentflow, once a day.

The CRM cannot be used to say it (its API no longer accepts rentflow), so it goes by e-mail
through the outbox; opening the app again hands rentflow fresh tokens and ends it. Where no
admin address is known (amoCRM's install redirect names no user), the managers of the
portal's leases are told instead.
"""

from __future__ import annotations

from backend.domain.messages import OutboxMessage
from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork


def notify_auth_lost(uow: UnitOfWork, clock: Clock, portal_id: int) -> bool:
    """Queue the e-mail to the portal's admin; False when no address is known or it was
    already queued today. ``uow`` (scoped to the portal) is entered and committed here."""
    with uow:
        portal = uow.portals.get(portal_id)
        admin = str(portal.settings.get("admin_email", ""))
        recipients = (admin,) if admin else _managers(uow)
        if not recipients:
            return False
        where = portal.domain or portal.external_id
        crm = "amoCRM" if portal.kind == "amocrm" else "Битрикс24"
        queued = uow.outbox.add(
            OutboxMessage(
                dedup_key=f"auth_lost:{portal_id}:{clock.today().isoformat()}",
                recipients=recipients,
                subject=f"rentflow потерял доступ к порталу {where}",
                body_text=(
                    f"rentflow больше не может работать с порталом {where}: {crm} отклонил "
                    "ключ доступа. Откройте приложение rentflow на портале под администратором — "
                    "доступ восстановится, и отложенные обновления сделок будут отправлены.\n\n"
                    f"rentflow lost access to {where}. Open the rentflow app on the portal as "
                    "an administrator to restore it."
                ),
                kind="portal_auth_lost",
                portal_id=portal_id,
            ),
            clock.now(),
        )
        uow.audit.record(clock.now(), "portal.auth_lost_notified", "portal", portal_id)
        uow.commit()
    return queued


def _managers(uow: UnitOfWork) -> tuple[str, ...]:
    emails = {lease.manager.email for lease in uow.leases.list() if lease.manager is not None}
    return tuple(sorted(e for e in emails if e))
