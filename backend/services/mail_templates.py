"""The tenant email's template (``portal.settings["mail_templates"]["tenant_documents"]``:
``subject`` and ``body`` with ``{placeholders}``), set on the workspace's settings page and
filled by ``billing_mail.tenant_message``. A template is typed by a person: only the known
names are filled, with no format specs, conversions or attribute lookups."""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Any

MAIL_TEMPLATES = "mail_templates"
TENANT_MAIL = "tenant_documents"
PLACEHOLDERS = ("lease_number", "lease_date", "tenant", "landlord", "documents", "document_list")
DEFAULT_SUBJECT = "Документы по договору № {lease_number}: {document_list}"
DEFAULT_BODY = (
    "Добрый день!\n\nПо договору аренды № {lease_number} от {lease_date} направляем"
    " документы:\n\n{documents}\n\nС уважением,\n{landlord}\n"
)
SAMPLE = {
    "lease_number": "А-15/2026",
    "lease_date": "15.01.2026",
    "tenant": "ООО «Василёк»",
    "landlord": "ООО «Ромашка»",
    "documents": "Счёт на оплату № СЧ-2026-7 от 01.02.2026 за 01.02.2026–28.02.2026 на сумму"
    " 120000.00 RUB, оплатить до 10.02.2026\n  Счёт.pdf: https://rentflow.example/d/…",
    "document_list": "счёт № СЧ-2026-7",
}


def tenant_template(settings: Mapping[str, Any]) -> tuple[str, str]:
    """The tenant email's subject and body templates (the portal's, else the default)."""
    own = (settings.get(MAIL_TEMPLATES) or {}).get(TENANT_MAIL) or {}
    return str(own.get("subject") or DEFAULT_SUBJECT), str(own.get("body") or DEFAULT_BODY)


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """``template`` with its ``{placeholders}`` filled (only the known names, no format
    specs or attribute lookups: a template is typed by a person, not trusted)."""
    out = []
    for text, name, _, _ in Formatter().parse(template):
        out.append(text)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def template_problem(template: str) -> str:
    """``""``, or why the template cannot be used: ``braces`` or ``placeholder``."""
    try:
        parsed = list(Formatter().parse(template))
    except ValueError:
        return "braces"
    for _, name, spec, conversion in parsed:
        if name is not None and (name not in PLACEHOLDERS or spec or conversion):
            return "placeholder"
    return ""
