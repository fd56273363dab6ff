"""The demo's tenants: valid requisites and the three ways of paying."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backend.demo.tenants import PAYERS, Behaviour, Payer, lease_json
from backend.domain.reminders import DEFAULT_CHAIN, Audience
from backend.domain.requisites import check_inn, check_kpp, check_landlord
from backend.services.lease_json import parse_lease

DUE = date(2026, 2, 6)
TOTAL = Decimal("150000.00")


def _payer(behaviour: Behaviour) -> Payer:
    return next(p for p in PAYERS if p.behaviour is behaviour)


def test_the_on_time_tenant_pays_in_full_before_the_due_date() -> None:
    on, amount = _payer(Behaviour.ON_TIME).payment(DUE, TOTAL)
    assert on < DUE
    assert amount == TOTAL


def test_the_partial_tenant_pays_half_on_the_due_date() -> None:
    assert _payer(Behaviour.PARTIAL).payment(DUE, Decimal("100000.01")) == (
        DUE, Decimal("50000.00"),
    )  # fmt: skip


def test_the_late_tenant_pays_in_full_between_the_supervisor_and_the_accountant_steps() -> None:
    on, amount = _payer(Behaviour.LATE).payment(DUE, TOTAL)
    days = (on - DUE).days
    steps = {step.audience: step.days_after_due for step in DEFAULT_CHAIN}
    assert steps[Audience.SUPERVISOR] < days < steps[Audience.ACCOUNTANT]
    assert amount == TOTAL


def test_every_lease_parses_with_valid_requisites_and_sends_its_documents() -> None:
    for payer in PAYERS:
        lease, issued = parse_lease(lease_json(payer, "Т-1", date(2026, 1, 1), {"name": "M"}))
        assert issued == []
        assert lease.auto_send
        assert lease.tenant.inn == payer.inn
        check_inn(payer.inn)
        check_kpp(payer.kpp)
        check_landlord(lease.landlord)  # bank requisites a QR invoice can carry
