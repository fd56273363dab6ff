"""Card actions and the robots' answers on the lease behind a deal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.attention import Rule
from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import InvoiceStatus, IssuedDocument
from backend.domain.lease import LeaseStatus
from backend.domain.money import Money
from backend.services.deal_actions import mark_original_received
from backend.services.deal_panel import deal_panel
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from backend.services.robots import Robot, answer_robot
from tests import factories


@pytest.fixture
def portal_id(container: Container) -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m-1")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED)
        registered = register_lease(uow, container.clock, lease, crm_deal_id="42")
        uow.documents.add(
            IssuedDocument(
                lease_id=registered.lease_id, kind=DocumentKind.INVOICE, number="С-1",
                issued_on=date(2026, 1, 10),
                period=BillingPeriod(date(2026, 1, 1), date(2026, 1, 31)),
                lines=(), net=Money(Decimal(1000)), vat=Money(Decimal(0)),
                total=Money(Decimal(1000)), due_on=date(2026, 1, 20), public_token="t1",
                status=InvoiceStatus.PARTIALLY_PAID, paid=Money(Decimal(400)),
            )
        )  # fmt: skip
        uow.commit()
    return portal.id


def test_marking_the_original_received_clears_its_flag(
    container: Container, portal_id: int
) -> None:
    today = container.clock.today()
    with container.uow(portal_id) as uow:
        before = {
            f["rule"]
            for f in deal_panel(uow, today, "42", lambda token: f"https://r.example/d/{token}")[
                "attention"
            ]
        }
        assert mark_original_received(uow, container.clock, "42")
        uow.commit()
    with container.uow(portal_id) as uow:
        after = {
            f["rule"]
            for f in deal_panel(uow, today, "42", lambda token: f"https://r.example/d/{token}")[
                "attention"
            ]
        }
        lease = uow.leases.by_deal("42")

    assert Rule.LEASE_WITHOUT_ORIGINAL.value in before
    assert Rule.LEASE_WITHOUT_ORIGINAL.value not in after
    assert lease is not None
    assert lease.original_received


def test_a_deal_without_a_lease_has_nothing_to_mark(container: Container, portal_id: int) -> None:
    with container.uow(portal_id) as uow:
        assert not mark_original_received(uow, container.clock, "999")


@pytest.mark.parametrize(
    ("robot", "expected"),
    [
        (Robot.CHECK_PAYMENT, {"status": "overdue", "debt": "600.00"}),
        (Robot.ISSUE_INVOICE, {"status": "issued", "invoice_id": "С-1",
                               "invoice_url": ""}),
        (Robot.ISSUE_ACT, {"status": "none"}),
        (Robot.SEND_DOCUMENTS, {"status": "queued"}),
    ],
)  # fmt: skip
def test_robots_answer_from_the_lease(
    container: Container, portal_id: int, robot: Robot, expected: dict[str, str]
) -> None:
    answer = answer_robot(container.uow(portal_id), container.clock, robot, "42", _url)
    assert answer == expected


def test_a_deal_without_a_lease_answers_no_lease(container: Container, portal_id: int) -> None:
    answer = answer_robot(
        container.uow(portal_id), container.clock, Robot.CHECK_PAYMENT, "999", _url
    )
    assert answer == {"status": "no_lease"}


def _url(token: str) -> str:
    return f"https://r.example/d/{token}"


def test_deal_actions_issue_the_next_invoice_and_act_and_resend_once_a_day(
    container: Container, portal_id: int
) -> None:
    from backend.services.deal_actions import DealAction, run_deal_action

    ports = container.billing_ports()
    today = date(2026, 2, 3)
    invoice = run_deal_action(ports, portal_id, "42", DealAction.ISSUE_INVOICE, today)
    # February has not ended: its act would be dated before the services were rendered
    assert run_deal_action(ports, portal_id, "42", DealAction.ISSUE_ACT, today).issued == ()
    today = date(2026, 2, 28)
    act = run_deal_action(ports, portal_id, "42", DealAction.ISSUE_ACT, today)
    with container.uow(portal_id) as uow:
        issued = {d.id: d for d in uow.documents.list()}
    assert len(invoice.issued) == 1
    assert len(act.issued) == 1
    assert issued[invoice.issued[0]].period.start == date(2026, 2, 1)  # the next planned one
    assert issued[act.issued[0]].kind is DocumentKind.ACT
    assert issued[act.issued[0]].period.start == date(2026, 2, 1)  # a period that has ended
    assert issued[act.issued[0]].issued_on == date(2026, 2, 28)
    # March has not ended: no act for it yet
    assert run_deal_action(ports, portal_id, "42", DealAction.ISSUE_ACT, today).issued == ()
    sent = run_deal_action(ports, portal_id, "42", DealAction.SEND_DOCUMENTS, today)
    again = run_deal_action(ports, portal_id, "42", DealAction.SEND_DOCUMENTS, today)
    assert (sent.queued, again.queued) == (True, False)
    with container.uow() as uow:
        (message,) = [
            m for m in uow.outbox.list(portal_id=portal_id) if m.dedup_key.startswith("resend:")
        ]
    assert message.recipients == ("buh@vasilek.example", "director@vasilek.example")
    assert {a.name for a in message.attachments} >= {
        f"Акт № {issued[act.issued[0]].number} от 28.02.2026.pdf"
    }
    assert run_deal_action(ports, portal_id, "404", DealAction.ISSUE_INVOICE, today).issued == ()
