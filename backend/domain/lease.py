"""The lease (договор аренды) and its terms: rent, VAT, billing period, issue and due rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from backend.domain.errors import InvalidLease
from backend.domain.money import DEFAULT_CURRENCY, Money, round_money
from backend.domain.parties import LandlordEntity, Person, Premises, Tenant

MONTHS_IN_YEAR = 12
REGISTRATION_THRESHOLD_DAYS = 364  # longer leases need state registration (seed 000)


class RentBasis(StrEnum):
    """What the rent amount is quoted per."""

    PER_MONTH = "per_month"  # a fixed amount per month
    PER_M2_MONTH = "per_m2_month"  # per square metre per month
    PER_M2_YEAR = "per_m2_year"  # per square metre per year


@dataclass(frozen=True)
class Rent:
    """A rent rate; ``monthly(area)`` turns it into the amount for one full month."""

    amount: Decimal
    basis: RentBasis = RentBasis.PER_MONTH
    currency: str = DEFAULT_CURRENCY

    def monthly(self, area_m2: Decimal) -> Money:
        """The rent of one whole calendar month for premises of ``area_m2``."""
        if self.basis is RentBasis.PER_MONTH:
            return Money(self.amount, self.currency)
        if self.basis is RentBasis.PER_M2_MONTH:
            return Money(self.amount * area_m2, self.currency)
        return Money(self.amount * area_m2 / MONTHS_IN_YEAR, self.currency)


@dataclass(frozen=True)
class VatMode:
    """VAT: ``rate`` None means "Без налога (НДС)"; else a percentage, included or on top."""

    rate: Decimal | None = None
    included: bool = True

    @property
    def label(self) -> str:
        return (
            "none"
            if self.rate is None
            else f"{self.rate}% {'included' if self.included else 'on top'}"
        )

    def split(self, amount: Money) -> tuple[Money, Money, Money]:
        """Return (net, vat, gross) for a line of ``amount`` under this mode.

        Included: ``amount`` is gross, VAT = amount x rate / (100 + rate) (НК РФ ст. 164 п. 4).
        On top: ``amount`` is net, VAT = amount x rate / 100. Rounded once, half up.
        """
        if self.rate is None:
            return amount, Money.zero(amount.currency), amount
        if self.included:
            vat_amount = round_money(amount.amount * self.rate / (100 + self.rate))
            vat = Money(vat_amount, amount.currency)
            return amount - vat, vat, amount
        vat = Money(round_money(amount.amount * self.rate / 100), amount.currency)
        return amount, vat, amount + vat


class PeriodUnit(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True)
class BillingFrequency:
    """Length of one billing period: a day, week, month, quarter, year, or N days/months."""

    unit: PeriodUnit = PeriodUnit.MONTH
    every: int = 1

    def __post_init__(self) -> None:
        if self.every < 1:
            raise InvalidLease("billing.every", "must be at least 1", "positive")


class IssueAnchor(StrEnum):
    BEFORE_START = "before_start"  # N days before the period starts (prepay)
    AFTER_END = "after_end"  # N days after the period ends, 0 = on its last day (postpay)


@dataclass(frozen=True)
class IssueRule:
    """When a period's invoice is issued."""

    anchor: IssueAnchor = IssueAnchor.BEFORE_START
    days: int = 0


class DueAnchor(StrEnum):
    AFTER_ISSUE = "after_issue"  # due N days after the invoice date
    DAY_OF_PERIOD = "day_of_period"  # due by day D of the period


@dataclass(frozen=True)
class DueRule:
    """When a period's invoice must be paid."""

    anchor: DueAnchor = DueAnchor.AFTER_ISSUE
    days: int = 5


class PenaltyInvoicing(StrEnum):
    """When late-payment penalties (пени) become an invoice of their own."""

    ON_DEMAND = "on_demand"  # when the landlord asks (the CLI, a service call)
    MONTHLY = "monthly"  # by the billing run, for what accrued up to each month's end


class PaymentTiming(StrEnum):
    PREPAY = "prepay"  # the period is paid for before it runs
    POSTPAY = "postpay"  # the period is paid for after it ran


@dataclass(frozen=True)
class Indexation:
    """Yearly rent indexation: +``percent`` every year from ``first_on`` (an anniversary)."""

    percent: Decimal
    first_on: date


class LeaseStatus(StrEnum):
    """Lease statuses (seed 001 / SPEC): the stored ones plus derived active/expired."""

    DRAFT = "draft"  # черновик
    BOOKED = "booked"  # бронь
    ON_SIGNING = "on_signing"  # на подписании
    SIGNED = "signed"  # подписан
    REGISTERED = "registered"  # зарегистрирован
    ACTIVE = "active"  # действует: derived from dates, never stored
    EXPIRED = "expired"  # истёк
    TERMINATED = "terminated"  # расторгнут
    CANCELLED = "cancelled"  # отменён


class AddendumKind(StrEnum):
    """What an addendum is: new terms, or the termination (расторжение) that ends the term on
    its day. Stored as a kind and a date, so each page names it in its reader's language."""

    TERMS = "terms"
    TERMINATION = "termination"  # no number of its own: ``end`` is its last day


@dataclass(frozen=True)
class Addendum:
    """Доп. соглашение: from ``effective_from`` it changes the rent, premises and/or end date."""

    number: str
    effective_from: date
    signed_on: date | None = None
    rent: Rent | None = None
    premises: tuple[Premises, ...] | None = None
    end: date | None = None
    reminder_days: int = 0
    id: int | None = None
    kind: AddendumKind = AddendumKind.TERMS


@dataclass
class Lease:
    """A lease contract between a landlord entity and a tenant, with its billing terms.

    Mutable entity: its status moves through ``backend.domain.status``; everything that
    only carries values around it is a frozen dataclass.
    """

    number: str
    signed_on: date
    landlord: LandlordEntity
    tenant: Tenant
    premises: tuple[Premises, ...]
    start: date
    end: date
    rent: Rent
    vat: VatMode = field(default_factory=VatMode)
    billing: BillingFrequency = field(default_factory=BillingFrequency)
    issue_rule: IssueRule = field(default_factory=IssueRule)
    due_rule: DueRule = field(default_factory=DueRule)
    timing: PaymentTiming = PaymentTiming.PREPAY
    auto_send: bool = False
    act_on_payment: bool = False  # issue the period's act as soon as its invoice is paid
    reminder_days: int = 30
    deposit: Money | None = None
    indexation: Indexation | None = None
    penalty_rate_per_day: Decimal | None = None  # пени, % of the debt per day
    penalty_invoicing: PenaltyInvoicing = PenaltyInvoicing.ON_DEMAND
    # days before a due date the tenant is reminded (0: on the day); None: the portal's
    due_reminder_days: tuple[int, ...] | None = None
    manager: Person | None = None
    supervisor: Person | None = None
    accountant: Person | None = None  # the lease's own; None: the landlord's accountant
    status: LeaseStatus = LeaseStatus.DRAFT
    original_received: bool = False
    addenda: list[Addendum] = field(default_factory=list)
    id: int | None = None

    def __post_init__(self) -> None:
        self.validate()

    @property
    def currency(self) -> str:
        return self.rent.currency

    @property
    def total_area(self) -> Decimal:
        return sum((p.area_m2 for p in self.premises), Decimal(0))

    def term_days(self) -> int:
        """Days the lease runs, both ends included (with the addenda's end date)."""
        return (self.effective_end() - self.start).days + 1

    def effective_end(self) -> date:
        """The end date after every addendum that moves it."""
        end = self.end
        for addendum in sorted(self.addenda, key=lambda a: a.effective_from):
            if addendum.end is not None:
                end = addendum.end
        return end

    @property
    def registration_required(self) -> bool:
        """Leases longer than 364 days need state registration (seed 000)."""
        return self.term_days() > REGISTRATION_THRESHOLD_DAYS

    def validate(self) -> None:
        """Raise ``InvalidLease`` naming the first field that breaks a rule."""
        if not self.number.strip():
            raise InvalidLease("number", "must not be empty", "missing")
        if self.end < self.start:
            raise InvalidLease("end", f"{self.end} is before start {self.start}", "before_start")
        if self.rent.amount < 0:
            raise InvalidLease("rent.amount", "must not be negative", "negative")
        self._validate_premises()
        if self.issue_rule.days < 0:
            raise InvalidLease("issue_rule.days", "must not be negative", "negative")
        if self.due_rule.days < 0:
            raise InvalidLease("due_rule.days", "must not be negative", "negative")
        if self.due_rule.anchor is DueAnchor.DAY_OF_PERIOD and not 1 <= self.due_rule.days <= 31:
            raise InvalidLease("due_rule.days", "a day of the period is 1..31", "whole", "1–31")
        if self.deposit is not None and self.deposit.is_negative():
            raise InvalidLease("deposit", "must not be negative", "negative")
        if self.reminder_days < 0:
            raise InvalidLease("reminder_days", "must not be negative", "negative")
        for i, addendum in enumerate(self.addenda):
            self._validate_addendum(i, addendum)

    def _validate_premises(self) -> None:
        if self.rent.basis is not RentBasis.PER_MONTH and not self.premises:
            raise InvalidLease(
                "premises", "a per-m² rent needs premises with an area", "area_needed"
            )
        for i, room in enumerate(self.premises):
            if room.area_m2 < 0:
                raise InvalidLease(f"premises[{i}].area_m2", "must not be negative", "negative")

    def _validate_addendum(self, i: int, addendum: Addendum) -> None:
        where = f"addenda[{i}]"
        if not self.start <= addendum.effective_from:
            raise InvalidLease(
                f"{where}.effective_from", "is before the lease starts", "before_lease_start",
                self.start.isoformat(),
            )  # fmt: skip
        if addendum.rent is not None and addendum.rent.amount < 0:
            raise InvalidLease(f"{where}.rent.amount", "must not be negative", "negative")
        if addendum.end is not None and addendum.end < addendum.effective_from:
            raise InvalidLease(
                f"{where}.end", "is before the addendum takes effect", "before_effective",
                addendum.effective_from.isoformat(),
            )  # fmt: skip
        if addendum.reminder_days < 0:
            raise InvalidLease(f"{where}.reminder_days", "must not be negative", "negative")
