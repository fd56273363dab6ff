"""The store on SQLite and PostgreSQL: round trips, idempotency keys, portal scoping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.documents import IssuedDocument
from backend.domain.errors import AlreadyIssued, NotFound
from backend.domain.lease import Addendum, LeaseStatus, Rent
from backend.domain.messages import MessageStatus, OutboxMessage
from backend.domain.money import Money
from backend.domain.payments import Allocation, Payment
from backend.services.leases import register_lease
from backend.services.portals import install_portal, uninstall_portal
from tests import factories

pytestmark = pytest.mark.both_databases  # the database's behaviour is the point


def _portal(container: Container, external_id: str = "member-1") -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id=external_id)
        uow.commit()
    assert portal.id is not None
    return portal.id


def _lease(container: Container, portal_id: int, **overrides: object) -> int:
    with container.uow(portal_id) as uow:
        registered = register_lease(
            uow, container.clock, factories.lease(**overrides), crm_deal_id="42"
        )
        uow.commit()
    return registered.lease_id


def _invoice(lease_id: int, start: date, end: date, total: str = "100000.00") -> IssuedDocument:
    amount = Money(Decimal(total))
    period = BillingPeriod(start, end)
    line = DocumentLine(
        "Аренда помещения 101", period, 1, "мес.", amount, amount, Money(Decimal("18032.79"))
    )
    return IssuedDocument(
        lease_id=lease_id,
        kind=DocumentKind.INVOICE,
        number="1",
        issued_on=start,
        period=period,
        lines=(line,),
        net=amount - line.vat,
        vat=line.vat,
        total=amount,
        due_on=end,
    )


def test_a_lease_comes_back_as_it_was_stored(container: Container) -> None:
    portal_id = _portal(container)
    addendum = Addendum("1", date(2026, 6, 1), rent=Rent(Decimal("120000.00")), reminder_days=10)
    lease_id = _lease(container, portal_id, addenda=[addendum])
    with container.uow(portal_id) as uow:
        lease = uow.leases.get(lease_id)
        assert uow.leases.by_deal("42") is not None
    expected = factories.lease(addenda=[addendum])
    assert lease.number == expected.number
    assert lease.rent == expected.rent
    assert lease.vat == expected.vat
    assert lease.landlord.bank == expected.landlord.bank
    assert lease.tenant.emails == expected.tenant.emails
    assert [p.code for p in lease.premises] == ["101"]
    assert lease.premises[0].area_m2 == Decimal("50.00")
    assert lease.addenda[0].rent == Rent(Decimal("120000.00"))
    assert lease.manager is not None
    assert lease.manager.email == "manager@romashka.example"
    assert lease.status is LeaseStatus.DRAFT


def test_a_second_document_for_the_same_lease_period_and_kind_is_refused(
    container: Container,
) -> None:
    portal_id = _portal(container)
    lease_id = _lease(container, portal_id)
    with container.uow(portal_id) as uow:
        first = uow.documents.add(_invoice(lease_id, date(2026, 2, 1), date(2026, 2, 28)))
        with pytest.raises(AlreadyIssued):
            uow.documents.add(_invoice(lease_id, date(2026, 2, 1), date(2026, 2, 28), "1.00"))
        uow.commit()  # the first survives the refused duplicate
    with container.uow(portal_id) as uow:
        docs = uow.documents.for_lease(lease_id)
    assert [d.id for d in docs] == [first.id]
    assert docs[0].total == Money(Decimal("100000.00"))
    assert docs[0].lines[0].description == "Аренда помещения 101"


def test_one_portal_cannot_read_another_portals_rows(container: Container) -> None:
    mine, theirs = _portal(container, "member-1"), _portal(container, "member-2")
    lease_id = _lease(container, mine)
    with container.uow(theirs) as uow:
        with pytest.raises(NotFound):
            uow.leases.get(lease_id)
        assert uow.leases.by_deal("42") is None
        assert uow.leases.ids() == []


def test_a_payment_is_stored_once_and_allocations_keep_totals(container: Container) -> None:
    portal_id = _portal(container)
    lease_id = _lease(container, portal_id)
    payment = Payment(
        "105",
        date(2026, 2, 3),
        Money(Decimal("150000.00")),
        payer_inn="7728168971",
        payee_account="40702810938000000001",
    )
    with container.uow(portal_id) as uow:
        invoice = uow.documents.add(_invoice(lease_id, date(2026, 2, 1), date(2026, 2, 28)))
        stored = uow.payments.add(payment)
        assert stored is not None
        assert stored.id is not None
        assert uow.payments.add(payment) is None
        assert invoice.id is not None
        uow.payments.allocate(
            Allocation(stored.id, Money(Decimal("100000.00")), invoice_id=invoice.id)
        )
        with pytest.raises(ValueError, match="over-allocated"):
            uow.payments.allocate(
                Allocation(stored.id, Money(Decimal("60000.00")), lease_id=lease_id)
            )
        uow.commit()
    with container.uow(portal_id) as uow:
        assert uow.documents.get(invoice.id).outstanding.is_zero()
        assert [p.number for p in uow.payments.not_fully_allocated()] == ["105"]
        assert uow.payments.allocated(stored.id) == Money(Decimal("100000.00"))


def test_outbox_dedup_key_queues_a_message_once(container: Container) -> None:
    message = OutboxMessage("invoice:1:tenant", ("buh@vasilek.example",), "Счёт", "Текст")
    now = container.clock.now()
    with container.uow() as uow:
        assert uow.outbox.add(message, now) is True
        assert uow.outbox.add(message, now) is False
        uow.commit()
    with container.uow() as uow:
        due = uow.outbox.due(now)
        assert [m.dedup_key for m in due] == ["invoice:1:tenant"]
        assert due[0].id is not None
        uow.outbox.mark_sent(due[0].id, now)
        uow.commit()
    with container.uow() as uow:
        assert uow.outbox.due(now) == []
        assert uow.outbox.list(status=MessageStatus.SENT)[0].sent_at == now


def test_reinstall_reuses_the_portal_and_uninstall_keeps_documents(container: Container) -> None:
    portal_id = _portal(container)
    lease_id = _lease(container, portal_id)
    with container.uow(portal_id) as uow:
        uow.documents.add(_invoice(lease_id, date(2026, 2, 1), date(2026, 2, 28)))
        uninstall_portal(uow, container.clock, portal_id)
        uow.commit()
    assert _portal(container) == portal_id
    with container.uow(portal_id) as uow:
        assert uow.portals.get(portal_id).active
        assert len(uow.documents.for_lease(lease_id)) == 1


def test_documents_awaiting_tenant_mail_are_the_unmailed_ones_of_auto_send_leases(
    container: Container,
) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    portal_id = _portal(container)
    auto = _lease(container, portal_id, auto_send=True)
    with container.uow(portal_id) as uow:
        manual = register_lease(
            uow, container.clock, factories.lease(number="M-1", auto_send=False)
        ).lease_id
        months = [date(2026, m, 1) for m in range(2, 7)]
        fresh, queued, delivered, cancelled, last = (
            uow.documents.add(_invoice(auto, start, start.replace(day=28))) for start in months
        )
        uow.documents.add(_invoice(manual, date(2026, 2, 1), date(2026, 2, 28)))
        uow.documents.save(replace(queued, extra={"tenant_mail": "tenant:1:2:abc"}))
        uow.documents.save(replace(delivered, sent_at=datetime(2026, 2, 2, tzinfo=UTC)))
        uow.documents.save(replace(cancelled, status="cancelled"))
        uow.commit()
    with container.uow(portal_id) as uow:
        waiting = uow.documents.awaiting_tenant_mail("tenant_mail")
    assert [d.id for d in waiting] == [fresh.id, last.id]


def test_batched_document_and_deal_reads_and_marks_stay_within_their_portal(
    container: Container,
) -> None:
    mine, theirs = _portal(container, "member-1"), _portal(container, "member-2")
    lease_id, other_lease = _lease(container, mine), _lease(container, theirs)
    with container.uow(mine) as uow:
        first = uow.documents.add(_invoice(lease_id, date(2026, 2, 1), date(2026, 2, 28)))
        second = uow.documents.add(_invoice(lease_id, date(2026, 3, 1), date(2026, 3, 31)))
        uow.commit()
    with container.uow(theirs) as uow:
        foreign = uow.documents.add(_invoice(other_lease, date(2026, 2, 1), date(2026, 2, 28)))
        uow.commit()
    ids = [first.id or 0, second.id or 0]
    at = container.clock.now()
    with container.uow(mine) as uow:
        assert uow.documents.get_many(ids) == {first.id: first, second.id: second}
        with pytest.raises(NotFound):
            uow.documents.get_many([*ids, foreign.id or 0])
        assert uow.leases.deals_of([lease_id, other_lease]) == {lease_id: ("42", "")}
        uow.documents.mark_many([*ids, foreign.id or 0], crm_synced_at=at)
        uow.commit()
    with container.uow(mine) as uow:
        assert uow.documents.not_synced() == []
    with container.uow(theirs) as uow:
        assert uow.documents.not_synced() == [foreign.id]
