"""The calendar of a lease: its billing periods and the units its rent is prorated over.

Month-based periods (month, quarter, year, every N months) follow the calendar: a monthly
lease is billed by calendar months, a quarterly one by calendar quarters, so a lease that
starts on the 20th has a short first period (seed 000: 20-29 Feb is part of February).
Day-based periods (day, week, every N days) run from the lease start (weeks from Monday).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

from backend.domain.billing import BillingPeriod
from backend.domain.lease import BillingFrequency, PeriodUnit

_MONTHS_PER_UNIT = {PeriodUnit.MONTH: 1, PeriodUnit.QUARTER: 3, PeriodUnit.YEAR: 12}

MONTHS_RU = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
QUARTERS_RU = ("I", "II", "III", "IV")


def is_month_based(frequency: BillingFrequency) -> bool:
    return frequency.unit in _MONTHS_PER_UNIT


def months_per_period(frequency: BillingFrequency) -> int:
    """How many calendar months one period of a month-based frequency spans."""
    return _MONTHS_PER_UNIT[frequency.unit] * frequency.every


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 = 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def calendar_month(day: date) -> BillingPeriod:
    """The calendar month that contains ``day``."""
    return BillingPeriod(month_start(day), month_end(day))


def _first_nominal_start(frequency: BillingFrequency, start: date) -> date:
    if frequency.unit is PeriodUnit.MONTH:
        return month_start(start)
    if frequency.unit is PeriodUnit.QUARTER:
        return date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    if frequency.unit is PeriodUnit.YEAR:
        return date(start.year, 1, 1)
    if frequency.unit is PeriodUnit.WEEK:
        return start - timedelta(days=start.weekday())
    return start


def _next_nominal_start(frequency: BillingFrequency, current: date) -> date:
    if is_month_based(frequency):
        return add_months(current, months_per_period(frequency))
    days = 7 if frequency.unit is PeriodUnit.WEEK else 1
    return current + timedelta(days=days * frequency.every)


def nominal_periods(frequency: BillingFrequency, start: date, end: date) -> Iterator[BillingPeriod]:
    """The whole (unclipped) periods of ``frequency`` that touch [start, end], in order."""
    current = _first_nominal_start(frequency, start)
    while current <= end:
        following = _next_nominal_start(frequency, current)
        yield BillingPeriod(current, following - timedelta(days=1))
        current = following


def billing_periods(frequency: BillingFrequency, start: date, end: date) -> list[BillingPeriod]:
    """The billing periods of a term [start, end]: nominal periods clipped to the term."""
    return [
        BillingPeriod(max(p.start, start), min(p.end, end))
        for p in nominal_periods(frequency, start, end)
    ]


def calendar_months(start: date, end: date) -> Iterator[BillingPeriod]:
    """Every calendar month that touches [start, end], whole."""
    current = month_start(start)
    while current <= end:
        month = calendar_month(current)
        yield month
        current = month.next_day()


def whole_months(period: BillingPeriod) -> int:
    """How many whole calendar months ``period`` is exactly, or 0 if it is not."""
    if period.start.day != 1 or period.end != month_end(period.end):
        return 0
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def describe_period(period: BillingPeriod) -> str:
    """How documents name a period: "февраль 2026", "I квартал 2026", "2026 год", or dates."""
    months = whole_months(period)
    start = period.start
    if months == 1:
        return f"{MONTHS_RU[start.month - 1]} {start.year}"
    if months == 3 and start.month in (1, 4, 7, 10):
        return f"{QUARTERS_RU[(start.month - 1) // 3]} квартал {start.year}"
    if months == 12 and start.month == 1:
        return f"{start.year} год"
    if period.start == period.end:
        return f"{start:%d.%m.%Y}"
    return f"{start:%d.%m.%Y}–{period.end:%d.%m.%Y}"
