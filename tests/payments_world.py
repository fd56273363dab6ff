"""A portal with one lease (deal 42 in pipeline 0, "paid" -> WON) and three open invoices,
the world the payment tests import statements into (their CRM: ``tests.fakes.FakeCrm``
with ``holds_every_deal``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from backend.bootstrap import Container
from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.documents import IssuedDocument
from backend.domain.money import Money
from backend.services.lease_events import push_recorded_event
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from crm_mappings.port import (
    CrmPort,
)
from sandbox.onec.bank_files import StatementDocument, render_statement
from tests import factories

OUR_ACCOUNT = factories.SBER.account
TENANT = factories.tenant()


@dataclass
class QueuedMoves:
    """Stands in for the Celery queue of deal moves: keeps what was queued; ``run`` does
    what the ``crm_lease_event`` task does with each."""

    queued: list[tuple[int, int, str]] = field(default_factory=list)

    def __call__(self, portal_id: int, document_id: int, event: str) -> None:
        self.queued.append((portal_id, document_id, event))

    def run(self, container: Container, crm: CrmPort) -> None:
        while self.queued:
            portal_id, document_id, event = self.queued.pop(0)
            push_recorded_event(container.uow(portal_id), container.clock, crm, document_id, event)


@dataclass
class World:
    container: Container
    portal_id: int
    lease_id: int
    invoices: dict[str, int]  # number -> id


def make_invoice(lease_id: int, number: str, month: int, total: str) -> IssuedDocument:
    period = BillingPeriod(date(2026, month, 1), date(2026, month, 28))
    amount = Money(Decimal(total))
    line = DocumentLine("Аренда помещения 101", period, 1, "мес.", amount, amount, Money.zero())
    return IssuedDocument(
        lease_id=lease_id, kind=DocumentKind.INVOICE, number=number, issued_on=period.start,
        period=period, lines=(line,), net=amount, vat=Money.zero(), total=amount,
        due_on=date(2026, month, 10),
    )  # fmt: skip


def build_world(container: Container) -> World:
    """Install a portal, register the factory lease and issue invoices БП-000101..103."""
    with container.uow(None) as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m-1")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        lease_id = register_lease(
            uow, container.clock, factories.lease(), crm_deal_id="42", crm_pipeline_id="0"
        ).lease_id
        uow.mappings.save("0", {}, {"paid": "WON"})
        invoices = {
            number: uow.documents.add(make_invoice(lease_id, number, month, total)).id or 0
            for number, month, total in (
                ("БП-000101", 2, "100000.00"),
                ("БП-000102", 3, "100000.00"),
                ("БП-000103", 4, "100000.00"),
            )
        }
        uow.commit()
    return World(container, portal.id, lease_id, invoices)


def doc(number: str, amount: str, purpose: str, **overrides: object) -> StatementDocument:
    values: dict[str, object] = {
        "number": number, "on": date(2026, 2, 9), "amount": Decimal(amount),
        "payer": TENANT.name, "payer_inn": TENANT.inn, "payer_account": "40702810400000012345",
        "payee": 'ООО "Ромашка"', "payee_inn": "7707083893", "payee_account": OUR_ACCOUNT,
        "purpose": purpose,
    }  # fmt: skip
    values.update(overrides)
    return StatementDocument(**values)  # type: ignore[arg-type]


STATEMENT = [
    doc("11", "100000.00", "Оплата по счету № 101 от 01.02.2026 за аренду. В т.ч. НДС"),
    doc("12", "40000.00", "Оплата аренды по сч. БП-000102", kind="Банковский ордер"),
    doc("13", "130000.00", "Оплата по счёт №БП-000103", split_purpose=True),
    doc("14", "5000.00", "Возврат займа", payer_inn="500100732259", payer="ИП Смирнов А. П."),
    doc("15", "777.00", "Оплата поставщику", payee_account="40702810900000000999"),
]


def statement_file(
    encoding: str = "Windows", docs: Sequence[StatementDocument] = STATEMENT
) -> bytes:
    return render_statement(
        docs, account=OUR_ACCOUNT, start=date(2026, 2, 1), end=date(2026, 2, 28),
        encoding=encoding,
    )  # fmt: skip
