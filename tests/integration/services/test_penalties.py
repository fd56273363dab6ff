"""Penalties (пени) end to end: a late payment keeps what accrued, the landlord invoices it
as its own invoice with its own QR code, and it enters the debt (issue 17 case 7)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from backend.bootstrap import Container
from backend.domain.billing import DocumentKind
from backend.domain.documents import DocumentPurpose
from backend.domain.lease import PenaltyInvoicing
from backend.services.billing import PortalRun
from backend.services.deal_panel import deal_panel
from backend.services.payments import import_statement
from backend.services.penalties import invoice_monthly_penalties, invoice_penalty
from tests.payments_world import World, build_world, doc, statement_file


@pytest.fixture
def world(container: Container) -> World:
    world = build_world(container)
    with container.uow(world.portal_id) as uow:
        lease = uow.leases.get(world.lease_id)
        uow.leases.save(replace(lease, penalty_rate_per_day=Decimal("0.1")))
        uow.commit()
    return world


def _pay_late(world: World) -> None:
    # № 101 (100 000, due 10.02.2026) paid in full on 15.02, five days late
    late = doc("41", "100000.00", "Оплата по счету № 101", on=date(2026, 2, 15))
    with world.container.uow(world.portal_id) as uow:
        import_statement(uow, world.container.clock, io.BytesIO(statement_file(docs=[late])))
        uow.commit()


def _panel(world: World, day: date) -> dict:  # type: ignore[type-arg]
    with world.container.uow(world.portal_id) as uow:
        return deal_panel(uow, day, "42", world.container.link_url)


def test_the_penalty_accrued_before_a_late_payment_stays_on_the_lease(world: World) -> None:
    _pay_late(world)
    panel = _panel(world, date(2026, 2, 20))
    # 100 000 x 0.1% x 5 days (11.02-15.02, the day of payment included) = 500.00
    assert panel["penalty"] == "500.00"
    assert panel["penalty_to_invoice"] == "500.00"
    first = next(d for d in panel["documents"] if d["number"] == "БП-000101")
    assert (first["status"], first["penalty"]) == ("paid", "500.00")


def test_an_invoiced_penalty_is_its_own_invoice_with_a_qr_code_and_enters_the_debt(
    world: World,
) -> None:
    _pay_late(world)
    ports = world.container.billing_ports()
    document_id = invoice_penalty(ports, world.portal_id, world.lease_id, date(2026, 2, 20))
    assert document_id is not None
    with world.container.uow(world.portal_id) as uow:
        penalty = uow.documents.get(document_id)
        roles = {link.role for link in uow.links.for_document(world.portal_id, document_id)}
    assert (penalty.kind, penalty.purpose) == (DocumentKind.INVOICE, DocumentPurpose.PENALTY)
    assert penalty.total.amount == Decimal("500.00")
    assert penalty.vat.amount == Decimal("0.00")
    assert (penalty.period.start, penalty.period.end) == (date(2026, 2, 11), date(2026, 2, 20))
    assert "invoice_qr" in roles
    panel = _panel(world, date(2026, 2, 20))
    # № 102 and № 103 are open (200 000) plus the penalty invoice (500)
    assert panel["debt"] == "200500.00"
    assert (panel["penalty_invoiced"], panel["penalty_to_invoice"]) == ("500.00", "0.00")
    # nothing more to invoice the same day
    assert invoice_penalty(ports, world.portal_id, world.lease_id, date(2026, 2, 20)) is None


def test_a_lease_invoicing_penalties_monthly_gets_one_invoice_a_month(world: World) -> None:
    _pay_late(world)
    with world.container.uow(world.portal_id) as uow:
        lease = uow.leases.get(world.lease_id)
        uow.leases.save(replace(lease, penalty_invoicing=PenaltyInvoicing.MONTHLY))
        uow.commit()
    ports = world.container.billing_ports()
    first, again = PortalRun(world.portal_id), PortalRun(world.portal_id)
    invoice_monthly_penalties(ports, world.portal_id, date(2026, 3, 2), first)
    invoice_monthly_penalties(ports, world.portal_id, date(2026, 3, 3), again)
    assert len(first.issued) == 1
    assert again.issued == []
    with world.container.uow(world.portal_id) as uow:
        penalty = uow.documents.get(first.issued[0])
    # what accrued up to 28.02: the 500.00 of № 101 (№ 102 is due 10.03)
    assert penalty.total.amount == Decimal("500.00")
    assert penalty.period.end == date(2026, 2, 28)


def test_a_penalty_invoice_goes_to_1c_without_vat(world: World, tmp_path: Path) -> None:
    import re

    from backend.onec.enterprise_data import validate
    from backend.services.onec_export import export_month
    from documents.storage import LocalDiskStorage

    _pay_late(world)
    ports = world.container.billing_ports()
    document_id = invoice_penalty(ports, world.portal_id, world.lease_id, date(2026, 2, 20))
    assert document_id is not None
    store = LocalDiskStorage(tmp_path / "files")
    with world.container.uow(world.portal_id) as uow:
        result = export_month(uow, world.container.clock, store, year=2026, month=2)
        uow.commit()
    assert result.storage_key is not None
    data = b"".join(store.stream(result.storage_key))
    validate(data)
    # the row of the penalty line names its VAT rate after its text (Содержание)
    rates = re.findall(r"Пени за просрочку.*?СтавкаНДС>([^<]+)<", data.decode("utf-8"), re.S)
    assert rates == ["БезНДС"]


@pytest.mark.both_databases  # each database keeps its own column precision
def test_a_daily_rate_finer_than_a_kopeck_is_kept_to_the_last_digit(world: World) -> None:
    """Contracts write 0.033 % a day, and 1/300 of a 21 % key rate is 0.07 %: stored at
    kopeck precision the first became 0.03 and every penalty a tenth too small."""
    with world.container.uow(world.portal_id) as uow:
        lease = uow.leases.get(world.lease_id)
        uow.leases.save(replace(lease, penalty_rate_per_day=Decimal("0.033")))
        uow.commit()
    with world.container.uow(world.portal_id) as uow:
        assert uow.leases.get(world.lease_id).penalty_rate_per_day == Decimal("0.033")
