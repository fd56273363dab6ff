"""What the benches share: the environment of an embedded-mode rentflow (SQLite and the
SQLite broker under a fresh var directory, mail to an SMTP sink on loopback), and the leases
of a billing day."""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from backend.config import Settings
from backend.db.migrate import upgrade
from backend.domain.lease import IssueAnchor, IssueRule, LeaseStatus
from backend.ports import Clock
from backend.services.leases import register_lease
from backend.services.unit_of_work import UnitOfWork
from tests import factories


def embedded_env(var: Path, smtp_port: int) -> tuple[Settings, dict[str, str]]:
    """Migrated settings for ``var`` and the environment a ``rentflow worker`` child needs
    to see the same database, broker and SMTP sink."""
    env = {
        **os.environ,
        "RENTFLOW_VAR_DIR": str(var),
        "RENTFLOW_SANDBOX": "1",  # the emulated portals' public credentials; a worker starts
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
    }
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    settings = Settings.from_env(env)
    upgrade(settings.database_url)
    return settings, env


def register_day_leases(
    uow: UnitOfWork,
    clock: Clock,
    numbers: Sequence[str],
    deal_ids: Sequence[str],
    pipeline_id: str = "",
) -> list[int]:
    """Signed auto-send leases of one landlord, one on each deal, starting 1 Feb 2026 with
    invoices 4 days before each month: the benches' billing day, 25 Feb, holds March's
    invoice and (once February's is issued) February's act. Each tenant has a name, address
    and premises of its own (``_tenant``), so what is cached by text is measured fairly.
    The caller commits."""
    lease_ids: list[int] = []
    landlord_id = None
    for number, deal_id in zip(numbers, deal_ids, strict=True):
        lease = factories.lease(
            number=number, status=LeaseStatus.SIGNED, auto_send=True, **_tenant(number),
            start=date(2026, 2, 1), issue_rule=IssueRule(IssueAnchor.BEFORE_START, 4),
        )  # fmt: skip
        registered = register_lease(
            uow, clock, lease, landlord_id=landlord_id, crm_deal_id=deal_id,
            crm_pipeline_id=pipeline_id,
        )  # fmt: skip
        landlord_id = registered.landlord_id
        lease_ids.append(registered.lease_id)
    return lease_ids


_NAMES = (
    *("Василёк", "Ромашка", "Фиалка", "Щегол", "Журавль", "Эдельвейс", "Юпитер", "Ясень"),
    *("Цитрон", "Шиповник", "Хризантема", "Фьорд", "Объект", "Подъём", "Жёлудь", "Гречиха"),
    *("Зубр", "Иволга", "Клён", "Лёвушка", "Мята", "Нарцисс", "Олеандр"),
)


def _tenant(number: str) -> dict[str, object]:
    """A tenant and premises of their own for lease ``number`` (the same for the same number)."""
    pick = random.Random(number)  # varied test data, not a secret
    name = f'ООО "{pick.choice(_NAMES)} {pick.choice(_NAMES)}-{pick.randint(1, 999)}"'
    street = f"г. Москва, ул. {pick.choice(_NAMES)}ская, д. {pick.randint(1, 200)}"
    return {
        "tenant": factories.tenant(name=name, address=street),
        "premises": (factories.premises(code=f"{pick.randint(100, 999)}-{number}"),),
    }
