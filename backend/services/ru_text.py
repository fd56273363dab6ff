"""How rentflow's Russian texts for people (deal notes, e-mails to tenants and managers) write
money: ``120 000,00 ₽``, as CLDR has it for ``ru`` (Babel), never ``120000.00 RUB``; and
dates: ``15.01.2026``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency

from backend.domain.money import Money

_RU = Locale.parse("ru")  # parsed once: naming the locale by its code parses it each call


def rub(amount: Money | Decimal) -> str:
    """An amount as a Russian text writes it: ``60 000,00 ₽``."""
    value = amount.amount if isinstance(amount, Money) else amount
    currency = amount.currency if isinstance(amount, Money) else "RUB"
    return format_currency(value, currency, locale=_RU)


def day(on: date | None) -> str:
    """A date as a Russian text writes it: ``15.01.2026`` (empty for none)."""
    return "" if on is None else f"{on:%d.%m.%Y}"
