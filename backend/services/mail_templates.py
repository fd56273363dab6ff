"""The emails a landlord words themselves: the tenant's documents, the reminder of a due date
and the overdue chain's step (``portal.settings["mail_templates"][<kind>]``: ``subject`` and
``body`` with ``{placeholders}``), set on the workspace's settings page with a preview, and
filled by ``billing_mail.tenant_message`` and ``notifications``.

A template is typed by a person, not trusted: only its kind's names are filled, with no
format specs, conversions, attribute or index lookups (``str.Formatter``'s parser, never its
``format``), so there is no expression language to sandbox. Values are written as the mail
writes them (``ru_text``): ``120 000,00 ₽``, ``15.01.2026``; the preview's sample goes
through the same functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from string import Formatter
from typing import Any

from backend.catalogues import gettext_for
from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.money import Money
from backend.locale_text import amount_in, date_in, period_in
from backend.services.ru_text import day, rub

MAIL_TEMPLATES = "mail_templates"


@dataclass(frozen=True)
class MailKind:
    """One email a landlord can word: where it is stored (``key``), the settings form's
    fields (``<prefix>_subject``, ``<prefix>_body``), its placeholders, its default wording
    and the values of a sample lease for the preview."""

    key: str
    prefix: str
    placeholders: tuple[str, ...]
    subject: str
    body: str
    sample: Callable[[], dict[str, str]]

    def template(self, settings: Mapping[str, Any]) -> tuple[str, str]:
        """The subject and body templates: the portal's, else the default."""
        own = (settings.get(MAIL_TEMPLATES) or {}).get(self.key) or {}
        return str(own.get("subject") or self.subject), str(own.get("body") or self.body)

    def is_own(self, settings: Mapping[str, Any]) -> bool:
        """Whether the portal words this email itself (a template left at the default is
        not saved)."""
        return self.template(settings) != (self.subject, self.body)

    def fill(self, settings: Mapping[str, Any], values: Mapping[str, str]) -> tuple[str, str]:
        """The email's subject and body: the portal's template filled with ``values``."""
        subject, body = self.template(settings)
        return fill_template(subject, values), fill_template(body, values)


def document_line(document: IssuedDocument, lang: str = "ru") -> str:
    """How the tenant's email names one document, in ``lang``: its amount, dates and period
    as that language writes them."""
    _ = gettext_for(lang)
    values = {
        "number": document.number, "date": date_in(lang, document.issued_on),
        "period": period_in(lang, document.period.start, document.period.end),
        "amount": amount_in(lang, document.total),
    }  # fmt: skip
    if document.kind is DocumentKind.INVOICE:
        line = _("Invoice No. %(number)s of %(date)s for %(period)s, amount %(amount)s", **values)
    else:
        line = _("Act No. %(number)s of %(date)s for %(period)s, amount %(amount)s", **values)
    due = _(", due %(date)s", date=date_in(lang, document.due_on)) if document.due_on else ""
    return line + due


_LEASE = {"lease_number": "А-15/2026", "lease_date": day(date(2026, 1, 15)),
          "tenant": "ООО «Василёк»", "landlord": "ООО «Ромашка»"}  # fmt: skip
_INVOICE = {"invoice_number": "СЧ-2026-7", "invoice_date": day(date(2026, 2, 1)),
            "due_date": day(date(2026, 2, 10)), "amount": rub(Decimal("120000.00"))}  # fmt: skip


def _documents_sample() -> dict[str, str]:
    total = Money(Decimal("120000.00"))
    invoice = IssuedDocument(
        lease_id=0, kind=DocumentKind.INVOICE, number="СЧ-2026-7", issued_on=date(2026, 2, 1),
        period=BillingPeriod(date(2026, 2, 1), date(2026, 2, 28)), lines=(), net=total,
        vat=Money.zero(), total=total, due_on=date(2026, 2, 10),
    )  # fmt: skip
    link = "  Счёт.pdf: https://rentflow.example/d/…"
    return {**_LEASE, "documents": f"{document_line(invoice)}\n{link}",
            "document_list": "счёт № СЧ-2026-7"}  # fmt: skip


def _due_sample() -> dict[str, str]:
    return {
        **_LEASE, **_INVOICE, "when": "через 3 дн.",
        "requisites": "ИНН 7707083893, р/с 40702810938000000001 в ПАО СБЕРБАНК, БИК 044525225",
        "penalty": "После срока начисляются пени 0,1% в день.\n",
    }  # fmt: skip


def _overdue_sample() -> dict[str, str]:
    return {
        **_LEASE, **_INVOICE, "step": "1", "steps": "3", "days_late": "5",
        "debt": rub(Decimal("240000.00")),
        "penalty": f"Пени на {day(date(2026, 2, 15))}: {rub(Decimal('600.00'))}"
        " (0,1% в день, начисляются до дня оплаты).",
        "next_step": f"Что дальше: без оплаты {day(date(2026, 2, 20))} сообщение уйдёт"
        " руководителю.",
        "crm_task": "В CRM поставлена задача ответственному менеджеру.\n",
    }  # fmt: skip


LEASE_NAMES = ("lease_number", "lease_date", "tenant", "landlord")
INVOICE_NAMES = ("invoice_number", "invoice_date", "due_date", "amount")
TENANT_DOCUMENTS = MailKind(
    "tenant_documents", "mail", (*LEASE_NAMES, "documents", "document_list"),
    "Документы по договору № {lease_number}: {document_list}",
    "Добрый день!\n\nПо договору аренды № {lease_number} от {lease_date} направляем"
    " документы:\n\n{documents}\n\nС уважением,\n{landlord}\n",
    _documents_sample,
)  # fmt: skip
PAYMENT_DUE = MailKind(
    "payment_due", "due_mail", (*LEASE_NAMES, *INVOICE_NAMES, "when", "requisites", "penalty"),
    "Срок оплаты счёта № {invoice_number} — {when}, {due_date}",
    "Добрый день!\n\nНапоминаем: счёт № {invoice_number} от {invoice_date} (договор аренды"
    " № {lease_number} от {lease_date}) к оплате {amount}, срок оплаты {due_date} — {when}.\n"
    "Получатель: {landlord}, {requisites}.\n"
    "Если счёт уже оплачен, не обращайте внимания на это письмо.\n{penalty}",
    _due_sample,
)  # fmt: skip
OVERDUE = MailKind(
    "overdue", "overdue_mail",
    (*LEASE_NAMES, *INVOICE_NAMES, "step", "steps", "days_late", "debt", "penalty",
     "next_step", "crm_task"),
    "Просрочка {days_late} дн., шаг {step} из {steps}: счёт № {invoice_number}"
    " по договору № {lease_number} ({tenant})",
    "Шаг {step} из {steps} цепочки по просрочке.\n"
    "Счёт № {invoice_number} от {invoice_date} (договор аренды № {lease_number} от"
    " {lease_date}, {tenant}) не оплачен: срок был {due_date}, просрочка {days_late} дн.,"
    " к оплате по счёту {amount}.\n"
    "Задолженность по договору всего: {debt}.\n{penalty}\n{next_step}\n{crm_task}",
    _overdue_sample,
)  # fmt: skip
MAIL_KINDS = (TENANT_DOCUMENTS, PAYMENT_DUE, OVERDUE)


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """``template`` with its ``{placeholders}`` filled (only the known names, no format
    specs or attribute lookups: a template is typed by a person, not trusted)."""
    out = []
    for text, name, _, _ in Formatter().parse(template):
        out.append(text)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def template_problem(template: str, names: tuple[str, ...] = TENANT_DOCUMENTS.placeholders) -> str:
    """``""``, or why the template cannot be used: ``braces`` or ``placeholder`` (a name
    not among ``names``, or with a format spec, a conversion or a lookup)."""
    try:
        parsed = list(Formatter().parse(template))
    except ValueError:
        return "braces"
    for _, name, spec, conversion in parsed:
        if name is not None and (name not in names or spec or conversion):
            return "placeholder"
    return ""
