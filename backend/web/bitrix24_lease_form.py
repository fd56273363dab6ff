"""The deal tab's "create a lease from this deal" form: parse it into a domain ``Lease``.

A short form on purpose (number, dates, monthly rent, VAT, one premises, the tenant); the
full lease card with schedules and addenda is edited in the app, not in the deal tab.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from backend.domain.errors import InvalidLease
from backend.domain.lease import DueAnchor, DueRule, Lease, Rent, RentBasis, VatMode
from backend.domain.parties import LandlordEntity, Person, Premises, Tenant, TenantKind

VAT_CHOICES = ("none", "22", "20", "10", "7", "5", "0")


def _date(form: Mapping[str, str], name: str) -> date:
    try:
        return date.fromisoformat(form.get(name, ""))
    except ValueError:
        raise InvalidLease(name, "is not a date (YYYY-MM-DD)") from None


def _decimal(form: Mapping[str, str], name: str, default: str = "") -> Decimal:
    try:
        return Decimal(form.get(name, "") or default)
    except InvalidOperation:
        raise InvalidLease(name, "is not a number") from None


def _due_rule(form: Mapping[str, str], default: DueRule) -> DueRule:
    try:
        anchor = DueAnchor(form.get("due_anchor") or default.anchor.value)
    except ValueError:
        raise InvalidLease("due_anchor", "is not after_issue or day_of_period") from None
    days = form.get("due_days", "").strip()
    if not days:
        return DueRule(anchor, default.days)
    if not days.isdigit():
        raise InvalidLease("due_days", "is not a whole number of days")
    return DueRule(anchor, int(days))


def lease_from_form(
    form: Mapping[str, str],
    landlord: LandlordEntity,
    manager: Person | None,
    due_default: DueRule | None = None,
) -> Lease:
    """The lease the form describes; raises ``InvalidLease`` naming the first bad field.
    The payment term is the form's, else ``due_default`` (the portal's setting)."""
    vat = form.get("vat", "none")
    if vat not in VAT_CHOICES:
        raise InvalidLease("vat", "unknown VAT rate")
    tenant_name = form.get("tenant_name", "").strip()
    if not tenant_name:
        raise InvalidLease("tenant_name", "must not be empty")
    premises: tuple[Premises, ...] = ()
    if form.get("premises_code", "").strip():
        premises = (
            Premises(code=form["premises_code"].strip(), area_m2=_decimal(form, "area", "0")),
        )
    email = form.get("tenant_email", "").strip()
    return Lease(
        number=form.get("number", "").strip(),
        signed_on=_date(form, "signed_on"),
        landlord=landlord,
        tenant=Tenant(
            name=tenant_name,
            kind=TenantKind(form.get("tenant_kind", TenantKind.LEGAL_ENTITY.value)),
            inn=form.get("tenant_inn", "").strip(),
            kpp=form.get("tenant_kpp", "").strip(),
            emails=(email,) if email else (),
        ),
        premises=premises,
        start=_date(form, "start"),
        end=_date(form, "end"),
        rent=Rent(_decimal(form, "rent"), RentBasis.PER_MONTH),
        vat=VatMode(
            None if vat == "none" else Decimal(vat), included=form.get("vat_included") == "1"
        ),
        due_rule=_due_rule(form, due_default or DueRule()),
        manager=manager,
    )
