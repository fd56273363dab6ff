"""The reconciliation statement (акт сверки) as PDF, drawn by ReportLab with the shipped font
and the grid of the invoices and acts (``documents.reportlab_drawing``), in Russian,
Ukrainian or English.

It prints ``backend.services.cabinet_statement.Statement`` as built and checked there: the
opening balance, one row per invoice (debit) and payment (credit), the turnover and the
closing balance, and the two parties' signature lines.
"""

from __future__ import annotations

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import BaseDocTemplate, Paragraph, Spacer, Table, TableStyle

from backend.domain.reconciliation import Statement
from documents.pdf_fonts import register_fonts
from documents.reportlab_drawing import (
    _BODY,
    _BOLD,
    _GRID,
    _HEADING,
    PRODUCER,
    WIDTH,
    _page,
)

LABELS = {
    "ru": {
        "title": "Акт сверки взаимных расчётов", "period": "за период с {start} по {end}",
        "lease": "по договору аренды № {number} от {date}", "landlord": "Арендодатель",
        "tenant": "Арендатор", "inn": "ИНН", "date": "Дата", "document": "Документ",
        "debit": "Начислено (дебет)", "credit": "Оплачено (кредит)",
        "opening": "Сальдо на начало периода", "turnover": "Обороты за период",
        "closing": "Сальдо на конец периода", "invoice": "Счёт № {n}",
        "penalty": "Счёт на пени № {n}", "payment": "Оплата, п/п № {n}",
        "owes": "Задолженность арендатора: {amount} {cur}",
        "ahead": "Переплата арендатора: {amount} {cur}", "even": "Задолженности нет",
        "sign": "Подпись",
    },
    "uk": {
        "title": "Акт звірки взаємних розрахунків", "period": "за період з {start} по {end}",
        "lease": "за договором оренди № {number} від {date}", "landlord": "Орендодавець",
        "tenant": "Орендар", "inn": "ІПН", "date": "Дата", "document": "Документ",
        "debit": "Нараховано (дебет)", "credit": "Сплачено (кредит)",
        "opening": "Сальдо на початок періоду", "turnover": "Обороти за період",
        "closing": "Сальдо на кінець періоду", "invoice": "Рахунок № {n}",
        "penalty": "Рахунок на пеню № {n}", "payment": "Оплата, п/д № {n}",
        "owes": "Заборгованість орендаря: {amount} {cur}",
        "ahead": "Переплата орендаря: {amount} {cur}", "even": "Заборгованості немає",
        "sign": "Підпис",
    },
    "en": {
        "title": "Reconciliation statement", "period": "for {start} to {end}",
        "lease": "under lease No. {number} of {date}", "landlord": "Landlord",
        "tenant": "Tenant", "inn": "Tax ID", "date": "Date", "document": "Document",
        "debit": "Charged (debit)", "credit": "Paid (credit)",
        "opening": "Opening balance", "turnover": "Turnover for the period",
        "closing": "Closing balance", "invoice": "Invoice No. {n}",
        "penalty": "Penalty invoice No. {n}", "payment": "Payment No. {n}",
        "owes": "Tenant owes: {amount} {cur}", "ahead": "Tenant paid ahead: {amount} {cur}",
        "even": "Nothing owed", "sign": "Signature",
    },
}  # fmt: skip


def _amount(value: Decimal, lang: str) -> str:
    text = f"{value:,.2f}"
    return text if lang == "en" else text.replace(",", "\u00a0").replace(".", ",")


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def draw_reconciliation(statement: Statement, lang: str = "ru") -> bytes:
    """The statement as a PDF of A4 pages."""
    register_fonts()
    words = LABELS.get(lang, LABELS["ru"])
    day = "{:%d.%m.%Y}".format

    def money(value: Decimal) -> str:
        return _amount(value, lang)

    rows: list[list[object]] = [
        [_p(words["date"], _BOLD), _p(words["document"], _BOLD),
         _p(words["debit"], _BOLD), _p(words["credit"], _BOLD)],
        ["", _p(words["opening"], _BOLD), money(max(statement.opening, Decimal(0))),
         money(max(-statement.opening, Decimal(0)))],
    ]  # fmt: skip
    for line in statement.lines:
        rows.append([
            day(line.on), _p(words[line.kind].format(n=line.number)),
            money(line.debit) if line.debit else "", money(line.credit) if line.credit else "",
        ])  # fmt: skip
    rows.append(["", _p(words["turnover"], _BOLD), money(statement.debit), money(statement.credit)])
    rows.append([
        "", _p(words["closing"], _BOLD), money(max(statement.closing, Decimal(0))),
        money(max(-statement.closing, Decimal(0))),
    ])  # fmt: skip
    table = Table(rows, colWidths=[22 * 2.8346, WIDTH - 22 * 2.8346 - 2 * 95, 95, 95], repeatRows=1)
    table.setStyle(TableStyle([*_GRID, ("ALIGN", (2, 1), (3, -1), "RIGHT"),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))  # fmt: skip
    closing = statement.closing
    verdict = (
        words["owes"] if closing > 0 else words["ahead"] if closing < 0 else words["even"]
    ).format(amount=money(abs(closing)), cur=statement.currency)
    story = [
        _p(words["title"], _HEADING),
        Spacer(1, 6),
        _p(words["period"].format(start=day(statement.start), end=day(statement.end))),
        _p(
            words["lease"].format(
                number=statement.lease_number, date=day(statement.lease_signed_on)
            )
        ),
        Spacer(1, 6),
        _p(f"{words['landlord']}: {statement.landlord}, {words['inn']} {statement.landlord_inn}"),
        _p(f"{words['tenant']}: {statement.tenant}, {words['inn']} {statement.tenant_inn}"),
        Spacer(1, 8),
        table,
        Spacer(1, 8),
        _p(verdict, _BOLD),
        Spacer(1, 28),
        Table(
            [
                [
                    _p(f"{words['landlord']}: ____________ / {words['sign']}"),
                    _p(f"{words['tenant']}: ____________ / {words['sign']}"),
                ]
            ],
            colWidths=[WIDTH / 2, WIDTH / 2],
        ),
    ]
    out = io.BytesIO()
    document = BaseDocTemplate(
        out, pagesize=A4, pageTemplates=[_page()], title=words["title"], creator=PRODUCER,
        producer=PRODUCER, lang=lang, invariant=True,
    )  # fmt: skip
    document.build(story)
    return out.getvalue()
