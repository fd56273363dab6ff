"""The lease form (create a lease from a deal) as people type it: flat text fields, checked
field by field, every problem reported at once with the field it belongs to.

The same form serves the workspace page, the Bitrix24 deal tab and amoCRM's lead panel: a
landlord chosen by name, premises from the register (or typed), the billing period and its
every-N, rent per month or per m², the VAT mode, when invoices are issued and paid,
auto-send and the recipients, the manager, supervisor and (optionally) the accountant picked
from the CRM's users. A problem is a code (``missing``, ``date``...) the page says in the
viewer's language; the requisites checks speak through the same codes as the landlord form
(``control``...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from backend.domain.contacts import email_problem, text_problem
from backend.domain.errors import InvalidRequisites
from backend.domain.lease import (
    BillingFrequency,
    DueAnchor,
    DueRule,
    IssueAnchor,
    IssueRule,
    Lease,
    PeriodUnit,
    Rent,
    RentBasis,
    VatMode,
)
from backend.domain.money import Money
from backend.domain.parties import LandlordEntity, Person, Premises, Tenant, TenantKind
from backend.domain.premises import PremisesCard
from backend.domain.quantities import (
    AREA,
    MONEY,
    QuantityProblem,
    monthly_rent_problem,
    parse_number,
    read_quantity,
    read_whole,
)
from backend.domain.requisites import check_inn, check_kpp
from backend.services.landlords import Problem
from backend.services.lease_account import AccountChoice
from crm_mappings.port import CrmUser, DealParty

VAT_CHOICES = ("none", "22", "20", "10", "7", "5", "0")
TEXT_FIELDS = (
    "number", "signed_on", "start", "end", "landlord", "premises", "premises_code", "area",
    "rent_basis", "rent", "vat", "billing_unit", "billing_every", "issue_anchor", "issue_days",
    "due_anchor", "due_days", "tenant_kind", "tenant_name", "tenant_inn", "tenant_kpp",
    "tenant_address", "tenant_emails", "manager", "supervisor", "deposit", "accountant",
    "bank_account",
)  # fmt: skip
FLAGS = ("vat_included", "auto_send")
_LIMITS = {"number": 64, "tenant_name": 255, "tenant_address": 1000, "tenant_emails": 1000}
_EMAILS = re.compile(r"[\s,;]+")
MAX_EVERY = 366  # every N periods: a year of days is the most that makes sense
MAX_DAYS = 366  # an issue or due rule: a year of days is the furthest a rule reaches


@dataclass(frozen=True)
class LeaseForm:
    """What a person typed (trimmed), the flags ticked, and the problems found."""

    values: dict[str, str]
    flags: frozenset[str] = frozenset()
    problems: dict[str, Problem] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name) or default


@dataclass(frozen=True)
class FormChoices:
    """What the form offers: the portal's landlords (id, name), the register's premises,
    the CRM's users, and the portal's default payment term."""

    landlords: Sequence[tuple[int, str]]
    premises: Sequence[PremisesCard]
    users: Sequence[CrmUser] | None  # None: the CRM was not asked (inline checks)
    due_default: DueRule = field(default_factory=DueRule)
    # each landlord's accounts the lease may be paid to: (landlord id, account)
    accounts: Sequence[tuple[int, AccountChoice]] = ()

    def account(self, landlord: str, account: str) -> AccountChoice | None:
        """The account ``account`` (its id, as typed) if it is landlord ``landlord``'s."""
        return next(
            (a for owner, a in self.accounts if (str(owner), str(a.id)) == (landlord, account)),
            None,
        )


class LeaseFormInvalid(Exception):
    """The form has problems; ``form`` carries the typed values and every problem."""

    def __init__(self, form: LeaseForm, page: object = None) -> None:
        super().__init__(", ".join(f"{k}: {p.code}" for k, p in form.problems.items()))
        self.form = form
        self.page = page  # what the form page needs to be drawn again (lease_create)


def read_lease_form(data: Mapping[str, str]) -> LeaseForm:
    """The form's values, single-line and trimmed (a CR/LF never reaches a mail header);
    the recipients keep one address per line. Unknown keys are ignored."""
    values = {name: " ".join(str(data.get(name, "")).split()) for name in TEXT_FIELDS}
    values["tenant_emails"] = ", ".join(
        e for e in _EMAILS.split(str(data.get("tenant_emails", ""))) if e
    )
    flags = frozenset(f for f in FLAGS if str(data.get(f, "")) in {"1", "on", "true", "y"})
    return LeaseForm(values, flags)


def prefilled_form(
    deal_title: str, party: DealParty, choices: FormChoices, responsible: str, today: date
) -> LeaseForm:
    """A new form for a deal: the tenant from the deal's company or contact, the deal's
    responsible person as the manager, today's date, the portal's payment term, monthly
    billing in advance, VAT 22 % included and auto-send on (what most leases are)."""
    values = {
        "number": "", "signed_on": today.isoformat(), "start": "", "end": "",
        "landlord": str(choices.landlords[0][0]) if len(choices.landlords) == 1 else "",
        "rent_basis": RentBasis.PER_MONTH.value, "vat": "22", "billing_unit": "month",
        "billing_every": "1", "issue_anchor": IssueAnchor.BEFORE_START.value,
        "issue_days": "5", "due_anchor": choices.due_default.anchor.value,
        "due_days": str(choices.due_default.days), "tenant_kind": _kind_of(party.inn),
        "tenant_name": party.name or deal_title, "tenant_inn": party.inn,
        "tenant_kpp": party.kpp, "tenant_address": party.address,
        "tenant_emails": ", ".join(party.emails), "manager": responsible,
    }  # fmt: skip
    return LeaseForm({n: values.get(n, "") for n in TEXT_FIELDS}, frozenset(FLAGS))


def _kind_of(inn: str) -> str:
    return (TenantKind.SOLE_TRADER if len(inn) == 12 else TenantKind.LEGAL_ENTITY).value


def check_lease_form(form: LeaseForm, choices: FormChoices) -> LeaseForm:
    """The same form with ``problems`` filled: one per field, the first check it fails."""
    v = form.values
    problems: dict[str, Problem] = {}
    for name in ("number", "signed_on", "start", "end", "landlord", "tenant_name"):
        if not v[name]:
            problems[name] = Problem("missing")
    for name, value in v.items():
        if len(value) > _LIMITS.get(name, 255):
            problems[name] = Problem("too_long", str(_LIMITS.get(name, 255)))
        elif text_problem(value):
            problems[name] = Problem("invalid")
    _check_dates(v, problems)
    _check_numbers(v, problems)
    _check_choices(v, choices, problems)
    _check_tenant(v, problems)
    if v["rent_basis"] != RentBasis.PER_MONTH and not _area(v, choices):
        problems.setdefault("area", Problem("area_needed"))
    if not v["rent"] and _register_price(v, choices) is None:
        problems.setdefault("rent", Problem("missing"))
    _check_monthly(v, choices, problems)
    return LeaseForm(form.values, form.flags, problems)


def _check_monthly(
    v: Mapping[str, str], choices: FormChoices, problems: dict[str, Problem]
) -> None:
    """A rent per m² (typed, or the register's price) times the area is still an amount."""
    if problems.keys() & {"rent", "area", "rent_basis", "premises"}:
        return
    rate = _decimal(v["rent"]) if v["rent"] else _register_price(v, choices)
    if rate is None:
        return
    if err := monthly_rent_problem(Rent(rate, RentBasis(v["rent_basis"])), _area(v, choices)):
        problems["rent"] = Problem(err.code, err.expected)


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _check_dates(v: Mapping[str, str], problems: dict[str, Problem]) -> None:
    for name in ("signed_on", "start", "end"):
        if v[name] and _parse_date(v[name]) is None:
            problems.setdefault(name, Problem("date"))
    start, end = _parse_date(v["start"]), _parse_date(v["end"])
    if start and end and end < start:
        problems.setdefault("end", Problem("before_start"))


def _decimal(value: str) -> Decimal | None:
    try:
        return parse_number(value)
    except QuantityProblem:
        return None


_BOUNDS = {"rent": MONEY, "area": AREA, "deposit": MONEY}
_WHOLE = (("billing_every", 1, MAX_EVERY), ("issue_days", 0, MAX_DAYS), ("due_days", 0, MAX_DAYS))


def _check_numbers(v: Mapping[str, str], problems: dict[str, Problem]) -> None:
    for name, bound in _BOUNDS.items():
        if v[name]:
            try:
                read_quantity(v[name], bound)
            except QuantityProblem as err:
                problems.setdefault(name, Problem(err.code, err.expected))
    for name, low, high in _WHOLE:
        try:
            read_whole(v[name], low, high)
        except QuantityProblem as err:
            problems.setdefault(name, Problem(err.code, err.expected))
    if v["due_anchor"] == DueAnchor.DAY_OF_PERIOD and "due_days" not in problems:
        try:
            read_whole(v["due_days"], 1, 31)
        except QuantityProblem as err:
            problems.setdefault("due_days", Problem(err.code, err.expected))


_ENUMS: Mapping[str, tuple[str, ...]] = {
    "rent_basis": tuple(RentBasis), "vat": VAT_CHOICES, "billing_unit": tuple(PeriodUnit),
    "issue_anchor": tuple(IssueAnchor), "due_anchor": tuple(DueAnchor),
    "tenant_kind": tuple(TenantKind),
}  # fmt: skip


def _check_choices(
    v: Mapping[str, str], choices: FormChoices, problems: dict[str, Problem]
) -> None:
    for name, allowed in _ENUMS.items():
        if v[name] not in allowed:
            problems.setdefault(name, Problem("choice"))
    if v["landlord"] and v["landlord"] not in {str(i) for i, _ in choices.landlords}:
        problems.setdefault("landlord", Problem("choice"))
    if v["bank_account"] and choices.account(v["landlord"], v["bank_account"]) is None:
        problems.setdefault("bank_account", Problem("choice"))  # another landlord's
    if v["premises"] and _premises(v, choices) is None:
        problems.setdefault("premises", Problem("choice"))
    if choices.users is not None:
        known = {u.id for u in choices.users}
        for name in ("manager", "supervisor", "accountant"):
            if v[name] and v[name] not in known:
                problems.setdefault(name, Problem("choice"))


def _check_tenant(v: Mapping[str, str], problems: dict[str, Problem]) -> None:
    try:
        if v["tenant_inn"]:
            check_inn(v["tenant_inn"], "tenant_inn")
    except InvalidRequisites as err:
        problems.setdefault("tenant_inn", Problem(err.code, err.expected))
    try:
        if v["tenant_kpp"]:
            check_kpp(v["tenant_kpp"], "tenant_kpp")
            if len(v["tenant_inn"]) == 12:
                raise InvalidRequisites("tenant_kpp", "no КПП", "no_kpp")
    except InvalidRequisites as err:
        problems.setdefault("tenant_kpp", Problem(err.code, err.expected))
    emails = [e for e in v["tenant_emails"].split(", ") if e]
    if any(email_problem(e) for e in emails):
        problems.setdefault("tenant_emails", Problem("email"))


def _premises(v: Mapping[str, str], choices: FormChoices) -> PremisesCard | None:
    return next((p for p in choices.premises if str(p.id) == v["premises"]), None)


def _register_price(v: Mapping[str, str], choices: FormChoices) -> Decimal | None:
    """The rent the register gives when the form leaves it empty: its price per m² a month
    (rent quoted per m²), or that price times the premises' area (rent quoted a month)."""
    card = _premises(v, choices)
    if card is None or card.price_per_m2 is None:
        return None
    if v["rent_basis"] == RentBasis.PER_M2_MONTH:
        return card.price_per_m2
    if v["rent_basis"] == RentBasis.PER_MONTH:
        price = card.price_per_m2 * card.area_m2
        return price if price > MONEY.largest else price.quantize(Decimal("0.01"))
    return None


def _area(v: Mapping[str, str], choices: FormChoices) -> Decimal:
    card = _premises(v, choices)
    if card is not None:
        return card.area_m2
    return _decimal(v["area"]) or Decimal(0)


def build_lease(form: LeaseForm, choices: FormChoices, landlord: LandlordEntity) -> Lease:
    """The lease a checked form describes (``check_lease_form`` found no problem)."""
    v = form.values
    card = _premises(v, choices)
    premises: tuple[Premises, ...] = ()
    if card is not None:
        premises = (Premises(code=card.number, area_m2=card.area_m2, kind=card.kind,
                             name=card.name, floor=card.floor, building=card.building,
                             id=card.id),)  # fmt: skip
    elif v["premises_code"] or v["area"]:
        premises = (Premises(code=v["premises_code"], area_m2=_area(v, choices)),)
    rate = _decimal(v["rent"]) if v["rent"] else _register_price(v, choices)
    deposit = _decimal(v["deposit"]) if v["deposit"] else None
    users = {u.id: u for u in choices.users or ()}
    return Lease(
        number=v["number"], signed_on=date.fromisoformat(v["signed_on"]),
        landlord=landlord,
        tenant=Tenant(
            name=v["tenant_name"], kind=TenantKind(v["tenant_kind"]), inn=v["tenant_inn"],
            kpp=v["tenant_kpp"], address=v["tenant_address"],
            emails=tuple(e for e in v["tenant_emails"].split(", ") if e),
        ),
        premises=premises, start=date.fromisoformat(v["start"]),
        end=date.fromisoformat(v["end"]),
        rent=Rent(rate or Decimal(0), RentBasis(v["rent_basis"])),
        vat=VatMode(None if v["vat"] == "none" else Decimal(v["vat"]),
                    included="vat_included" in form.flags),
        billing=BillingFrequency(PeriodUnit(v["billing_unit"]), int(v["billing_every"])),
        issue_rule=IssueRule(IssueAnchor(v["issue_anchor"]), int(v["issue_days"])),
        due_rule=DueRule(DueAnchor(v["due_anchor"]), int(v["due_days"])),
        auto_send="auto_send" in form.flags,
        deposit=None if deposit is None else Money(deposit),
        manager=_person(users, v["manager"]), supervisor=_person(users, v["supervisor"]),
        accountant=_person(users, v["accountant"]),  # none: the landlord's accountant
    )  # fmt: skip


def _person(users: Mapping[str, CrmUser], user_id: str) -> Person | None:
    user = users.get(user_id)
    if user is None:
        return None
    return Person(name=user.name, email=user.email, crm_user_id=user.id)
