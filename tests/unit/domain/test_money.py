import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.errors import CurrencyMismatch
from backend.domain.money import Money, prorate, split_by_weights


def test_amounts_are_rounded_half_up_to_kopecks() -> None:
    assert Money(Decimal("2.675")).amount == Decimal("2.68")
    assert Money(Decimal("-2.675")).amount == Decimal("-2.68")


def test_float_amounts_are_refused() -> None:
    with pytest.raises(TypeError):
        Money(2.675)  # type: ignore[arg-type]


def test_currencies_do_not_mix() -> None:
    with pytest.raises(CurrencyMismatch):
        Money(Decimal(1), "RUB") + Money(Decimal(1), "EUR")


@pytest.mark.parametrize("currency", ["rub", "RU", "RUBL", "R1B", "", None, 643, ["RUB"], {"RUB"}])
def test_a_currency_that_is_not_an_iso_code_is_refused_by_name(currency: object) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(Decimal(1), currency)  # type: ignore[arg-type]


def test_minor_units_are_kopecks() -> None:
    assert Money(Decimal("123456.78")).minor == 12345678
    assert Money.from_minor(12345678) == Money(Decimal("123456.78"))


def test_split_by_days_gives_the_leftover_kopeck_to_the_largest_remainder() -> None:
    parts = split_by_weights(Money(Decimal("100.00")), [1, 1, 1])
    assert parts == [Money(Decimal("33.34")), Money(Decimal("33.33")), Money(Decimal("33.33"))]


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=366), min_size=1, max_size=40).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_split_parts_always_add_up_to_the_whole(total: int, weights: list[int]) -> None:
    whole = Money.from_minor(total)
    parts = split_by_weights(whole, weights)
    assert sum(p.minor for p in parts) == whole.minor
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(total) * weight / sum(weights)
        assert abs(Decimal(part.minor) - exact) < 1


def test_prorate_takes_seed_000s_ten_of_twenty_nine_days() -> None:
    february = Money(Decimal("100000.00"))
    assert prorate(february, 19, 29, 29) == Money(Decimal("34482.76"))
    assert prorate(february, 0, 19, 29) == Money(Decimal("65517.24"))


def test_prorate_refuses_a_range_outside_the_whole() -> None:
    with pytest.raises(ValueError, match="start <= end"):
        prorate(Money(Decimal(1)), 3, 40, 31)


@given(
    amount=st.decimals(min_value=Decimal("-99999.99"), max_value=Decimal("9999999.99"), places=2),
    whole=st.integers(1, 400),
    data=st.data(),
)
def test_prorated_parts_tile_the_whole_exactly_and_stay_within_a_kopeck(
    amount: Decimal, whole: int, data: st.DataObject
) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(1, whole - 1), max_size=10)) if whole > 1 else [])
    bounds = [0, *cuts, whole]
    total = Money(amount)
    parts = [prorate(total, a, b, whole) for a, b in itertools.pairwise(bounds)]
    assert sum((p.amount for p in parts), Decimal(0)) == amount
    for (a, b), part in zip(itertools.pairwise(bounds), parts, strict=True):
        assert abs(part.amount - amount * (b - a) / whole) < Decimal("0.01")
