"""A portal whose refresh token died: tell the admin who installed rentflow, once a day.

The CRM cannot be used to say it (its API no longer accepts rentflow), so it goes by e-mail
through the outbox; opening the app again hands rentflow fresh tokens and ends it.
"""

from __future__ import annotations

from backend.domain.messages import OutboxMessage
from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork


def notify_auth_lost(uow: UnitOfWork, clock: Clock, portal_id: int) -> bool:
    """Queue the e-mail to the portal's admin; False when no address is known or it was
    already queued today. ``uow`` is entered and committed here."""
    with uow:
        portal = uow.portals.get(portal_id)
        email = str(portal.settings.get("admin_email", ""))
        if not email:
            return False
        where = portal.domain or portal.external_id
        queued = uow.outbox.add(
            OutboxMessage(
                dedup_key=f"auth_lost:{portal_id}:{clock.today().isoformat()}",
                recipients=(email,),
                subject=f"rentflow потерял доступ к порталу {where}",
                body_text=(
                    f"rentflow больше не может работать с порталом {where}: Битрикс24 отклонил "
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
