"""What the benches share: the environment of an embedded-mode rentflow (SQLite and the
SQLite broker under a fresh var directory, mail to an SMTP sink on loopback), and the leases
of a billing day."""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from backend.bootstrap import Container
from backend.config import Settings
from backend.db.migrate import upgrade
from backend.domain.lease import IssueAnchor, IssueRule, LeaseStatus
from backend.domain.links import DocumentLink
from backend.ports import Clock
from backend.services import billing_mail
from backend.services.billing_batch import document_for
from backend.services.leases import refresh_schedule, register_lease
from backend.services.numbering import next_document_number
from backend.services.outbox import deliver_due
from backend.services.unit_of_work import UnitOfWork
from tests import factories

DAY = date(2026, 2, 28)  # March's invoice (due since the 25th) and February's act
SEEDED = date(2026, 1, 28)  # February's invoices went out then (``seed_issued``)


@dataclass
class SinkProcess:
    """The SMTP sink in a process of its own (``bench_mail.py --sink``): its CPU is not the
    measured processes', and it shares no GIL with them or with emulated portals."""

    process: subprocess.Popen[str]
    port: int

    @classmethod
    def start(cls) -> SinkProcess:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("bench_mail.py")), "--sink", "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert process.stdout is not None
        return cls(process, int(process.stdout.readline()))

    def stop(self) -> int:
        """Stop the sink; how many messages it received."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        received = int(self.process.stdout.readline())
        self.process.wait(timeout=60)
        return received


def deliver_all(container: Container) -> int:
    """What ``jobs.tasks.deliver_outbox`` does, until nothing is due; returns the messages
    sent."""
    sent = 0
    clock, queue = container.clock, container.queue_lease_event

    def on_sent(work: Any, message: Any) -> object:
        return billing_mail.documents_mailed(work, clock, message, queue)

    while True:
        report = deliver_due(
            container.uow, clock, container.mailer(), container.document_storage(),
            on_sent=on_sent, channels=container.notification_channels(),
        )  # fmt: skip
        sent += len(report.sent)
        if not (report.sent or report.retrying or report.failed):
            return sent


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


def seed_issued(uow: UnitOfWork, portal_id: int, lease_ids: Sequence[int]) -> None:
    """February's invoice of each lease as if issued, mailed and pushed on ``SEEDED``
    (a link, no PDF), so ``DAY`` holds one invoice and one act per lease. The caller commits."""
    leases = uow.leases.get_many(lease_ids)
    for lease_id, item in uow.schedule.due(SEEDED, lease_ids):
        landlord_id = leases[lease_id].landlord.id
        assert landlord_id is not None
        number = next_document_number(uow, landlord_id, item.kind, SEEDED)
        doc = uow.documents.add(document_for(lease_id, item, number, SEEDED))
        assert doc.id is not None
        uow.links.add(
            DocumentLink(
                token=secrets.token_urlsafe(24), portal_id=portal_id, document_id=doc.id,
                role="invoice", storage_key="seed/none.pdf", filename="seed.pdf",
                created_at=datetime.now(UTC), content_type="application/pdf",
            )
        )  # fmt: skip
        uow.documents.mark(
            doc.id, files={billing_mail.TENANT_MAIL: "seeded"}, crm_synced_at=datetime.now(UTC)
        )
    for lease_id in lease_ids:
        refresh_schedule(uow, lease_id)


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
