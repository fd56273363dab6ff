"""The deal tab's short lease form becomes a domain lease or names the bad field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.domain.errors import InvalidLease
from backend.web.bitrix24_lease_form import lease_from_form
from tests import factories

FORM = {
    "number": "С-7/2026", "signed_on": "2026-01-20", "start": "2026-02-01", "end": "2026-12-31",
    "rent": "80000", "vat": "22", "vat_included": "1", "premises_code": "7", "area": "120",
    "tenant_name": 'ООО "Василёк"', "tenant_inn": "7728168971", "tenant_email": "b@v.example",
}  # fmt: skip


def test_a_complete_form_gives_the_lease() -> None:
    lease = lease_from_form(FORM, factories.landlord(), None)

    assert lease.number == "С-7/2026"
    assert lease.rent.amount == Decimal(80000)
    assert lease.vat.rate == Decimal(22)
    assert lease.vat.included
    assert lease.premises[0].area_m2 == Decimal(120)
    assert lease.tenant.emails == ("b@v.example",)


def test_no_vat_and_no_premises_are_allowed_for_a_monthly_rent() -> None:
    lease = lease_from_form(
        {**FORM, "vat": "none", "premises_code": ""}, factories.landlord(), None
    )

    assert lease.vat.rate is None
    assert lease.premises == ()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": "2026-01-01"}, "end"),
        ({"start": "soon"}, "start"),
        ({"rent": "много"}, "rent"),
        ({"tenant_name": " "}, "tenant_name"),
        ({"number": ""}, "number"),
        ({"vat": "18"}, "vat"),
    ],
)
def test_a_bad_field_is_named(change: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidLease) as caught:
        lease_from_form({**FORM, **change}, factories.landlord(), None)
    assert caught.value.field == field


def test_the_payment_term_is_the_portals_unless_the_form_gives_one() -> None:
    from backend.domain.lease import DueAnchor, DueRule
    from backend.services.leases import due_rule_from_settings

    assert due_rule_from_settings({}) == DueRule(DueAnchor.AFTER_ISSUE, 5)
    portal = due_rule_from_settings({"billing": {"due_anchor": "day_of_period", "due_days": 10}})
    assert lease_from_form(FORM, factories.landlord(), None, portal).due_rule == DueRule(
        DueAnchor.DAY_OF_PERIOD, 10
    )
    own = {**FORM, "due_anchor": "after_issue", "due_days": "7"}
    assert lease_from_form(own, factories.landlord(), None, portal).due_rule == DueRule(
        DueAnchor.AFTER_ISSUE, 7
    )
    with pytest.raises(InvalidLease, match="due_days"):
        lease_from_form({**FORM, "due_days": "-1"}, factories.landlord(), None, portal)
