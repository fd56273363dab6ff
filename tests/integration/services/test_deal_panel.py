"""The deal card panel shows billing-issued documents with their public links and penalties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backend.bootstrap import Container
from backend.domain.lease import LeaseStatus
from backend.services.billing import run_portal
from backend.services.deal_panel import deal_panel
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from tests import factories


def test_issued_documents_show_their_links_debt_and_penalty(container: Container) -> None:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="panel")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED, penalty_rate_per_day=Decimal("0.1"))
        register_lease(uow, container.clock, lease, crm_deal_id="42")
        uow.commit()
    run_portal(container.billing_ports(), portal.id, date(2026, 1, 27))  # due 01.02
    with container.uow(portal.id) as uow:
        panel = deal_panel(uow, date(2026, 2, 11), "42", container.link_url)
    (invoice,) = panel["documents"]
    assert invoice["url"] == invoice["links"]["invoice_qr"]
    assert invoice["url"].startswith("http://127.0.0.1:8000/d/")
    assert sorted(invoice["links"]) == ["invoice", "invoice_qr", "qr_png", "qr_svg"]
    assert panel["debt"] == "100000.00"
    assert invoice["penalty"] == "1000.00"  # 100 000 x 0.1% x 10 days
    assert panel["penalty"] == "1000.00"
    assert {flag["rule"] for flag in panel["attention"]} >= {"invoice_unpaid", "lease_overdue_debt"}
