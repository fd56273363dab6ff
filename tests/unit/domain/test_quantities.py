"""Numbers people type, read one way and bounded so they can be stored and shown."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.domain.quantities import (
    AREA,
    MONEY,
    PERCENT,
    ROOM_AREA,
    QuantityProblem,
    read_quantity,
    read_whole,
    rounded,
)


@pytest.mark.parametrize(
    ("typed", "value"),
    [("60000", "60000"), ("60 000,50", "60000.50"), ("60\u00a0000.5", "60000.5"),
     ("0", "0"), ("999 999 999 999,99", "999999999999.99"), (".5", "0.5")],
)  # fmt: skip
def test_an_amount_is_read_as_people_type_it(typed: str, value: str) -> None:
    assert read_quantity(typed, MONEY) == Decimal(value)
    assert str(read_quantity(typed, MONEY)) == value


@pytest.mark.parametrize(
    ("typed", "code", "expected"),
    [("1e999", "number", ""), ("NaN", "number", ""), ("Infinity", "number", ""),
     ("١٢", "number", ""), ("12abc", "number", ""), ("-5", "negative", ""), ("-0", "negative", ""),
     ("1" * 40, "too_large", "999999999999.99"), ("1000000000000", "too_large", "999999999999.99"),
     ("100.123", "places", "2"), ("9" * 100, "number", "")],
)  # fmt: skip
def test_an_amount_that_is_not_one_or_out_of_bounds_says_what_is_wrong(
    typed: str, code: str, expected: str
) -> None:
    with pytest.raises(QuantityProblem) as problem:
        read_quantity(typed, MONEY)

    assert (problem.value.code, problem.value.expected) == (code, expected)


def test_each_kind_of_number_has_its_own_bound() -> None:
    assert read_quantity("999999999,99", AREA) == Decimal("999999999.99")
    assert read_quantity("0", AREA) == 0  # a lease may name no area
    with pytest.raises(QuantityProblem, match="above zero"):
        read_quantity("0", ROOM_AREA)  # premises in the register have one
    with pytest.raises(QuantityProblem, match=r"at most 100$"):
        read_quantity("100.01", PERCENT)


def test_a_value_from_a_file_is_rounded_as_its_column_stores_it_but_still_bounded() -> None:
    assert rounded(Decimal("1800.333333"), MONEY) == Decimal("1800.33")
    with pytest.raises(QuantityProblem, match=r"at most 999999999\.99"):
        rounded(Decimal("1e40"), AREA)
    with pytest.raises(QuantityProblem, match="not a number"):
        rounded(Decimal("Infinity"), AREA)


@pytest.mark.parametrize("typed", ["²", "٣", "-1", "1.5", "367", "9" * 5000, ""])
def test_a_whole_number_is_ascii_digits_within_its_range(typed: str) -> None:
    with pytest.raises(QuantityProblem) as problem:
        read_whole(typed, 0, 366)

    assert (problem.value.code, problem.value.expected) == ("whole", "0–366")
    assert read_whole(" 366 ", 0, 366) == 366
