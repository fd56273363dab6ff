"""A lease as JSON (``docs/lease.schema.json``) in, its schedule as JSON out.

This is how ``rentflow schedule`` reads a lease and how an accountant checks a lease before
trusting it. Every error names the field (``rent.amount``, ``premises[0].area_m2``) and why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine, ScheduleItem
from backend.domain.contacts import check_lease_contacts
from backend.domain.errors import InvalidLease, InvalidRequisites
from backend.domain.lease import (
    Addendum,
    BillingFrequency,
    DueAnchor,
    DueRule,
    Indexation,
    IssueAnchor,
    IssueRule,
    Lease,
    LeaseStatus,
    PaymentTiming,
    PenaltyInvoicing,
    PeriodUnit,
    Rent,
    RentBasis,
    VatMode,
)
from backend.domain.money import DEFAULT_CURRENCY, Money
from backend.domain.parties import (
    BankRequisites,
    LandlordEntity,
    Person,
    Premises,
    PremisesKind,
    Tenant,
    TenantKind,
)
from backend.domain.quantities import (
    AREA,
    DAILY_RATE,
    MONEY,
    PERCENT,
    Bound,
    QuantityProblem,
    checked,
    monthly_rent_problem,
)
from backend.domain.requisites import check_lease_parties
from backend.domain.status import effective_status

Issued = list[tuple[DocumentKind, BillingPeriod]]


@cache
def lease_schema() -> dict[str, Any]:
    """The JSON Schema of a lease, shipped with the package."""
    text = resources.files("backend.schemas").joinpath("lease.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def loads(text: str) -> Any:
    """Parse JSON with numbers as exact ``Decimal`` (never float)."""
    return json.loads(text, parse_float=Decimal)


def parse_lease(data: object, *, due_default: DueRule | None = None) -> tuple[Lease, Issued]:
    """Validate ``data`` against the schema and build the domain lease and issued periods.

    Raises ``InvalidLease(field, reason)`` for the first problem found: schema errors first
    (missing field, unknown period unit, ...), then the domain's own rules (end before start,
    negative rent, ...), then the parties' requisites (``landlord.inn``, ``tenant.kpp``:
    ИНН, КПП, ОГРН, БИК and account control digits). Without ``due``, the payment term is
    ``due_default`` (the portal's setting), else 5 days after the invoice.
    """
    validator = Draft202012Validator(lease_schema(), format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), e.path))
    if errors:
        raise _schema_error(errors[0])
    if not isinstance(data, Mapping):  # the schema has said so already; this tells mypy
        raise InvalidLease("lease", "must be a JSON object")
    lease = check_lease_contacts(_lease(data, due_default or DueRule()))  # CR/LF: header injection
    for where, rent in [("rent", lease.rent)] + [
        (f"addenda[{i}].rent", a.rent) for i, a in enumerate(lease.addenda) if a.rent
    ]:
        if err := monthly_rent_problem(rent, lease.total_area):
            raise InvalidLease(f"{where}.amount", err.reason, err.code, err.expected)
    try:
        check_lease_parties(lease)
    except InvalidRequisites as err:
        raise InvalidLease(err.field, err.reason) from err
    issued = [
        (DocumentKind(d["kind"]), _period(d, f"issued[{i}]"))
        for i, d in enumerate(data.get("issued", ()))
    ]
    return lease, issued


def parse_landlord(data: object) -> LandlordEntity:
    """A landlord entity in the lease JSON's ``landlord`` shape, checked by the same schema
    (``InvalidLease`` naming ``landlord.<field>``)."""
    schema = lease_schema()
    own = {**schema["properties"]["landlord"], "$defs": schema.get("$defs", {})}
    validator = Draft202012Validator(own, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), e.path))
    if errors:
        error = _schema_error(errors[0])
        field = "" if error.field == "lease" else error.field  # "lease": the object itself
        raise InvalidLease(f"landlord.{field}".rstrip("."), error.reason)
    if not isinstance(data, Mapping):
        raise InvalidLease("landlord", "must be a JSON object")
    return landlord_from_json(data)


def _schema_error(error: ValidationError) -> InvalidLease:
    field = _field(error.absolute_path)
    if error.validator == "required":
        missing = str(error.message).split("'")[1]
        return InvalidLease(f"{field}.{missing}" if field else missing, "is required")
    if error.validator == "enum":
        allowed = ", ".join("null" if v is None else str(v) for v in error.validator_value)
        return InvalidLease(field, f"{error.instance!r} is not one of: {allowed}")
    if error.validator == "additionalProperties":
        return InvalidLease(field or "lease", str(error.message))
    if error.validator == "format":
        return InvalidLease(field, f"{error.instance!r} is not a valid date")
    return InvalidLease(field or "lease", str(error.message))


def _field(path: Sequence[object]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _decimal(value: object, field: str, bound: Bound = MONEY) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidLease(field, f"{value!r} is not a number", "number") from None
    try:
        return checked(number, bound)
    except QuantityProblem as err:
        raise InvalidLease(field, err.reason, err.code, err.expected) from None


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidLease(field, f"{value!r} is not a valid date") from None


def _period(data: Mapping[str, Any], field: str) -> BillingPeriod:
    start, end = _date(data["start"], f"{field}.start"), _date(data["end"], f"{field}.end")
    if end < start:
        raise InvalidLease(f"{field}.end", f"{end} is before start {start}")
    return BillingPeriod(start, end)


def _rent(data: Mapping[str, Any], field: str) -> Rent:
    return Rent(
        _decimal(data["amount"], f"{field}.amount"),
        RentBasis(data.get("basis", RentBasis.PER_MONTH)),
        data.get("currency", DEFAULT_CURRENCY),
    )


def _premises(items: Sequence[Mapping[str, Any]], field: str) -> tuple[Premises, ...]:
    return tuple(
        Premises(
            code=p["code"],
            area_m2=_decimal(p.get("area_m2", 0), f"{field}[{i}].area_m2", AREA),
            kind=PremisesKind(p.get("kind", PremisesKind.OFFICE)),
            name=p.get("name", ""),
            floor=p.get("floor", ""),
            building=p.get("building", ""),
        )
        for i, p in enumerate(items)
    )


def _person(data: Mapping[str, Any] | None) -> Person | None:
    if data is None:
        return None
    return Person(
        name=data["name"],
        email=data.get("email", ""),
        crm_user_id=data.get("crm_user_id", ""),
        position=data.get("position", ""),
    )


def landlord_from_json(data: Mapping[str, Any]) -> LandlordEntity:
    """The ``landlord`` object of a lease JSON as the domain entity (not yet validated)."""
    bank = data["bank"]
    return LandlordEntity(
        name=data["name"],
        inn=data["inn"],
        kpp=data.get("kpp", ""),
        ogrn=data.get("ogrn", ""),
        address=data.get("address", ""),
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        vat_payer=data.get("vat_payer", True),
        director=_person(data.get("director")) or Person(name=""),
        accountant=_person(data.get("accountant")) or Person(name=""),
        bank=BankRequisites(
            bank["name"], bank["bic"], bank["account"], bank.get("corr_account", "")
        ),
    )


def _tenant(data: Mapping[str, Any]) -> Tenant:
    return Tenant(
        name=data["name"],
        kind=TenantKind(data.get("kind", TenantKind.LEGAL_ENTITY)),
        inn=data.get("inn", ""),
        kpp=data.get("kpp", ""),
        address=data.get("address", ""),
        emails=tuple(data.get("emails", ())),
        phone=data.get("phone", ""),
    )


def _addendum(data: Mapping[str, Any], i: int) -> Addendum:
    field = f"addenda[{i}]"
    return Addendum(
        number=data["number"],
        effective_from=_date(data["effective_from"], f"{field}.effective_from"),
        signed_on=_date(data["signed_on"], f"{field}.signed_on") if "signed_on" in data else None,
        rent=_rent(data["rent"], f"{field}.rent") if "rent" in data else None,
        premises=_premises(data["premises"], f"{field}.premises") if "premises" in data else None,
        end=_date(data["end"], f"{field}.end") if "end" in data else None,
        reminder_days=data.get("reminder_days", 0),
    )


def _vat(data: Mapping[str, Any]) -> VatMode:
    rate = data.get("rate")
    return VatMode(None if rate is None else Decimal(str(rate)), data.get("included", True))


def _lease(data: Mapping[str, Any], due_default: DueRule) -> Lease:
    rent = _rent(data["rent"], "rent")
    billing, issue, due = data.get("billing", {}), data.get("issue", {}), data.get("due", {})
    indexation = data.get("indexation")
    deposit = data.get("deposit")
    penalty = data.get("penalty_rate_per_day")
    return Lease(
        number=data["number"],
        signed_on=_date(data["date"], "date"),
        landlord=landlord_from_json(data["landlord"]),
        tenant=_tenant(data["tenant"]),
        premises=_premises(data.get("premises", ()), "premises"),
        start=_date(data["start"], "start"),
        end=_date(data["end"], "end"),
        rent=rent,
        vat=_vat(data.get("vat", {})),
        billing=BillingFrequency(PeriodUnit(billing.get("unit", "month")), billing.get("every", 1)),
        issue_rule=IssueRule(
            IssueAnchor(issue.get("anchor", "before_start")), issue.get("days", 0)
        ),
        due_rule=DueRule(
            DueAnchor(due.get("anchor", due_default.anchor.value)),
            due.get("days", due_default.days),
        ),
        timing=PaymentTiming(data.get("timing", "prepay")),
        auto_send=data.get("auto_send", False),
        act_on_payment=data.get("act_on_payment", False),
        reminder_days=data.get("reminder_days", 30),
        deposit=None if deposit is None else Money(_decimal(deposit, "deposit"), rent.currency),
        indexation=None
        if indexation is None
        else Indexation(
            _decimal(indexation["percent"], "indexation.percent", PERCENT),
            _date(indexation["from"], "indexation.from"),
        ),
        penalty_rate_per_day=None
        if penalty is None
        else _decimal(penalty, "penalty_rate_per_day", DAILY_RATE),
        penalty_invoicing=PenaltyInvoicing(data.get("penalty_invoicing", "on_demand")),
        due_reminder_days=(
            tuple(data["due_reminder_days"]) if "due_reminder_days" in data else None
        ),
        manager=_person(data.get("manager")),
        supervisor=_person(data.get("supervisor")),
        accountant=_person(data.get("accountant")),  # None: the landlord's accountant
        status=LeaseStatus(data.get("status", "signed")),
        original_received=data.get("original_received", False),
        addenda=[_addendum(a, i) for i, a in enumerate(data.get("addenda", ()))],
    )


def _money(amount: Money) -> str:
    return f"{amount.amount:.2f}"


def _line_json(line: DocumentLine) -> dict[str, Any]:
    return {
        "description": line.description,
        "period_start": line.period.start.isoformat(),
        "period_end": line.period.end.isoformat(),
        "quantity": line.quantity,
        "unit": line.unit,
        "price": _money(line.price),
        "amount": _money(line.amount),
        "vat": _money(line.vat),
    }


def _item_json(item: ScheduleItem) -> dict[str, Any]:
    return {
        "kind": str(item.kind),
        "period_start": item.period.start.isoformat(),
        "period_end": item.period.end.isoformat(),
        "days": item.period.days,
        "issue_on": item.issue_on.isoformat(),
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "net": _money(item.net),
        "vat": _money(item.vat),
        "total": _money(item.total),
        "lines": [_line_json(line) for line in item.lines],
    }


def schedule_json(lease: Lease, items: Sequence[ScheduleItem], today: date) -> dict[str, Any]:
    """The schedule as JSON: amounts as strings with two decimals, dates ISO."""
    totals = {
        str(kind): _money(
            sum((i.total for i in items if i.kind is kind), Money.zero(lease.currency))
        )
        for kind in DocumentKind
    }
    return {
        "lease": lease.number,
        "currency": lease.currency,
        "start": lease.start.isoformat(),
        "end": lease.effective_end().isoformat(),
        "status": str(effective_status(lease, today)),
        "registration_required": lease.registration_required,
        "vat": lease.vat.label,
        "totals": totals,
        "items": [_item_json(item) for item in items],
    }
