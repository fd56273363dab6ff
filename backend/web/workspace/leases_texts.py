"""What the leases section says to people: the problems of the lease form and the card's
actions (by code), the choices of its selects, and the history's actions, in the viewer's
language (gettext; Russian in ``translations/ru``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString

from backend.services.landlords import Problem
from backend.web.i18n import local_date
from backend.web.workspace.landlords import MESSAGES as REQUISITES
from backend.web.workspace.quantities import quantity_text

_ = lazy_gettext

MESSAGES: Mapping[str, LazyString] = {
    **REQUISITES,
    "date": _("Not a date: pick one in the calendar."),
    "before_start": _("Must not be before the start."),
    "after_start": _("Must be after the lease starts."),
    "number": _("Not a number: digits, with a comma or a point for kopecks."),
    "negative": _("Must not be negative."),
    "whole": _("A whole number from %(expected)s."),
    "choice": _("Choose one of the list."),
    "area_needed": _("A rent per m² needs the premises' area."),
    "no_kpp": _("A sole trader or a person has no KPP."),
    "nothing_changes": _("Give a new rent or a new end date."),
    "before_lease_start": _("Must not be before the lease starts (%(expected)s)."),
    "before_effective": _("Must not be before the addendum takes effect (%(expected)s)."),
    "positive": _("Must be above zero."),
    "taken": _("These days are invoiced already (%(expected)s)."),
    "outside_term": _("The period is outside the lease term."),
    "illegal_move": _("Not possible for a lease in this status."),
    "not_an_act": _("This is not an act that can be signed."),
    "not_an_invoice": _("This is not an invoice."),
    "not_this_lease": _("This document belongs to another lease."),
    "deal_has_lease": _("This deal already has a lease."),
    "no_landlord": _("Add a landlord first (Landlords tab)."),
}

RENT_BASIS: Mapping[str, LazyString] = {
    "per_month": _("per month"),
    "per_m2_month": _("per m² a month"),
    "per_m2_year": _("per m² a year"),
}
PERIOD_UNIT: Mapping[str, LazyString] = {
    "day": _("days"),
    "week": _("weeks"),
    "month": _("months"),
    "quarter": _("quarters"),
    "year": _("years"),
}
PERIOD_ONCE: Mapping[str, LazyString] = {
    "day": _("daily"),
    "week": _("weekly"),
    "month": _("monthly"),
    "quarter": _("quarterly"),
    "year": _("yearly"),
}
ISSUE_ANCHOR: Mapping[str, LazyString] = {
    "before_start": _("days before the period starts"),
    "after_end": _("days after the period ends"),
}
DUE_ANCHOR: Mapping[str, LazyString] = {
    "after_issue": _("days after the invoice date"),
    "day_of_period": _("th day of the period"),
}
TENANT_KIND: Mapping[str, LazyString] = {
    "legal_entity": _("Company"),
    "sole_trader": _("Sole trader"),
    "person": _("Private person"),
}
DOCUMENT_KIND: Mapping[str, LazyString] = {"invoice": _("Invoice"), "act": _("Act")}
SCHEDULE_STATE: Mapping[str, LazyString] = {
    "planned": _("Planned"),
    "issued": _("Issued"),
    "cancelled": _("Cancelled"),
}
HISTORY: Mapping[str, LazyString] = {
    "lease.registered": _("Lease registered"),
    "lease.created_from_deal": _("Lease created from the deal"),
    "lease.addendum": _("Addendum"),
    "lease.indexation": _("Indexation set"),
    "lease.settings": _("Lease settings changed"),
    "lease.status": _("Status changed"),
    "lease.original_received": _("Signed original received"),
    "document.issued": _("Document issued"),
    "document.issue_failed": _("Document could not be issued"),
    "invoice.cancelled": _("Invoice cancelled"),
    "invoice.paid": _("Invoice paid"),
    "invoice.partially_paid": _("Invoice partly paid"),
    "act.signed": _("Act signed"),
    "documents.resent": _("Documents sent again"),
    "penalty.invoiced": _("Penalty invoiced"),
}
ATTENTION: Mapping[str, LazyString] = {
    "lease_not_active": _("Lease not signed yet"),
    "lease_without_original": _("Signed original missing"),
    "lease_needs_registration": _("Lease needs registration"),
    "lease_overdue_debt": _("Overdue debt"),
    "invoice_unpaid": _("Invoice unpaid"),
    "invoice_cancelled_with_payments": _("Cancelled invoice with payments"),
    "invoice_not_issued": _("Invoice not issued"),
    "act_on_signing": _("Act on signing"),
    "act_not_issued": _("Act not issued"),
    "money_not_allocated": _("Payment not allocated"),
}


_DATES = frozenset({"before_lease_start", "before_effective"})


def problem_text(problem: Problem) -> str:
    """A problem in the viewer's language (a date or a bound as the locale writes it)."""
    bound = quantity_text(problem.code, problem.expected)
    if bound is not None:
        return bound
    text = MESSAGES.get(problem.code, MESSAGES["invalid"])
    expected = local_date(problem.expected) if problem.code in _DATES else problem.expected
    return str(text) % {"expected": expected}


def problem_texts(problems: Mapping[str, Problem]) -> dict[str, str]:
    return {name: problem_text(p) for name, p in problems.items()}


TEMPLATE_TEXTS: dict[str, Any] = {
    "rent_basis_text": RENT_BASIS, "period_unit_text": PERIOD_UNIT, "period_once_text": PERIOD_ONCE,
    "issue_anchor_text": ISSUE_ANCHOR, "due_anchor_text": DUE_ANCHOR,
    "tenant_kind_text": TENANT_KIND, "kind_text": DOCUMENT_KIND,
    "state_text": SCHEDULE_STATE, "history_text": HISTORY, "attention_text": ATTENTION,
}  # fmt: skip
