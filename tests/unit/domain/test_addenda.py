"""What each addendum changed, as the tenant's cabinet shows it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from backend.domain.addenda import AddendumChange, addendum_changes
from backend.domain.lease import Addendum, Indexation, Rent, RentBasis
from backend.domain.money import Money
from tests import factories


def _rub(amount: str) -> Money:
    return Money(Decimal(amount))


def test_more_premises_at_a_rate_per_m2_raise_the_monthly_rent_they_bill() -> None:
    lease = factories.lease(
        rent=Rent(Decimal("2000.00"), RentBasis.PER_M2_MONTH),
        addenda=(
            Addendum("2", date(2026, 9, 1),
                     premises=(factories.premises(), factories.premises("102", "30.00"))),
        ),
    )  # fmt: skip

    (change,) = addendum_changes(lease)

    assert change.rent == (_rub("100000.00"), _rub("160000.00"))
    assert [p.code for p in change.premises or ()] == ["101", "102"]
    assert change.area == (Decimal("50.00"), Decimal("80.00"))
    assert change.end is None
    assert not change.termination


def test_the_end_moves_from_the_one_the_earlier_addenda_set() -> None:
    lease = factories.lease(
        end=date(2026, 12, 31),
        addenda=(
            Addendum("2", date(2027, 3, 1), end=date(2028, 6, 30)),
            Addendum("1", date(2026, 6, 1), end=date(2027, 12, 31)),
        ),
    )

    first, second = addendum_changes(lease)

    assert (first.number, first.end) == ("1", (date(2026, 12, 31), date(2027, 12, 31)))
    assert (second.number, second.end) == ("2", (date(2027, 12, 31), date(2028, 6, 30)))
    assert first.rent is None
    assert second.premises is None


def test_a_termination_ends_the_term_on_its_own_day_and_changes_nothing_else() -> None:
    lease = factories.lease(
        addenda=(Addendum("расторжение 30.06.2026", date(2026, 6, 30), end=date(2026, 6, 30)),)
    )

    assert addendum_changes(lease) == (
        AddendumChange("расторжение 30.06.2026", date(2026, 6, 30), None, termination=True),
    )


def test_the_rent_is_shown_as_the_schedule_bills_it_indexation_included() -> None:
    lease = replace(
        factories.lease(start=date(2026, 1, 1), end=date(2028, 12, 31)),
        indexation=Indexation(Decimal("10"), date(2027, 1, 1)),
        addenda=(Addendum("1", date(2027, 6, 1), rent=Rent(Decimal("110000.00"))),),
    )

    (change,) = addendum_changes(lease)

    # before: 100 000 indexed in January; from June the new rate, indexed by the same
    # anniversary (``schedule.terms_on``), as the invoices will bill it
    assert change.rent == (_rub("110000.00"), _rub("121000.00"))
