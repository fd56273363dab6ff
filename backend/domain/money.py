"""Money: ``Decimal`` amounts with a currency, two places, one rounding rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from backend.domain.errors import CurrencyMismatch

CENT = Decimal("0.01")
DEFAULT_CURRENCY = "RUB"


def round_money(value: Decimal) -> Decimal:
    """Round to kopecks the one way rentflow rounds: half up (as 1C does)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _check_currency(code: str) -> None:
    if not isinstance(code, str):  # before the cache, which would fail on a list: TypeError
        raise ValueError(f"currency must be an ISO 4217 code, got {code!r}")
    _check_code(code)


@lru_cache(maxsize=64)  # a handful of codes, checked once each
def _check_code(code: str) -> None:
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        raise ValueError(f"currency must be an ISO 4217 code, got {code!r}")


@dataclass(frozen=True, order=True)
class Money:
    """An amount of one currency, always held to two decimal places."""

    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        amount = self.amount
        if not isinstance(amount, Decimal):
            # floats carry binary noise (2.675 -> 2.67499...); ints and strings are exact
            if isinstance(amount, float):
                raise TypeError("Money needs a Decimal, int or str amount, not float")
            amount = Decimal(amount)
        if not amount.is_finite():
            raise ValueError(f"amount must be finite, got {amount}")
        object.__setattr__(self, "amount", round_money(amount))
        _check_currency(self.currency)

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str = DEFAULT_CURRENCY) -> Money:
        """Build from minor units (kopecks)."""
        return cls(Decimal(minor) / 100, currency)

    @property
    def minor(self) -> int:
        """The amount in minor units (kopecks), as payment QR codes want it."""
        return int(self.amount * 100)

    def _check(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not mix")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: Decimal | int) -> Money:
        """Multiply and round once, at the end."""
        return Money(self.amount * Decimal(factor), self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


def money_sum(amounts: Sequence[Money], currency: str = DEFAULT_CURRENCY) -> Money:
    """Add up amounts of one currency (the empty sum is zero).

    The amounts are added as ``Decimal``s and rounded once: each already has two places, so
    the sum is exact and the same as adding ``Money`` by ``Money`` (which a schedule of daily
    invoices did thousands of times)."""
    if not amounts:
        return Money.zero(currency)
    first = amounts[0].currency
    total = Decimal(0)
    for amount in amounts:
        if amount.currency != first:
            raise CurrencyMismatch(f"{first} and {amount.currency} do not mix")
        total += amount.amount
    return Money(total, first)


def split_by_weights(total: Money, weights: Sequence[int]) -> list[Money]:
    """Split ``total`` in proportion to integer ``weights`` so the parts add up exactly.

    Largest-remainder method on kopecks: every part gets the floor of its share, and the
    kopecks left over go, one each, to the parts with the largest remainders (ties to the
    earlier part). Used for proration by days, where weights are day counts.
    """
    if not weights:
        raise ValueError("need at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_total = sum(weights)
    if weight_total == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total.minor < 0 else 1
    minor_total = abs(total.minor)
    floors = [minor_total * w // weight_total for w in weights]
    remainders = [minor_total * w % weight_total for w in weights]
    left = minor_total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [Money.from_minor(sign * part, total.currency) for part in floors]


def prorate(total: Money, start: int, end: int, whole: int) -> Money:
    """The share of ``total`` for units ``start < k <= end`` out of ``whole`` equal units.

    Cumulative rounding: with C(k) = total x k / whole rounded half up, the share is
    C(end) - C(start). Each share is within a kopeck of its exact value, a share depends only
    on its own range (not on how the rest of the whole was cut), and any parts that tile the
    whole add up to ``total`` exactly, even when they are billed at different times.
    """
    if not 0 <= start <= end <= whole or whole <= 0:
        raise ValueError(f"need 0 <= start <= end <= whole, got {start}, {end}, {whole}")

    def cumulative(k: int) -> Decimal:
        return round_money(total.amount * k / whole)

    return Money(cumulative(end) - cumulative(start), total.currency)
