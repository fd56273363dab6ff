"""A charge invoiced by hand beside the rent (utilities, another charge), on a real database:
priced in the lease's VAT mode, printed and paid by its own line, the rent schedule left
alone, in the 1C export like any invoice, and counted by its purpose in the tenant's cabinet;
a bad value or a second invoice of the same purpose and first day stores nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from backend.bootstrap import Container
from backend.domain.billing import DocumentKind
from backend.domain.documents import DocumentPurpose, InvoiceStatus
from backend.domain.lease import LeaseStatus
from backend.services import cabinet_account
from backend.services.billing import PortalRun, issue_acts_of_paid_invoices
from backend.services.lease_actions import ActionInvalid
from backend.services.lease_charges import issue_charge
from backend.services.leases import register_lease
from backend.services.onec_export import export_month
from backend.services.portals import install_portal
from documents.payment_qr import purpose_text
from documents.qr.gost import parse_gost
from documents.storage import LocalDiskStorage
from tests import factories
from tests.cabinet_world import build_world
from tests.integration.documents.test_render import _scan_pdf, _text
from tests.integration.services.test_cabinet_account import _ref
from tests.integration.services.test_lease_actions import lease

__all__ = ["lease"]  # the fixture: a signed lease, 100 000,00 a month, VAT 22 % included
TODAY = date(2026, 2, 10)
UTILITIES = {"purpose": "utilities", "description": "", "amount": "12 200,00",
             "start": "2026-01-01", "end": "2026-01-31"}  # fmt: skip


def _documents(container: Container, portal_id: int, lease_id: int) -> list[object]:
    with container.uow(portal_id) as uow:
        return list(uow.documents.for_lease(lease_id, DocumentKind.INVOICE))


def test_utilities_are_invoiced_in_the_lease_vat_mode_beside_the_rent(
    container: Container, lease: tuple[int, int], tmp_path: Path
) -> None:
    portal_id, lease_id = lease
    with container.uow(portal_id) as uow:
        planned = uow.schedule.for_lease(lease_id)

    issued = issue_charge(container.billing_ports(), portal_id, lease_id, UTILITIES, TODAY)

    with container.uow(portal_id) as uow:
        invoice = uow.documents.get(issued.document_id)
        got = uow.leases.get(lease_id)
        links = uow.links.for_document(portal_id, issued.document_id)
        assert uow.schedule.for_lease(lease_id) == planned  # the rent plan is not touched
    assert invoice.purpose is DocumentPurpose.UTILITIES
    assert (invoice.total.amount, invoice.vat.amount) == (Decimal("12200.00"), Decimal("2200.00"))
    assert invoice.lines[0].description == "Коммунальные услуги за январь 2026"
    assert invoice.due_on == date(2026, 2, 15)  # the lease's term: 5 days after the invoice
    assert {link.role for link in links} >= {"invoice", "invoice_qr"}
    (printed,) = [link for link in links if link.role == "invoice"]
    pdf = b"".join(container.document_storage().stream(printed.storage_key))
    assert "Коммунальные услуги за январь 2026" in _text(pdf)  # the printed line
    purpose = (
        f"Оплата по счету № {invoice.number} от 10.02.2026 за Коммунальные услуги за январь"
        " 2026. В т.ч. НДС 22% - 2200.00 руб."  # the rate as a person writes it, not 22.00%
    )
    assert purpose_text(got, invoice) == purpose
    (qr,) = [link for link in links if link.role == "invoice_qr"]
    scanned = _scan_pdf(b"".join(container.document_storage().stream(qr.storage_key)), tmp_path)
    fields = parse_gost(scanned.decode())
    assert (fields["Purpose"], fields["Sum"]) == (purpose, "1220000")
    assert (fields["DocNo"], fields["PersonalAcc"]) == (invoice.number, got.landlord.bank.account)


def test_a_second_charge_of_the_same_purpose_and_day_is_refused_another_purpose_is_not(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    ports = container.billing_ports()
    issue_charge(ports, portal_id, lease_id, UTILITIES, TODAY)

    with pytest.raises(ActionInvalid) as refused:
        issue_charge(ports, portal_id, lease_id, UTILITIES, TODAY)
    other = {**UTILITIES, "purpose": "other", "description": "Уборка территории"}
    issue_charge(ports, portal_id, lease_id, other, TODAY)

    assert {k: p.code for k, p in refused.value.problems.items()} == {"start": "taken"}
    assert len(_documents(container, portal_id, lease_id)) == 2


@pytest.mark.parametrize(
    ("typed", "problems"),
    [
        ({"purpose": "rent"}, {"purpose": "choice"}),
        ({"purpose": "other", "description": ""}, {"description": "missing"}),
        ({"amount": "0"}, {"amount": "positive"}),
        ({"amount": "-5"}, {"amount": "negative"}),
        ({"amount": "", "end": "2025-12-01"}, {"amount": "missing", "end": "before_start"}),
    ],
)
def test_a_bad_charge_is_refused_per_field_and_nothing_is_stored(
    container: Container, lease: tuple[int, int], typed: dict[str, str],
    problems: dict[str, str],
) -> None:  # fmt: skip
    portal_id, lease_id = lease
    with pytest.raises(ActionInvalid) as refused:
        issue_charge(container.billing_ports(), portal_id, lease_id, {**UTILITIES, **typed}, TODAY)

    assert {k: p.code for k, p in refused.value.problems.items()} == problems
    assert _documents(container, portal_id, lease_id) == []


def test_a_charge_is_in_the_1c_export_and_counted_by_its_purpose_in_the_cabinet(
    container: Container, tmp_path: Path
) -> None:
    world = build_world(container)
    portal_id, lease_id = world.portals[0], world.leases[0]
    issue_charge(container.billing_ports(), portal_id, lease_id, UTILITIES, TODAY)

    store = LocalDiskStorage(tmp_path / "files")
    with container.uow(portal_id) as uow:
        result = export_month(uow, container.clock, store, year=2026, month=2)
        uow.commit()
    ref = _ref(world, 0, lease_id)
    account = cabinet_account.lease_account(container.uow, ref, lease_id, TODAY)  # type: ignore[arg-type]

    assert result.storage_key is not None
    assert "Коммунальные услуги за январь 2026".encode() in b"".join(
        store.stream(result.storage_key)
    )
    by_purpose = {row.purpose: row.accrued for row in account.by_purpose}
    assert by_purpose["utilities"] == Decimal("12200.00")
    assert "rent" in by_purpose


def test_a_paid_charge_does_not_close_the_rent_period_with_an_act(container: Container) -> None:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="c-2")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        made = factories.lease(status=LeaseStatus.SIGNED, act_on_payment=True)
        lease_id = register_lease(uow, container.clock, made).lease_id
        uow.commit()
    ports = container.billing_ports()
    issued = issue_charge(ports, portal.id, lease_id, {**UTILITIES, "start": "2026-02-01",
                                                       "end": "2026-02-28"}, TODAY)  # fmt: skip
    with container.uow(portal.id) as uow:
        charge = uow.documents.get(issued.document_id)
        uow.documents.save(replace(charge, paid=charge.total, status=InvoiceStatus.PAID))
        uow.commit()

    result = PortalRun(portal.id)
    issue_acts_of_paid_invoices(ports, portal.id, date(2026, 3, 2), result)

    assert result.issued == []  # February's rent is not paid: no act for it yet
