"""Numbers people type: an amount of money, an area, a percentage, a count of days — read one
way by every form, importer and API, and bounded so that what is accepted can be stored,
computed with and shown.

Why these bounds: the amounts and areas are ``NUMERIC(18, 2)`` columns, and SQLite keeps them
as doubles, exact to 15 significant digits — ``1e999`` comes back as ``Infinity`` and a
40-digit area as a number Babel cannot format (CLDR formatting quantizes in Decimal's 28-digit
context). Twelve integer digits of money (under a trillion rubles) and nine of area, two
places each, leave room for a year of a monthly rent and for VAT on it; the monthly rent a
rate per m² makes is bounded like any amount (``monthly_rent_problem``). A problem is a code
and what was expected (``Problem`` of the forms): ``number``, ``negative``, ``positive``,
``too_large`` (expected: the largest value), ``places`` (expected: the decimal places),
``whole`` (expected: ``low–high``); ``reason`` says it in English for the API and logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from backend.domain.errors import DomainError
from backend.domain.lease import MONTHS_IN_YEAR, Rent, RentBasis

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")  # digit groups as people type them
_LONGEST = 64  # characters of a typed number: more is never a quantity, and never parsed


@dataclass(frozen=True)
class Bound:
    """What a quantity may be: at most ``digits`` integer digits and ``places`` decimal
    places, at most ``most`` when that is lower, above zero when ``positive``."""

    digits: int
    places: int
    most: Decimal | None = None
    positive: bool = False

    @property
    def largest(self) -> Decimal:
        ceiling = Decimal(10) ** self.digits - Decimal(1).scaleb(-self.places)
        return ceiling if self.most is None else min(ceiling, self.most)


MONEY = Bound(12, 2)  # rubles and kopecks: rent, deposit, a payment's part
AREA = Bound(9, 2)  # m² (a lease may name none)
ROOM_AREA = Bound(9, 2, positive=True)  # m² of premises in the register
PERCENT = Bound(3, 2, most=Decimal(100))  # a yearly indexation
DAILY_RATE = Bound(3, 6, most=Decimal(100))  # пени, % a day (the rate column's scale)


_REASONS = {
    "number": "is not a number",
    "negative": "must not be negative",
    "positive": "must be above zero",
    "too_large": "must be at most {}",
    "places": "must have at most {} decimal places",
    "whole": "must be a whole number from {}",
    "monthly_too_large": "the rent per m² times the area must be at most {} a month",
}


class QuantityProblem(DomainError):
    """A typed number that is not one, or not within its bound."""

    def __init__(self, code: str, expected: str = "") -> None:
        self.code = code
        self.expected = expected
        self.reason = _REASONS.get(code, "is not a valid number").format(expected)
        super().__init__(self.reason)


def bound_problem(value: Decimal, bound: Bound) -> QuantityProblem | None:
    """What is wrong with ``value`` under ``bound`` (None: nothing)."""
    if not value.is_finite():
        return QuantityProblem("number")
    if value.is_signed():  # "-0" too: a minus is a slip wherever it is typed
        return QuantityProblem("negative")
    if bound.positive and value == 0:
        return QuantityProblem("positive")
    if value > bound.largest:
        return QuantityProblem("too_large", f"{bound.largest:f}")
    if value != value.quantize(Decimal(1).scaleb(-bound.places)):
        return QuantityProblem("places", str(bound.places))
    return None


def parse_number(text: str) -> Decimal:
    """``60 000,50``, ``60000.50``, ``1'000`` as a Decimal; ``QuantityProblem("number")`` for
    anything else — exponents (``1e999``), ``NaN``, ``Infinity``, digits of other scripts."""
    cleaned = str(text).strip().translate(_SPACES).replace(",", ".")
    if len(cleaned) > _LONGEST or not _NUMBER.fullmatch(cleaned):
        raise QuantityProblem("number")
    return Decimal(cleaned)


def read_quantity(text: str, bound: Bound) -> Decimal:
    """A typed quantity within ``bound``; ``QuantityProblem`` else."""
    return checked(parse_number(text), bound)


def checked(value: Decimal, bound: Bound) -> Decimal:
    """``value`` (parsed elsewhere: JSON, a spreadsheet cell) if it is within ``bound``."""
    problem = bound_problem(value, bound)
    if problem is not None:
        raise problem
    return value


def rounded(value: Decimal, bound: Bound) -> Decimal:
    """``value`` from a file (a spreadsheet's computed cell, an XML feed), rounded half up to
    the bound's places as its column would store it, if it is within ``bound``."""
    if value.is_finite() and abs(value) <= bound.largest:
        value = value.quantize(Decimal(1).scaleb(-bound.places), rounding=ROUND_HALF_UP)
    return checked(value, bound)


def read_whole(text: str, low: int, high: int) -> int:
    """A typed whole number from ``low`` to ``high`` (ASCII digits only);
    ``QuantityProblem("whole", "low–high")`` else."""
    cleaned = str(text).strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > len(str(high)) + 2:
        raise QuantityProblem("whole", f"{low}–{high}")
    value = int(cleaned)
    if not low <= value <= high:
        raise QuantityProblem("whole", f"{low}–{high}")
    return value


def monthly_rent_problem(rent: Rent, area_m2: Decimal) -> QuantityProblem | None:
    """A rent per m² times the area must still be an amount a month can hold. Plain Decimal
    arithmetic: ``Money`` would round, and fail past 28 digits on a row stored before the
    bounds."""
    monthly = rent.amount
    if rent.basis is RentBasis.PER_M2_MONTH:
        monthly = rent.amount * area_m2
    elif rent.basis is RentBasis.PER_M2_YEAR:
        monthly = rent.amount * area_m2 / MONTHS_IN_YEAR
    if monthly > MONEY.largest:
        return QuantityProblem("monthly_too_large", f"{MONEY.largest:f}")
    return None
