"""How rentflow's Russian texts for people (deal notes, e-mails to tenants and managers) write
money: ``120 000,00 ₽``, as CLDR has it for ``ru`` (Babel), never ``120000.00 RUB``; and
dates: ``15.01.2026``; and rates: ``НДС 22%``, ``пени 0,1% в день`` (as the invoice prints
"В том числе НДС (22%)"), never ``22.00%``."""

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


def number(value: Decimal, lang: str = "ru") -> str:
    """A rate as a person writes it: no trailing zeros, a decimal comma where the language has
    one (``22``, ``0,1``; ``0.1`` in English). Every digit kept: a rate is never rounded."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",") if lang in {"ru", "uk"} else text
