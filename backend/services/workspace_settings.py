"""The workspace's settings page: billing mode, the overdue chain and its delays, the tenant's
due-date reminders, the 1C connection (its password write-only) and the wording of the
tenant's documents email, the due-date reminder and the overdue step, each with a preview.
One form, saved whole or not at all; each problem is named per
field (``settings.<field>`` -> code) for the page to say next to it.

Where each setting is read: ``billing_mode`` by ``crm_push``; ``overdue_chain`` and
``reminders.before_due`` by ``notifications``; ``onec`` by ``portal_settings`` and the 1C
adapters; ``mail_templates.tenant_documents`` by ``billing_mail.tenant_message``,
``mail_templates.payment_due`` and ``mail_templates.overdue`` by ``notifications``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from backend.domain.quantities import QuantityProblem, read_whole
from backend.domain.reminders import Audience
from backend.ports import Clock
from backend.services.mail_templates import (
    MAIL_KINDS,
    MAIL_TEMPLATES,
    MailKind,
    fill_template,
    template_problem,
)
from backend.services.notifications import chain_from_settings, due_leads_from_settings
from backend.services.portal_settings import (
    ONEC_FLAGS,
    ONEC_TEXT,
    InvalidSettings,
    onec_problems,
    onec_settings,
    save_onec_settings,
)
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.mapping import BillingMode

CHAIN_ROWS = 5  # steps the form offers (empty rows are dropped)
AUDIENCES = (Audience.MANAGER, Audience.SUPERVISOR, Audience.ACCOUNTANT)
ONEC_CODES = {"odata_url": "url", "accountant_email": "email"}


@dataclass
class SettingsForm:
    """The page's fields as text (kept as typed on an error) and the problems per field."""

    values: dict[str, str]
    password_set: bool = False
    problems: dict[str, str] = field(default_factory=dict)


class SettingsInvalid(Exception):
    def __init__(self, form: SettingsForm) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in form.problems.items()))
        self.form = form


def settings_form(settings: Mapping[str, Any]) -> SettingsForm:
    """The stored settings as the form shows them (never the 1C password)."""
    values: dict[str, str] = {
        "billing_mode": str(settings.get("billing_mode", BillingMode.LEASE_DEAL.value)),
        "before_due": ", ".join(str(n) for n in due_leads_from_settings(settings)),
    }
    for i, step in enumerate(chain_from_settings(settings)[:CHAIN_ROWS]):
        values |= {f"chain_days_{i}": str(step.days_after_due), f"chain_to_{i}": step.audience,
                   f"chain_task_{i}": "1" if step.crm_task else ""}  # fmt: skip
    onec = onec_settings(settings)
    values |= {f"onec_{key}": str(onec[key]) for key in ONEC_TEXT}
    values |= {f"onec_{key}": "1" if onec[key] else "" for key in ONEC_FLAGS}
    values["onec_poll_days"] = str(onec["poll_days"])
    for kind in MAIL_KINDS:
        subject, body = kind.template(settings)
        values |= {f"{kind.prefix}_subject": subject, f"{kind.prefix}_body": body}
    return SettingsForm(values, password_set=bool(onec["password_set"]))


def read_settings_form(data: Mapping[str, str]) -> SettingsForm:
    """The posted form; the password is read separately (``save_settings``), never kept."""
    names = ["billing_mode", "before_due", "onec_poll_days"]
    names += [f"{kind.prefix}_{part}" for kind in MAIL_KINDS for part in ("subject", "body")]
    names += [f"onec_{key}" for key in (*ONEC_TEXT, *ONEC_FLAGS)]
    names += [f"chain_{part}_{i}" for i in range(CHAIN_ROWS) for part in ("days", "to", "task")]
    return SettingsForm({name: str(data.get(name, "")).strip() for name in names})


def preview(form: SettingsForm, kind: MailKind = MAIL_KINDS[0]) -> tuple[str, str]:
    """The ``kind`` of email as the sample lease would get it from the form's template;
    ``SettingsInvalid`` naming the template's fields when it cannot be used."""
    form.problems.clear()
    _check_template(form.values, form.problems, kind)
    if form.problems:
        raise SettingsInvalid(form)
    sample = kind.sample()
    return (
        fill_template(form.values[f"{kind.prefix}_subject"], sample),
        fill_template(form.values[f"{kind.prefix}_body"], sample),
    )


def _check_template(values: Mapping[str, str], problems: dict[str, str], kind: MailKind) -> None:
    for name in (f"{kind.prefix}_subject", f"{kind.prefix}_body"):
        if not values.get(name):
            problems[name] = "missing"
        elif problem := template_problem(values[name], kind.placeholders):
            problems[name] = problem


def check_settings_form(form: SettingsForm, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Name every problem of ``form``; return the settings it sets (besides 1C)."""
    values, problems = form.values, form.problems
    problems.clear()
    modes = {m.value for m in BillingMode}
    if values.get("billing_mode") not in modes:
        problems["billing_mode"] = "choice"
    elif values["billing_mode"] == BillingMode.DEAL_PER_PERIOD and not settings.get(
        "billing_pipeline"
    ):
        problems["billing_mode"] = "no_billing_pipeline"
    leads = _numbers(values.get("before_due", ""), 0, 60)
    if leads is None:
        problems["before_due"] = "days_list"
    chain = _chain(values, problems)
    for kind in MAIL_KINDS:
        _check_template(values, problems, kind)
    if _whole(values.get("onec_poll_days", ""), 1, 366) is None:
        problems["onec_poll_days"] = "days_1_366"
    typed = {key: values.get(f"onec_{key}", "") for key in ONEC_TEXT}
    for key in onec_problems(typed):
        problems[f"onec_{key}"] = ONEC_CODES.get(key, "invalid")
    templates = dict(settings.get(MAIL_TEMPLATES) or {})
    for kind in MAIL_KINDS:  # the default wording is not stored: it may improve later
        own = {"subject": values.get(f"{kind.prefix}_subject", ""),
               "body": values.get(f"{kind.prefix}_body", "")}  # fmt: skip
        if (own["subject"], own["body"]) == (kind.subject, kind.body):
            templates.pop(kind.key, None)
        else:
            templates[kind.key] = own
    return {
        "billing_mode": values.get("billing_mode"),
        "overdue_chain": chain,
        "reminders": {**(settings.get("reminders") or {}), "before_due": leads or []},
        MAIL_TEMPLATES: templates,
    }


def _whole(text: str, low: int, high: int) -> int | None:
    try:
        return read_whole(text, low, high)
    except QuantityProblem:
        return None


def _numbers(text: str, low: int, high: int) -> list[int] | None:
    parts = [_whole(p, low, high) for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts or None in parts:
        return None
    return sorted({p for p in parts if p is not None}, reverse=True)


def _chain(values: Mapping[str, str], problems: dict[str, str]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    for i in range(CHAIN_ROWS):
        days, to = values.get(f"chain_days_{i}", ""), values.get(f"chain_to_{i}", "")
        if not days and not to:
            continue
        delay = _whole(days, 1, 365)
        if delay is None:
            problems[f"chain_days_{i}"] = "days_1_365"
        if to not in AUDIENCES:
            problems[f"chain_to_{i}"] = "choice"
        steps.append({"days": delay or 0, "to": to,
                      "task": values.get(f"chain_task_{i}") == "1"})  # fmt: skip
    if not steps:
        problems["chain_days_0"] = "missing"
    delays = [int(s["days"]) for s in steps]
    if delays != sorted(delays) and not problems:
        problems["chain_days_0"] = "order"
    return steps


def save_settings(
    uow: UnitOfWork, clock: Clock, portal_id: int, form: SettingsForm, password: str = ""
) -> SettingsForm:
    """Save the whole form, or nothing (``SettingsInvalid`` with every problem; the caller
    then does not commit). An empty ``password`` keeps the stored one. Returns the form as
    stored now."""
    portal = uow.portals.get(portal_id)
    changes = check_settings_form(form, portal.settings)
    if form.problems:
        raise SettingsInvalid(form)
    uow.portals.save(replace(portal, settings={**portal.settings, **changes}))
    onec: dict[str, Any] = {key: form.values[f"onec_{key}"] for key in ONEC_TEXT}
    onec |= {key: form.values[f"onec_{key}"] == "1" for key in ONEC_FLAGS}
    onec |= {"poll_days": int(form.values["onec_poll_days"]), "password": password}
    try:
        save_onec_settings(uow, clock, portal_id, onec)
    except InvalidSettings as err:
        form.problems[f"onec_{err.field}"] = ONEC_CODES.get(err.field, "invalid")
        raise SettingsInvalid(form) from None
    uow.audit.record(
        clock.now(), "portal.settings_changed", "portal", portal_id, {"keys": sorted(changes)}
    )
    return settings_form(uow.portals.get(portal_id).settings)
