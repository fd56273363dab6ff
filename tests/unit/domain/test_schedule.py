"""The schedule: periods, proration by days, addenda, issue and due dates (seed 000, 001)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain.billing import BillingPeriod, DocumentKind, ScheduleItem
from backend.domain.errors import InvalidLease
from backend.domain.lease import (
    Addendum,
    BillingFrequency,
    DueAnchor,
    DueRule,
    Indexation,
    IssueAnchor,
    IssueRule,
    Lease,
    PeriodUnit,
    Rent,
    RentBasis,
    VatMode,
)
from backend.domain.money import Money
from backend.domain.schedule import (
    PeriodTaken,
    due_items,
    item_for_period,
    next_invoice_date,
    plan,
    terms_in_force,
)
from tests import factories

INVOICE, ACT = DocumentKind.INVOICE, DocumentKind.ACT


def rub(text: str) -> Money:
    return Money(Decimal(text))


def invoices(items: list[ScheduleItem]) -> list[ScheduleItem]:
    return [i for i in items if i.kind is INVOICE]


def period(a: date, b: date) -> BillingPeriod:
    return BillingPeriod(a, b)


def monthly_lease(**overrides: object) -> Lease:
    values: dict[str, object] = {
        "start": date(2020, 1, 1),
        "end": date(2020, 12, 31),
        "rent": Rent(Decimal("100000.00")),
        "vat": VatMode(None),
    }
    values.update(overrides)
    return factories.lease(**values)


def test_seed_000_manual_invoice_leaves_20_to_29_february_at_10_29() -> None:
    # seed 000: a manual invoice for 01.02.2020-19.02.2020 exists; the automatic one bills only
    # 20-29.02.2020, at 10/29 of February's amount whatever the manual invoice charged
    lease = monthly_lease()
    issued = [(INVOICE, period(date(2020, 2, 1), date(2020, 2, 19)))]
    february = [i for i in invoices(plan(lease, issued)) if i.period.start.month == 2]
    assert len(february) == 1
    assert february[0].period == period(date(2020, 2, 20), date(2020, 2, 29))
    assert february[0].total == rub("34482.76")  # 100 000 x 10 / 29 = 34 482.758...
    assert february[0].lines[0].description == "Аренда помещения 101 за 20.02.2020–29.02.2020"


def test_the_two_parts_of_a_split_month_add_up_to_the_month() -> None:
    lease = monthly_lease(rent=Rent(Decimal("99999.99")))
    first = period(date(2020, 2, 1), date(2020, 2, 19))
    rest = period(date(2020, 2, 20), date(2020, 2, 29))
    part_a = [i for i in plan(lease, [(INVOICE, rest)]) if i.kind is INVOICE][1]
    part_b = [i for i in plan(lease, [(INVOICE, first)]) if i.kind is INVOICE][1]
    assert (part_a.period, part_b.period) == (first, rest)
    assert part_a.total + part_b.total == rub("99999.99")


def test_an_issued_period_is_not_billed_again_and_acts_are_planned_apart() -> None:
    lease = monthly_lease()
    issued = [(INVOICE, period(date(2020, 3, 1), date(2020, 3, 31)))]
    items = plan(lease, issued)
    assert not any(i.kind is INVOICE and i.period.start.month == 3 for i in items)
    assert any(i.kind is ACT and i.period.start.month == 3 for i in items)
    assert len(invoices(items)) == 11


def test_a_lease_starting_mid_month_prorates_its_first_month_by_days() -> None:
    lease = monthly_lease(start=date(2026, 1, 15), end=date(2026, 3, 31))
    first = invoices(plan(lease))[0]
    assert first.period == period(date(2026, 1, 15), date(2026, 1, 31))
    assert first.total == rub("54838.71")  # 17/31
    assert first.lines[0].unit == "усл."


def test_full_months_are_named_and_counted_in_months() -> None:
    line = invoices(plan(monthly_lease()))[1].lines[0]
    assert line.description == "Аренда помещения 101 за февраль 2020"
    assert (line.quantity, line.unit, line.price) == (1, "мес.", rub("100000.00"))


def test_a_rent_change_inside_a_period_splits_it_by_days() -> None:
    lease = monthly_lease()
    lease.addenda.append(Addendum("ДС-1", date(2020, 2, 15), rent=Rent(Decimal("116000.00"))))
    february = invoices(plan(lease))[1]
    assert february.period == period(date(2020, 2, 1), date(2020, 2, 29))
    assert [line.period for line in february.lines] == [
        period(date(2020, 2, 1), date(2020, 2, 14)),
        period(date(2020, 2, 15), date(2020, 2, 29)),
    ]
    assert [line.amount for line in february.lines] == [rub("48275.86"), rub("60000.00")]
    assert february.total == rub("108275.86")
    assert invoices(plan(lease))[2].total == rub("116000.00")


def test_rent_per_square_metre_per_month_and_per_year() -> None:
    rooms = (factories.premises("101", "50.00"), factories.premises("102", "25.50"))
    per_month = monthly_lease(premises=rooms, rent=Rent(Decimal("1000"), RentBasis.PER_M2_MONTH))
    per_year = monthly_lease(premises=rooms, rent=Rent(Decimal("12000"), RentBasis.PER_M2_YEAR))
    assert invoices(plan(per_month))[0].total == rub("75500.00")
    assert invoices(plan(per_year))[0].total == rub("75500.00")
    assert invoices(plan(per_month))[0].lines[0].description.startswith("Аренда помещений 101, 102")


def test_an_addendum_changing_premises_changes_a_per_m2_rent() -> None:
    lease = monthly_lease(rent=Rent(Decimal("1000"), RentBasis.PER_M2_MONTH))
    bigger = (factories.premises("101", "50.00"), factories.premises("105", "30.00"))
    lease.addenda.append(Addendum("ДС-2", date(2020, 4, 1), premises=bigger))
    totals = [i.total for i in invoices(plan(lease))]
    assert totals[2] == rub("50000.00")
    assert totals[3] == rub("80000.00")


def test_an_addendum_moving_the_end_extends_the_schedule() -> None:
    lease = monthly_lease(end=date(2020, 6, 30))
    lease.addenda.append(Addendum("ДС-3", date(2020, 5, 1), end=date(2020, 8, 15)))
    last = invoices(plan(lease))[-1]
    assert last.period == period(date(2020, 8, 1), date(2020, 8, 15))
    assert last.total == rub("48387.10")  # 15/31


def test_vat_included_on_top_and_none() -> None:
    included = invoices(plan(monthly_lease(vat=VatMode(Decimal(22), included=True))))[0]
    on_top = invoices(plan(monthly_lease(vat=VatMode(Decimal(20), included=False))))[0]
    none = invoices(plan(monthly_lease(vat=VatMode(None))))[0]
    assert (included.net, included.vat, included.total) == (
        rub("81967.21"),
        rub("18032.79"),
        rub("100000.00"),
    )
    assert (on_top.net, on_top.vat, on_top.total) == (
        rub("100000.00"),
        rub("20000.00"),
        rub("120000.00"),
    )
    assert (none.vat, none.total) == (rub("0"), rub("100000.00"))


def test_quarters_follow_the_calendar_and_prorate_a_short_first_quarter() -> None:
    lease = monthly_lease(
        start=date(2026, 2, 20),
        end=date(2026, 12, 31),
        billing=BillingFrequency(PeriodUnit.QUARTER),
    )
    items = invoices(plan(lease))
    assert [i.period for i in items[:2]] == [
        period(date(2026, 2, 20), date(2026, 3, 31)),
        period(date(2026, 4, 1), date(2026, 6, 30)),
    ]
    # 9/28 of February (32 142.857 -> 32 142.86) plus the whole of March (100 000)
    assert items[0].total == rub("132142.86")
    assert items[1].total == rub("300000.00")
    assert items[1].lines[0].description == "Аренда помещения 101 за II квартал 2026"


def test_every_two_months_from_the_start_month() -> None:
    lease = monthly_lease(billing=BillingFrequency(PeriodUnit.MONTH, every=2))
    items = invoices(plan(lease))
    assert len(items) == 6
    assert items[0].period == period(date(2020, 1, 1), date(2020, 2, 29))
    assert all(i.total == rub("200000.00") for i in items)


LEASE_2020 = {"start": date(2020, 3, 15), "end": date(2021, 3, 14)}


def test_a_year_costs_the_same_billed_monthly_quarterly_yearly_or_every_two_months() -> None:
    # issue 17 case 1: 15.03.2020-14.03.2021 at 100 000 a month: 17/31 of March 2020
    # (54 838.71), eleven whole months, 14/31 of March 2021 (45 161.29): 1 200 000.00
    for billing in (
        BillingFrequency(PeriodUnit.MONTH),
        BillingFrequency(PeriodUnit.QUARTER),
        BillingFrequency(PeriodUnit.YEAR),
        BillingFrequency(PeriodUnit.MONTH, every=2),
    ):
        items = invoices(plan(monthly_lease(**LEASE_2020, billing=billing)))
        total = sum((i.total.amount for i in items), Decimal(0))
        assert total == Decimal("1200000.00"), billing


def test_a_year_billed_yearly_is_split_at_the_calendar_year() -> None:
    items = invoices(plan(monthly_lease(**LEASE_2020, billing=BillingFrequency(PeriodUnit.YEAR))))
    # 2020: 17/31 x 100 000 = 54 838.709... -> 54 838.71, plus April-December 900 000
    # 2021: January and February 200 000, plus 14/31 x 100 000 = 45 161.29
    assert [(i.period, i.total) for i in items] == [
        (period(date(2020, 3, 15), date(2020, 12, 31)), rub("954838.71")),
        (period(date(2021, 1, 1), date(2021, 3, 14)), rub("245161.29")),
    ]


def test_a_quarter_cut_by_the_lease_start_bills_its_whole_months_whole() -> None:
    # quarterly from 01.02.2021: February + March are two whole months, not 59/90 of a quarter
    lease = monthly_lease(
        start=date(2021, 2, 1), end=date(2021, 12, 31), billing=BillingFrequency(PeriodUnit.QUARTER)
    )
    first = invoices(plan(lease))[0]
    assert first.period == period(date(2021, 2, 1), date(2021, 3, 31))
    assert first.total == rub("200000.00")
    assert (first.lines[0].quantity, first.lines[0].unit) == (2, "мес.")


def test_every_two_months_from_mid_january_bills_17_31_of_january_plus_february() -> None:
    lease = monthly_lease(
        start=date(2021, 1, 15),
        end=date(2021, 12, 31),
        billing=BillingFrequency(PeriodUnit.MONTH, every=2),
    )
    first = invoices(plan(lease))[0]
    assert first.period == period(date(2021, 1, 15), date(2021, 2, 28))
    # 17/31 x 100 000 = 54 838.709... -> 54 838.71, plus February 100 000
    assert first.total == rub("154838.71")


def test_weekly_billing_adds_up_to_the_monthly_rent_within_each_month() -> None:
    lease = monthly_lease(
        start=date(2026, 3, 1), end=date(2026, 5, 31), billing=BillingFrequency(PeriodUnit.WEEK)
    )
    items = invoices(plan(lease))
    assert items[0].period == period(date(2026, 3, 1), date(2026, 3, 1))  # a Sunday
    assert items[1].period == period(date(2026, 3, 2), date(2026, 3, 8))
    assert sum((i.total.amount for i in items), Decimal(0)) == Decimal("300000.00")


def test_daily_billing_splits_each_month_to_the_kopeck() -> None:
    lease = monthly_lease(
        start=date(2026, 2, 1), end=date(2026, 2, 28), billing=BillingFrequency(PeriodUnit.DAY)
    )
    items = invoices(plan(lease))
    assert len(items) == 28
    assert sum((i.total.amount for i in items), Decimal(0)) == Decimal("100000.00")
    assert {i.total for i in items} <= {rub("3571.42"), rub("3571.43")}


def test_issue_before_start_and_due_after_issue() -> None:
    lease = monthly_lease(
        issue_rule=IssueRule(IssueAnchor.BEFORE_START, 5),
        due_rule=DueRule(DueAnchor.AFTER_ISSUE, 7),
    )
    march_invoice, march_act = [i for i in plan(lease) if i.period.start == date(2020, 3, 1)]
    assert (march_invoice.issue_on, march_invoice.due_on) == (date(2020, 2, 25), date(2020, 3, 3))
    # issue 17 case 8: the act of March is dated 31.03, the last day of the period it
    # records, not 27.03 with April's invoice
    assert (march_act.kind, march_act.issue_on, march_act.due_on) == (ACT, date(2020, 3, 31), None)


def test_postpay_issues_after_the_period_and_due_by_day_of_period_rolls_forward() -> None:
    lease = monthly_lease(
        issue_rule=IssueRule(IssueAnchor.AFTER_END, 2),
        due_rule=DueRule(DueAnchor.DAY_OF_PERIOD, 10),
    )
    january = [i for i in plan(lease) if i.period.start == date(2020, 1, 1)]
    assert [(i.kind, i.issue_on) for i in january] == [
        (INVOICE, date(2020, 2, 2)),
        (ACT, date(2020, 2, 2)),
    ]
    assert january[0].due_on == date(2020, 2, 10)


def test_due_by_day_of_period_is_clamped_to_short_months() -> None:
    lease = monthly_lease(
        issue_rule=IssueRule(IssueAnchor.BEFORE_START, 10),
        due_rule=DueRule(DueAnchor.DAY_OF_PERIOD, 31),
    )
    february = invoices(plan(lease))[1]
    assert february.due_on == date(2020, 2, 29)


def test_yearly_indexation_from_the_anniversary() -> None:
    lease = monthly_lease(
        start=date(2026, 1, 1),
        end=date(2028, 12, 31),
        indexation=Indexation(Decimal("5"), date(2027, 1, 1)),
    )
    totals = {i.period.start: i.total for i in invoices(plan(lease))}
    assert totals[date(2026, 12, 1)] == rub("100000.00")
    assert totals[date(2027, 1, 1)] == rub("105000.00")
    assert totals[date(2028, 1, 1)] == rub("110250.00")


def test_due_items_and_next_invoice_date() -> None:
    items = plan(monthly_lease(issue_rule=IssueRule(IssueAnchor.BEFORE_START, 5)))
    due = due_items(items, date(2020, 2, 25))
    # February's act waits for 29.02, the end of the period it records
    assert [(i.kind, i.period.start) for i in due] == [
        (INVOICE, date(2020, 1, 1)),
        (ACT, date(2020, 1, 1)),
        (INVOICE, date(2020, 2, 1)),
        (INVOICE, date(2020, 3, 1)),
    ]
    assert next_invoice_date(items) == date(2019, 12, 27)
    assert next_invoice_date([]) is None


def test_zero_rent_plans_nothing() -> None:
    assert plan(monthly_lease(rent=Rent(Decimal(0)))) == []


# --- properties ---------------------------------------------------------------------------

frequencies = st.sampled_from(
    [
        BillingFrequency(PeriodUnit.DAY, 1),
        BillingFrequency(PeriodUnit.DAY, 10),
        BillingFrequency(PeriodUnit.WEEK, 1),
        BillingFrequency(PeriodUnit.WEEK, 2),
        BillingFrequency(PeriodUnit.MONTH, 1),
        BillingFrequency(PeriodUnit.MONTH, 2),
        BillingFrequency(PeriodUnit.QUARTER, 1),
        BillingFrequency(PeriodUnit.YEAR, 1),
    ]
)
amounts = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("9999999.99"), places=2)
starts = st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def leases(draw: st.DrawFn) -> Lease:
    start = draw(starts)
    end = start + timedelta(days=draw(st.integers(0, 800)))
    lease = monthly_lease(start=start, end=end, rent=Rent(draw(amounts)), billing=draw(frequencies))
    for n in range(draw(st.integers(0, 2))):
        effective = start + timedelta(days=draw(st.integers(0, (end - start).days)))
        lease.addenda.append(Addendum(f"ДС-{n}", effective, rent=Rent(draw(amounts))))
    return lease


@settings(max_examples=60, deadline=None)
@given(leases())
def test_invoices_cover_the_term_without_gaps_or_overlaps(lease: Lease) -> None:
    for kind in (INVOICE, ACT):
        periods = [i.period for i in plan(lease) if i.kind is kind]
        assert periods[0].start == lease.start
        assert periods[-1].end == lease.effective_end()
        for before, after in itertools.pairwise(periods):
            assert before.next_day() == after.start


@settings(max_examples=60, deadline=None)
@given(leases())
def test_every_document_adds_up_its_lines_and_acts_match_invoices(lease: Lease) -> None:
    items = plan(lease)
    for item in items:
        assert item.total == sum((line.amount for line in item.lines), Money.zero())
    totals = {
        kind: sum((i.total.amount for i in items if i.kind is kind), Decimal(0))
        for kind in (INVOICE, ACT)
    }
    assert totals[INVOICE] == totals[ACT]


@settings(max_examples=100, deadline=None)
@given(
    amount=amounts,
    month=st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 1)).map(
        lambda d: d.replace(day=1)
    ),
    cuts=st.sets(st.integers(1, 27), max_size=6),
    issued_mask=st.integers(0, 127),
)
def test_prorated_parts_of_a_period_always_add_up_to_the_whole(
    amount: Decimal, month: date, cuts: set[int], issued_mask: int
) -> None:
    """However a month is cut into parts and whichever parts were issued before, what is
    billed now plus what is billed for the rest adds up to the month's rent exactly."""
    month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    lease = monthly_lease(start=month, end=month_end, rent=Rent(amount))
    days = [month + timedelta(days=c) for c in sorted(cuts)]
    bounds = [month, *days, lease.end + timedelta(days=1)]
    parts = [period(a, b - timedelta(days=1)) for a, b in itertools.pairwise(bounds)]
    chosen = [p for i, p in enumerate(parts) if issued_mask >> i & 1]
    rest = [p for i, p in enumerate(parts) if not issued_mask >> i & 1]
    now = sum(
        (i.total.amount for i in invoices(plan(lease, [(INVOICE, p) for p in chosen]))), Decimal(0)
    )
    later = sum(
        (i.total.amount for i in invoices(plan(lease, [(INVOICE, p) for p in rest]))), Decimal(0)
    )
    assert now + later == amount


@settings(max_examples=40, deadline=None)
@given(amount=amounts, first=starts, months=st.integers(1, 30))
def test_whole_months_at_one_rent_sum_to_rent_times_months(
    amount: Decimal, first: date, months: int
) -> None:
    start = first.replace(day=1)
    end_month = date(
        start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1, 1
    )
    lease = monthly_lease(start=start, end=end_month - timedelta(days=1), rent=Rent(amount))
    for unit in (PeriodUnit.DAY, PeriodUnit.WEEK, PeriodUnit.MONTH):
        lease.billing = BillingFrequency(unit)
        total = sum((i.total.amount for i in invoices(plan(lease))), Decimal(0))
        assert total == amount * months


@settings(max_examples=60, deadline=None)
@given(lease=leases(), every=st.integers(1, 5), days=st.integers(1, 40))
def test_a_lease_costs_the_same_whatever_its_billing_frequency(
    lease: Lease, every: int, days: int
) -> None:
    """Monthly, quarterly, yearly, every N months, weekly or every N days: the same total to
    the kopeck (issue 17), because every period is the sum of its calendar months' parts."""
    totals = set()
    for billing in (
        BillingFrequency(PeriodUnit.MONTH),
        BillingFrequency(PeriodUnit.QUARTER),
        BillingFrequency(PeriodUnit.YEAR),
        BillingFrequency(PeriodUnit.MONTH, every),
        BillingFrequency(PeriodUnit.WEEK),
        BillingFrequency(PeriodUnit.DAY, days),
    ):
        lease.billing = billing
        totals.add(sum((i.total.amount for i in invoices(plan(lease))), Decimal(0)))
    assert len(totals) == 1


@settings(max_examples=80, deadline=None)
@given(
    lease=leases(),
    manual=st.lists(st.tuples(st.integers(0, 800), st.integers(0, 60)), max_size=2),
    picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=3),
)
def test_issuing_a_planned_item_takes_exactly_that_item_out_of_the_plan(
    lease: Lease, manual: list[tuple[int, int]], picks: list[int]
) -> None:
    """What lets the billing run delete the issued item's row instead of re-planning the
    lease (``services.leases.schedule_issued``), also after manual invoices of any days."""
    end = lease.effective_end()
    issued = [
        (INVOICE, period(day, min(day + timedelta(days=length), end)))
        for offset, length in manual
        if (day := lease.start + timedelta(days=offset)) <= end
    ]
    before = plan(lease, issued)
    for pick in picks:
        if not before:
            return
        item = before[pick % len(before)]
        issued.append((item.kind, item.period))
        after = plan(lease, issued)
        assert after == [i for i in before if i != item]
        before = after  # what the next pick is taken from: the plan as it now stands


def test_a_manual_invoice_for_chosen_days_costs_what_the_plan_would_charge_for_them() -> None:
    lease = monthly_lease()
    manual = item_for_period(
        lease, [], INVOICE, period(date(2020, 2, 1), date(2020, 3, 10)), date(2020, 2, 5)
    )
    rest = plan(lease, [(INVOICE, manual.period)])
    march = next(i for i in invoices(rest) if i.period.start.month == 3)
    assert manual.total == rub("100000.00") + rub("32258.06")  # February + 10/31 of March
    assert manual.total + march.total == rub("200000.00")  # the two months, to the kopeck
    assert (manual.issue_on, manual.due_on) == (date(2020, 2, 5), date(2020, 2, 10))


def test_a_manual_invoice_over_days_already_invoiced_or_outside_the_term_is_refused() -> None:
    lease = monthly_lease()
    done = [(INVOICE, period(date(2020, 2, 1), date(2020, 2, 29)))]
    with pytest.raises(PeriodTaken):
        item_for_period(lease, done, INVOICE, period(date(2020, 2, 20), date(2020, 3, 5)),
                        date(2020, 2, 5))  # fmt: skip
    # an act of the same days is another document
    act = item_for_period(lease, done, ACT, period(date(2020, 2, 1), date(2020, 2, 29)),
                          date(2020, 3, 1))  # fmt: skip
    assert act.due_on is None
    with pytest.raises(InvalidLease):
        item_for_period(lease, [], INVOICE, period(date(2019, 12, 1), date(2020, 1, 31)),
                        date(2020, 2, 5))  # fmt: skip


def test_terms_in_force_are_the_addendum_s_rent_once_it_took_effect_with_later_changes() -> None:
    lease = factories.lease(
        addenda=[
            Addendum("ДС-1", date(2026, 4, 1), rent=Rent(Decimal("120000.00"))),
            Addendum("ДС-2", date(2026, 6, 1), rent=Rent(Decimal("130000.00"))),
            Addendum("ДС-3", date(2026, 7, 1), end=date(2026, 9, 30)),
        ],
        indexation=Indexation(Decimal(5), date(2027, 2, 1)),  # after the new end: never
    )
    before = terms_in_force(lease, date(2026, 1, 20))  # before the start: the first terms
    assert before.monthly == rub("100000.00")
    now = terms_in_force(lease, date(2026, 5, 10))
    assert (now.monthly, now.end) == (rub("120000.00"), date(2026, 9, 30))
    assert now.changes == ((date(2026, 6, 1), rub("130000.00")),)
    after = terms_in_force(lease, date(2027, 3, 1))  # ended: its last terms, nothing ahead
    assert (after.monthly, after.changes) == (rub("130000.00"), ())


def test_terms_in_force_show_the_indexation_ahead() -> None:
    lease = factories.lease(
        end=date(2027, 12, 31), indexation=Indexation(Decimal(10), date(2027, 2, 1))
    )
    now = terms_in_force(lease, date(2026, 3, 1))
    assert (now.monthly, now.changes) == (rub("100000.00"), ((date(2027, 2, 1), rub("110000.00")),))
