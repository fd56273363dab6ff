"""Amounts, dates and periods as a tenant's language writes them, for texts written outside a
web request (the documents e-mail and its Telegram copy), next to ``catalogues`` which gives
their words.

Russian is what rentflow's Russian texts have always written (``ru_text``): ``120 000,00 ₽``,
``15.01.2026``, ``01.02.2026–28.02.2026``; Ukrainian and English are Babel's CLDR data, the
way the cabinet's pages write them: ``120 000,00 RUB`` / ``120,000.00 RUB``, ``1 лют. 2026 р.``
/ ``Feb 1, 2026``, ``1–28 лют. 2026 р.`` / ``Feb 1 – 28, 2026``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_interval
from babel.numbers import format_currency, get_currency_symbol

from backend.catalogues import DEFAULT, tenant_language
from backend.domain.money import Money


@lru_cache(maxsize=8192)
def money_text(value: Decimal, currency: str, locale: str) -> str:
    """``value`` in ``currency`` as CLDR writes it in ``locale``, the code after the number
    where the locale has no symbol for the currency (cached: a page writes hundreds)."""
    if get_currency_symbol(currency, locale) == currency:
        # no symbol in this locale: CLDR would glue the code on ("RUB120,000.00")
        return format_currency(value, currency, "#,##0.00\u00a0¤", locale=locale)
    return format_currency(value, currency, locale=locale)


def amount_in(lang: str | None, amount: Money | Decimal) -> str:
    """An amount in the tenant's language: ``60 000,00 ₽``, ``60 000,00 RUB``,
    ``60,000.00 RUB``."""
    value = amount.amount if isinstance(amount, Money) else amount
    currency = amount.currency if isinstance(amount, Money) else "RUB"
    return money_text(value, currency, tenant_language(lang))


def date_in(lang: str | None, on: date | None) -> str:
    """A date in the tenant's language: ``15.01.2026``, ``15 січ. 2026 р.``, ``Jan 15, 2026``
    (empty for none)."""
    if on is None:
        return ""
    lang = tenant_language(lang)
    return f"{on:%d.%m.%Y}" if lang == DEFAULT else format_date(on, "medium", locale=lang)


def period_in(lang: str | None, start: date, end: date) -> str:
    """A billing period in the tenant's language: ``01.02.2026–28.02.2026``,
    ``1–28 лют. 2026 р.``, ``Feb 1 – 28, 2026``."""
    lang = tenant_language(lang)
    if lang == DEFAULT:
        return f"{start:%d.%m.%Y}–{end:%d.%m.%Y}"
    return format_interval(start, end, "yMMMd", locale=lang)
