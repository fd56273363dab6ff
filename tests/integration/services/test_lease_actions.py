"""The lease card's actions on a real database: manual invoices never twice, an invoice
cancelled keeps its number and payments, acts signed, addenda, indexation, termination."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest

from backend.bootstrap import Container
from backend.domain.attention import Rule
from backend.domain.billing import DocumentKind
from backend.domain.documents import ActStatus, InvoiceStatus
from backend.domain.lease import LeaseStatus
from backend.domain.money import Money
from backend.domain.payments import Allocation, Payment
from backend.services import lease_actions as actions
from backend.services.lease_actions import ActionInvalid
from backend.services.lease_card import lease_card
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from tests import factories

TODAY = date(2026, 2, 10)


def _url(token: str) -> str:
    return f"https://r.example/d/{token}"


@pytest.fixture
def lease(container: Container) -> tuple[int, int]:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m-1")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        registered = register_lease(
            uow, container.clock, factories.lease(status=LeaseStatus.SIGNED), crm_deal_id="42"
        )
        uow.commit()
    return portal.id, registered.lease_id


def _invoices(container: Container, portal_id: int, lease_id: int) -> list[object]:
    with container.uow(portal_id) as uow:
        return list(uow.documents.for_lease(lease_id, DocumentKind.INVOICE))


def test_a_manual_invoice_bills_the_chosen_days_prorated_and_the_schedule_keeps_the_rest(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    ports = container.billing_ports()
    issued = actions.issue_manual_invoice(
        ports, portal_id, lease_id, {"start": "2026-02-01", "end": "2026-02-19"}, TODAY
    )
    with container.uow(portal_id) as uow:
        document = uow.documents.get(issued.document_id)
        planned = [i for i in uow.schedule.for_lease(lease_id) if i.kind is DocumentKind.INVOICE]
        links = uow.links.for_document(portal_id, issued.document_id)
    assert issued.issued_now
    # 19 of February's 28 days of 100 000,00 (seed 000's rule, by days of the month)
    assert document.total == Money(Decimal("67857.14"))
    assert document.issued_on == TODAY
    assert planned[0].period.start == date(2026, 2, 20)
    assert planned[0].total == Money(Decimal("32142.86"))  # the month adds up to the kopeck
    assert {link.role for link in links} >= {"invoice", "invoice_qr"}


def test_submitting_the_manual_invoice_twice_issues_one_invoice(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    ports = container.billing_ports()
    form = {"start": "2026-03-01", "end": "2026-03-31"}
    first = actions.issue_manual_invoice(ports, portal_id, lease_id, form, TODAY)
    second = actions.issue_manual_invoice(ports, portal_id, lease_id, form, TODAY)

    assert (first.issued_now, second.issued_now) == (True, False)
    assert second.document_id == first.document_id
    assert len(_invoices(container, portal_id, lease_id)) == 1


def test_two_submits_at_the_same_moment_issue_one_invoice(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    ports = container.billing_ports()
    form = {"start": "2026-04-01", "end": "2026-04-30"}
    results: list[actions.ManualInvoice] = []
    barrier = threading.Barrier(2)

    def submit() -> None:
        barrier.wait()
        results.append(actions.issue_manual_invoice(ports, portal_id, lease_id, form, TODAY))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.issued_now for r in results) == [False, True]
    assert len({r.document_id for r in results}) == 1
    assert len(_invoices(container, portal_id, lease_id)) == 1


def test_days_already_invoiced_are_refused_naming_the_invoice(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    ports = container.billing_ports()
    actions.issue_manual_invoice(
        ports, portal_id, lease_id, {"start": "2026-02-01", "end": "2026-02-28"}, TODAY
    )
    with pytest.raises(ActionInvalid) as refused:
        actions.issue_manual_invoice(
            ports, portal_id, lease_id, {"start": "2026-02-15", "end": "2026-03-15"}, TODAY
        )
    assert refused.value.problems["start"].code == "taken"
    with pytest.raises(ActionInvalid) as outside:
        actions.issue_manual_invoice(
            ports, portal_id, lease_id, {"start": "2027-01-01", "end": "2027-01-31"}, TODAY
        )
    assert outside.value.problems["start"].code == "outside_term"
    with pytest.raises(ActionInvalid) as typed:
        actions.issue_manual_invoice(
            ports, portal_id, lease_id, {"start": "2026-03-10", "end": "10.03"}, TODAY
        )
    assert typed.value.problems == {"end": actions.Problem("date")}
    assert typed.value.values["end"] == "10.03"


def test_a_cancelled_invoice_keeps_its_number_and_payments_and_its_days_go_back_to_the_plan(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    ports = container.billing_ports()
    issued = actions.issue_manual_invoice(
        ports, portal_id, lease_id, {"start": "2026-02-01", "end": "2026-02-28"}, TODAY
    )
    with container.uow(portal_id) as uow:
        payment = uow.payments.add(
            Payment("17", TODAY, Money(Decimal("1000.00")), payer_name='ООО "Василёк"')
        )
        assert payment is not None
        assert payment.id is not None
        uow.payments.allocate(
            Allocation(payment.id, Money(Decimal("1000.00")), issued.document_id, lease_id)
        )
        uow.commit()
    told: list[tuple[int, list[tuple[int, str]]]] = []
    with container.uow(portal_id) as uow:
        assert actions.cancel_invoice(
            uow, container.clock, lease_id, issued.document_id,
            lambda portal, news: told.append((portal, news)),
        )  # fmt: skip
        uow.commit()
    assert told == [(portal_id, [(lease_id, f"Счёт № {issued.number} аннулирован; "
                                            "задолженность пересчитана")])]  # fmt: skip
    with container.uow(portal_id) as uow:
        assert not actions.cancel_invoice(uow, container.clock, lease_id, issued.document_id)
        card = lease_card(uow, lease_id, TODAY, _url)
        links = uow.links.for_document(portal_id, issued.document_id)
    (invoice,) = [d for d in card.documents if d.id == issued.document_id]
    assert (invoice.number, invoice.status) == (issued.number, InvoiceStatus.CANCELLED)
    assert not any(link.active for link in links)
    assert [(p.amount, p.invoice_number, p.on_cancelled) for p in card.payments] == [
        (Decimal("1000.00"), issued.number, True)
    ]
    assert Rule.INVOICE_CANCELLED_WITH_PAYMENTS.value in {rule for rule, _ in card.attention}
    planned = [r for r in card.schedule if r.state == "planned" and r.kind == "invoice"]
    assert planned[0].start == date(2026, 2, 1)
    # and the days can be invoiced again, with a new number
    again = actions.issue_manual_invoice(
        ports, portal_id, lease_id, {"start": "2026-02-01", "end": "2026-02-28"}, TODAY
    )
    assert again.issued_now
    assert again.number != issued.number


def test_marking_an_act_signed_clears_it_from_needs_attention(
    container: Container, lease: tuple[int, int]
) -> None:
    from backend.services.deal_actions import DealAction, run_deal_action

    portal_id, lease_id = lease
    result = run_deal_action(
        container.billing_ports(), portal_id, "42", DealAction.ISSUE_ACT, date(2026, 3, 1)
    )
    (act_id,) = result.issued
    with container.uow(portal_id) as uow:
        uow.documents.mark(act_id, status=ActStatus.ON_SIGNING.value)
        uow.commit()
    with container.uow(portal_id) as uow:
        before = {rule for rule, _ in lease_card(uow, lease_id, TODAY, _url).attention}
        assert actions.mark_act_signed(uow, container.clock, lease_id, act_id)
        uow.commit()
    with container.uow(portal_id) as uow:
        assert not actions.mark_act_signed(uow, container.clock, lease_id, act_id)
        card = lease_card(uow, lease_id, TODAY, _url)
    assert Rule.ACT_ON_SIGNING.value in before
    assert Rule.ACT_ON_SIGNING.value not in {rule for rule, _ in card.attention}
    assert [d.status for d in card.documents if d.id == act_id] == [ActStatus.SIGNED]
    assert "act.signed" in {h.action for h in card.history}


def test_an_addendum_changes_the_rent_from_its_date(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    with container.uow(portal_id) as uow:
        actions.add_terms_addendum(uow, container.clock, lease_id, {
            "number": "ДС-1", "effective_from": "2026-06-01", "rent": "120 000,00",
        })  # fmt: skip
        uow.commit()
    with container.uow(portal_id) as uow:
        card = lease_card(uow, lease_id, TODAY, _url)
        with pytest.raises(ActionInvalid) as refused:
            actions.add_terms_addendum(
                uow, container.clock, lease_id,
                {"number": "ДС-2", "effective_from": "2025-01-01", "rent": "1"},
            )  # fmt: skip
    totals = {r.start: r.total for r in card.schedule if r.kind == "invoice"}
    assert totals[date(2026, 5, 1)] == Decimal("100000.00")
    assert totals[date(2026, 6, 1)] == Decimal("120000.00")
    assert refused.value.problems["effective_from"].code == "before_lease_start"
    assert "lease.addendum" in {h.action for h in card.history}


def test_indexation_raises_the_rent_on_each_anniversary(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    with container.uow(portal_id) as uow:
        with pytest.raises(ActionInvalid) as refused:
            actions.set_indexation(
                uow, container.clock, lease_id, {"percent": "500", "first_on": "2026-07-01"}
            )
        actions.set_indexation(
            uow, container.clock, lease_id, {"percent": "5", "first_on": "2026-07-01"}
        )
        uow.commit()
    with container.uow(portal_id) as uow:
        card = lease_card(uow, lease_id, TODAY, _url)
    totals = {r.start: r.total for r in card.schedule if r.kind == "invoice"}
    assert refused.value.problems["percent"].code == "too_large"
    assert totals[date(2026, 6, 1)] == Decimal("100000.00")
    assert totals[date(2026, 7, 1)] == Decimal("105000.00")


def test_terminating_from_a_day_cuts_the_term_and_cancelling_a_signed_lease_is_refused(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    with container.uow(portal_id) as uow:
        with pytest.raises(ActionInvalid) as refused:
            actions.cancel_lease(uow, container.clock, lease_id)
        terminated = actions.terminate(uow, container.clock, lease_id, {"last_day": "2026-05-31"})
        uow.commit()
    with container.uow(portal_id) as uow:
        card = lease_card(uow, lease_id, TODAY, _url)
    assert refused.value.problems[""].code == "illegal_move"
    assert terminated.status is LeaseStatus.TERMINATED
    assert card.lease.effective_end() == date(2026, 5, 31)
    assert [r for r in card.schedule if r.state == "planned"] == []


def test_the_card_shows_proration_of_a_partial_month(container: Container) -> None:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m-2")
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        registered = register_lease(uow, container.clock, factories.lease(
            status=LeaseStatus.SIGNED, start=date(2026, 2, 20), end=date(2026, 4, 30)))  # fmt: skip
        uow.commit()
    with container.uow(portal.id) as uow:
        card = lease_card(uow, registered.lease_id, TODAY, _url)
    first = next(r for r in card.schedule if r.kind == "invoice")
    assert (first.start, first.end, first.whole_months) == (date(2026, 2, 20), date(2026, 2, 28), 0)
    assert [(p.days, p.of_days) for p in first.parts] == [(9, 28)]
    assert first.total == Decimal("32142.86")
