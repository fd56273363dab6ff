"""A month's invoices and acts out to 1C: the EnterpriseData file, the email, never twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from backend.bootstrap import Container
from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.documents import IssuedDocument
from backend.domain.money import Money
from backend.onec.enterprise_data import validate
from backend.services.onec_export import export_month, previous_month
from documents.storage import LocalDiskStorage
from tests import factories
from tests.payments_world import World, build_world


def _world_with_an_act(container: Container) -> World:
    world = build_world(container)
    period = BillingPeriod(date(2026, 2, 1), date(2026, 2, 28))
    amount = Money(Decimal("100000.00"))
    line = DocumentLine("Аренда помещения 101", period, 1, "мес.", amount, amount, Money.zero())
    act = IssuedDocument(
        lease_id=world.lease_id, kind=DocumentKind.ACT, number="БП-000055",
        issued_on=date(2026, 2, 28), period=period, lines=(line,), net=amount,
        vat=Money.zero(), total=amount,
    )  # fmt: skip
    with container.uow(world.portal_id) as uow:
        uow.documents.add(act)
        portal = uow.portals.get(world.portal_id)
        uow.portals.save(
            replace(portal, settings={"onec": {"accountant_email": "buh@romashka.example"}})
        )
        uow.commit()
    return world


def test_a_month_is_exported_once_stored_valid_and_emailed(
    container: Container, tmp_path: Path
) -> None:
    world = _world_with_an_act(container)
    store = LocalDiskStorage(tmp_path / "files")
    with container.uow(world.portal_id) as uow:
        result = export_month(uow, container.clock, store, year=2026, month=2)
        uow.commit()
    assert (result.invoices, result.acts) == (1, 1)
    assert result.emailed_to == ("buh@romashka.example",)
    assert result.storage_key is not None
    data = b"".join(store.stream(result.storage_key))
    validate(data)
    assert "БП-000101".encode() in data
    assert "БП-000102".encode() not in data  # a March invoice
    with container.uow(None) as uow:
        (message,) = uow.outbox.list(portal_id=world.portal_id)
    assert message.recipients == ("buh@romashka.example",)
    assert message.attachments[0].storage_key == result.storage_key
    assert message.attachments[0].mime == "application/xml"
    with container.uow(world.portal_id) as uow:
        again = export_month(uow, container.clock, store, year=2026, month=2)
        uow.commit()
    assert (again.documents, again.already_exported, again.storage_key) == (0, 2, None)


def test_a_re_export_includes_what_went_before(container: Container, tmp_path: Path) -> None:
    world = _world_with_an_act(container)
    store = LocalDiskStorage(tmp_path / "files")
    with container.uow(world.portal_id) as uow:
        export_month(uow, container.clock, store, year=2026, month=2)
        uow.commit()
    with container.uow(world.portal_id) as uow:
        again = export_month(uow, container.clock, store, year=2026, month=2, reexport=True)
        uow.commit()
    assert again.documents == 2


def test_the_scheduled_export_covers_the_previous_month() -> None:
    assert previous_month(date(2026, 3, 1)) == (2026, 2)
    assert previous_month(date(2026, 1, 1)) == (2025, 12)


def test_the_export_email_reaches_the_accountant_with_the_xml(container: Container) -> None:
    from backend.mail.smtp import SmtpMailer
    from backend.services.outbox import deliver_due
    from tests.smtp_sink import smtp_sink

    world = _world_with_an_act(container)
    with container.uow(world.portal_id) as uow:
        result = export_month(
            uow, container.clock, container.document_storage(), year=2026, month=2
        )
        uow.commit()
    with smtp_sink() as (sink, port):
        report = deliver_due(
            container.uow, container.clock, SmtpMailer(f"smtp://127.0.0.1:{port}", "r@x.example"),
            container.document_storage(),
        )  # fmt: skip
    assert len(report.sent) == 1
    (mail,) = sink.messages
    assert mail["To"] == "buh@romashka.example"
    (attachment,) = mail.iter_attachments()
    assert attachment.get_content_type() == "application/xml"
    data = attachment.get_payload(decode=True)
    assert result.storage_key is not None
    assert data == b"".join(container.document_storage().stream(result.storage_key))
    validate(data)


def test_the_export_carries_the_account_the_lease_is_paid_to(
    container: Container, tmp_path: Path
) -> None:
    world = build_world(container)
    with container.uow(world.portal_id) as uow:
        landlord = uow.leases.get(world.lease_id).landlord
        assert landlord.id is not None
        two = replace(landlord, accounts=(landlord.bank, factories.ALFA))
        uow.parties.update_landlord(landlord.id, two, uow.parties.landlord_settings(landlord.id))
        second = uow.parties.landlord(landlord.id).accounts[1].id
        uow.leases.set_bank_account(world.lease_id, second)
        uow.commit()
    store = LocalDiskStorage(tmp_path / "files")
    with container.uow(world.portal_id) as uow:
        result = export_month(uow, container.clock, store, year=2026, month=2)
        uow.commit()
    assert result.storage_key is not None
    data = b"".join(store.stream(result.storage_key))
    assert factories.ALFA.account.encode() in data
    assert factories.SBER.account.encode() not in data
