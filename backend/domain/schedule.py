"""The schedule (график): the invoices and acts a lease plans, with dates and amounts.

How amounts are prorated (seed 000, "Связь выставленных счетов/актов с запланированными"):
- The rent is quoted per month (a per-year or per-m² rate converts to it). Any period, of any
  length and any billing frequency, costs the sum of its calendar months: each month whole,
  or a part of it x (days of the part / days of that month), so 20-29 Feb 2020 is 10/29 of
  February's rent and a quarter from 15 January is 17/31 of January plus February and March.
  The price of a day therefore never depends on how often the lease is billed: a lease costs
  the same billed monthly, quarterly, yearly or every N months or days, to the kopeck.
- Rounding: each calendar month is rounded to the kopeck on its own, then the months of a
  period are added up; so a period's amount is the sum of its months' amounts as shown,
  and the months of the lease add up to its total whatever the periods are.
- Each calendar month is cut at every date where something changes: the lease start and
  end, an addendum, an indexation anniversary, a period boundary (weeks, days), the edges of
  documents already issued. A piece's share is taken by cumulative rounding
  (``money.prorate``): the kopeck left over by rounding goes to the piece where the running
  total crosses it, so the pieces of a month always add up to the month's amount exactly,
  however and whenever the unit is cut (an invoice for 1-19 Feb
  issued today and one for 20-29 Feb next week add up to February).
- Planned and issued documents are linked by lease + kind + period only, never by amount
  or date: the days an issued document covers are not billed again, whatever it charged.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby, pairwise

from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine, ScheduleItem
from backend.domain.errors import DomainError, InvalidLease
from backend.domain.lease import DueAnchor, IssueAnchor, Lease, Rent
from backend.domain.money import Money, money_sum, prorate
from backend.domain.parties import Premises
from backend.domain.periods import (
    add_months,
    billing_periods,
    calendar_months,
    describe_period,
    month_end,
    whole_months,
)

IssuedPeriods = Iterable[tuple[DocumentKind, BillingPeriod]]
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Terms:
    """What the lease charges on a day: the monthly rent and the premises it covers."""

    monthly: Money
    premises: tuple[Premises, ...]


@dataclass(frozen=True)
class _Piece:
    """A run of days with one set of terms inside one calendar month, and its share."""

    period: BillingPeriod
    terms: Terms
    amount: Money
    billing_period: int  # index of the billing period it belongs to


def _rent_and_premises(lease: Lease, day: date) -> tuple[Rent, tuple[Premises, ...]]:
    rent, premises = lease.rent, lease.premises
    for addendum in sorted(lease.addenda, key=lambda a: a.effective_from):
        if addendum.effective_from <= day:
            rent = addendum.rent or rent
            premises = addendum.premises if addendum.premises is not None else premises
    return rent, premises


def premises_on(lease: Lease, day: date) -> tuple[Premises, ...]:
    """The premises the lease covers on ``day`` (its first day's before it starts), as
    every addendum in effect by then left them; no amount is computed."""
    return _rent_and_premises(lease, max(day, lease.start))[1]


def terms_on(lease: Lease, day: date) -> Terms:
    """The rent and premises in force on ``day``: the lease's, changed by every addendum in
    effect by then, indexed by ``indexation.percent`` once per anniversary reached."""
    rent, premises = _rent_and_premises(lease, day)
    area = sum((p.area_m2 for p in premises), Decimal(0))
    monthly = rent.monthly(area)
    indexation = lease.indexation
    if indexation is not None:
        factor = 1 + indexation.percent / 100
        for _ in range(_anniversaries(indexation.first_on, day)):
            monthly = monthly.times(factor)  # rounded each year, as the new rent is quoted
    return Terms(monthly, premises)


def _anniversaries(first_on: date, day: date) -> int:
    count = 0
    while add_months(first_on, 12 * count) <= day:
        count += 1
    return count


def _change_points(lease: Lease) -> set[date]:
    points = {a.effective_from for a in lease.addenda}
    if lease.indexation is not None:
        end = lease.effective_end()
        years = 0
        while (anniversary := add_months(lease.indexation.first_on, 12 * years)) <= end:
            points.add(anniversary)
            years += 1
    return points


@dataclass(frozen=True)
class TermsInForce:
    """The terms a person is shown for a lease on a day: the monthly rent and premises then
    in force (addenda and indexation applied), the end date after every addendum, and the
    rent's later changes (the day each takes effect and the new monthly rent)."""

    monthly: Money
    premises: tuple[Premises, ...]
    end: date
    changes: tuple[tuple[date, Money], ...]


def terms_in_force(lease: Lease, today: date) -> TermsInForce:
    """What ``lease`` charges ``today`` (its first day's terms before it starts, its last
    day's after it ends) and how its monthly rent changes after that, as the schedule bills
    it (``terms_on``): the lease card, the list, the deal tab and the tenant's cabinet all
    show these, never the rent typed when the lease was made."""
    end = lease.effective_end()
    day = min(max(today, lease.start), end)
    now = terms_on(lease, day)
    changes: list[tuple[date, Money]] = []
    last = now.monthly
    for point in sorted(p for p in _change_points(lease) if day < p <= end):
        monthly = terms_on(lease, point).monthly
        if monthly != last:
            changes.append((point, monthly))
            last = monthly
    return TermsInForce(now.monthly, now.premises, end, tuple(changes))


def _units(lease: Lease) -> list[BillingPeriod]:
    """Proration units: the calendar months of the term, whatever the billing period."""
    return list(calendar_months(lease.start, lease.effective_end()))


def _pieces(
    lease: Lease, periods: Sequence[BillingPeriod], issued: Sequence[BillingPeriod]
) -> list[_Piece]:
    """Every in-term piece of every month, in date order, with its exact share of the month."""
    start, end = lease.start, lease.effective_end()
    cuts = {start, end + ONE_DAY, *_change_points(lease), *(p.start for p in periods)}
    for done in issued:
        cuts.update((done.start, done.next_day()))
    period_starts = [p.start for p in periods]
    pieces: list[_Piece] = []
    for unit in _units(lease):
        inner = sorted(c for c in cuts if unit.start < c <= unit.end)
        bounds = [unit.start, *inner, unit.next_day()]
        spans = [BillingPeriod(a, b - ONE_DAY) for a, b in pairwise(bounds)]
        terms = [terms_on(lease, s.start) for s in spans]
        for span, span_terms in zip(spans, terms, strict=True):
            if not start <= span.start <= end:
                continue
            offset = (span.start - unit.start).days
            amount = prorate(span_terms.monthly, offset, offset + span.days, unit.days)
            index = bisect_right(period_starts, span.start) - 1
            pieces.append(_Piece(span, span_terms, amount, index))
    return pieces


def plan(lease: Lease, issued: IssuedPeriods = ()) -> list[ScheduleItem]:
    """The documents still to issue for ``lease``: one invoice and one act per period, less
    the days already covered by issued documents of the same kind. Sorted by period, then
    kind. Periods with nothing to charge are left out."""
    issued_by_kind: dict[DocumentKind, list[BillingPeriod]] = {k: [] for k in DocumentKind}
    for kind, period in issued:
        issued_by_kind[DocumentKind(kind)].append(period)
    periods = billing_periods(lease.billing, lease.start, lease.effective_end())
    pieces = _pieces(lease, periods, [p for ps in issued_by_kind.values() for p in ps])
    items: list[ScheduleItem] = []
    for kind, done in issued_by_kind.items():
        open_pieces = [p for p in pieces if not any(d.overlaps(p.period) for d in done)]
        for run in _runs(open_pieces):
            item = _item(lease, kind, run)
            if item.total.is_positive():
                items.append(item)
    return sorted(items, key=lambda i: (i.period.start, i.kind != DocumentKind.INVOICE))


class PeriodTaken(DomainError):
    """A document asked for days that a document of the same kind already covers."""

    def __init__(self, kind: DocumentKind, taken: BillingPeriod) -> None:
        super().__init__(f"{kind} for {taken} is issued already")
        self.kind, self.taken = kind, taken


def item_for_period(
    lease: Lease, issued: IssuedPeriods, kind: DocumentKind, period: BillingPeriod, today: date
) -> ScheduleItem:
    """One document of ``kind`` for exactly ``period`` (a manual invoice for days chosen by a
    person), priced as the schedule prices them: the same calendar-month proration and
    rounding, so the days left around it cost what they would have (seed 000: 01-19.02
    issued by hand leaves 20-29.02 at 10/29 of February). Dated ``today``, due by the lease's
    rule. ``PeriodTaken`` when an issued document of that kind covers any of its days;
    ``InvalidLease`` ("period") when the period is outside the lease's term."""
    if period.start < lease.start or period.end > lease.effective_end():
        raise InvalidLease("period", "is outside the lease term", "outside_term")
    done = [p for k, p in issued if DocumentKind(k) is kind]
    for taken in done:
        if taken.overlaps(period):
            raise PeriodTaken(kind, taken)
    periods = billing_periods(lease.billing, lease.start, lease.effective_end())
    pieces = [
        piece
        for piece in _pieces(lease, periods, [*done, period])
        if period.contains(piece.period.start)
    ]
    merged = [replace(piece, billing_period=0) for piece in pieces]  # one document
    item = _item(lease, kind, merged)
    due_on = _due_date(lease, period, today) if kind is DocumentKind.INVOICE else None
    return replace(item, issue_on=today, due_on=due_on)


def _runs(pieces: list[_Piece]) -> list[list[_Piece]]:
    """Group pieces into documents: contiguous pieces within one billing period."""
    runs: list[list[_Piece]] = []
    for piece in pieces:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and last.billing_period == piece.billing_period
            and last.period.next_day() == piece.period.start
        ):
            runs[-1].append(piece)
        else:
            runs.append([piece])
    return runs


def _item(lease: Lease, kind: DocumentKind, run: list[_Piece]) -> ScheduleItem:
    period = BillingPeriod(run[0].period.start, run[-1].period.end)
    lines = tuple(_line(lease, list(group)) for _, group in groupby(run, key=lambda p: p.terms))
    parts = [lease.vat.split(line.amount) for line in lines]
    net = money_sum([p[0] for p in parts], lease.currency)
    vat = money_sum([p[1] for p in parts], lease.currency)
    total = money_sum([p[2] for p in parts], lease.currency)
    issue_on = _issue_date(lease, kind, period)
    due_on = _due_date(lease, period, issue_on) if kind is DocumentKind.INVOICE else None
    return ScheduleItem(kind, period, issue_on, due_on, lines, net, vat, total)


def _line(lease: Lease, pieces: list[_Piece]) -> DocumentLine:
    period = BillingPeriod(pieces[0].period.start, pieces[-1].period.end)
    terms = pieces[0].terms
    amount = money_sum([p.amount for p in pieces], lease.currency)
    months = whole_months(period)
    if months and amount == terms.monthly.times(months):
        quantity, unit, price = months, "мес.", terms.monthly
    else:
        quantity, unit, price = 1, "усл.", amount
    _, vat, _ = lease.vat.split(amount)
    codes = [p.code for p in terms.premises if p.code]
    if not codes:
        what = "Арендная плата"
    elif len(codes) == 1:
        what = f"Аренда помещения {codes[0]}"
    else:
        what = f"Аренда помещений {', '.join(codes)}"
    return DocumentLine(
        description=f"{what} за {describe_period(period)}",
        period=period,
        quantity=quantity,
        unit=unit,
        price=price,
        amount=amount,
        vat=vat,
        premises_code=", ".join(codes),
    )


def _issue_date(lease: Lease, kind: DocumentKind, period: BillingPeriod) -> date:
    """Invoices: N days before the period starts, or N days after it ends. Acts record
    services rendered, so an act is never dated before its period has run: the period's
    last day, or N days after it for postpay (ФЗ-402 ст. 9: a primary document is drawn up
    when the fact happens or right after; an act of January dated 27.01 would not stand)."""
    days = timedelta(days=lease.issue_rule.days)
    if lease.issue_rule.anchor is IssueAnchor.AFTER_END:
        return period.end + days
    if kind is DocumentKind.INVOICE:
        return period.start - days
    return period.end


def _due_date(lease: Lease, period: BillingPeriod, issue_on: date) -> date:
    """N days after issue, or day D of the period's first month; a day D that has passed by
    the time the invoice is issued moves to the next month's day D."""
    rule = lease.due_rule
    if rule.anchor is DueAnchor.AFTER_ISSUE:
        return issue_on + timedelta(days=rule.days)
    month = period.start.replace(day=1)
    due = min(month.replace(day=1) + timedelta(days=rule.days - 1), month_end(month))
    while due < issue_on:
        month = add_months(month, 1)
        due = min(month + timedelta(days=rule.days - 1), month_end(month))
    return due


def due_items(items: Iterable[ScheduleItem], today: date) -> list[ScheduleItem]:
    """Planned documents whose issue date is today or earlier (seed 000 "по графику")."""
    return [item for item in items if item.issue_on <= today]


def next_invoice_date(items: Iterable[ScheduleItem]) -> date | None:
    """When the next planned invoice is issued (the CRM's "next invoice date" field)."""
    dates = [i.issue_on for i in items if i.kind is DocumentKind.INVOICE]
    return min(dates) if dates else None
