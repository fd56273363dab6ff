"""Wording of the documents in Russian and English: labels, month names, number format.

The Russian labels follow the de-facto 1C layout of «Счет на оплату» (no official form) and
«Акт» (requisites of 402-ФЗ art. 9 p. 2); a landlord changes wording by overriding a
template block.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backend.domain.billing import BillingPeriod

LANGUAGES = ("ru", "en")

_MONTHS_NOMINATIVE = {
    "ru": (
        "январь", "февраль", "март", "апрель", "май", "июнь",
        "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
_MONTHS_GENITIVE_RU = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip

CURRENCY_SHORT = {
    "ru": {"RUB": "руб.", "UAH": "грн.", "EUR": "EUR", "USD": "USD"},
    "en": {"RUB": "RUB", "UAH": "UAH", "EUR": "EUR", "USD": "USD"},
}

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "invoice_title": "Счет на оплату",
        "act_title": "Акт",
        "number": "№",
        "from": "от",
        "bank": "Банк получателя",
        "bic": "БИК",
        "account_no": "Сч. №",
        "inn": "ИНН",
        "kpp": "КПП",
        "payee": "Получатель",
        "supplier": "Поставщик (Исполнитель)",
        "buyer": "Покупатель (Заказчик)",
        "executor": "Исполнитель",
        "customer": "Заказчик",
        "basis": "Основание",
        "lease": "Договор аренды",
        "col_no": "№",
        "col_item": "Товары (работы, услуги)",
        "col_service": "Наименование работ, услуг",
        "col_qty": "Кол-во",
        "col_unit": "Ед.",
        "col_price": "Цена",
        "col_sum": "Сумма",
        "total": "Итого",
        "vat_included": "В том числе НДС",
        "vat_on_top": "Сумма НДС",
        "no_vat": "Без налога (НДС)",
        "to_pay": "Всего к оплате",
        "items_count": "Всего наименований {count}, на сумму {total}",
        "services_count": "Всего оказано услуг {count}, на сумму {total}",
        "pay_by": "Оплатить не позднее",
        "pay_note": "Оплата данного счета означает согласие с условиями поставки услуг.",
        "act_statement": (
            "Вышеперечисленные услуги выполнены полностью и в срок. "
            "Заказчик претензий по объему, качеству и срокам оказания услуг не имеет."
        ),
        "director": "Руководитель",
        "accountant": "Бухгалтер",
        "qr_caption": "Оплата по QR-коду",
        "year_suffix": "г.",
        "rent_of": "Аренда помещения {code} за {period}",
    },
    "en": {
        "invoice_title": "Invoice",
        "act_title": "Certificate of services rendered",
        "number": "No.",
        "from": "of",
        "bank": "Payee's bank",
        "bic": "BIC",
        "account_no": "Account No.",
        "inn": "Tax ID (INN)",
        "kpp": "KPP",
        "payee": "Payee",
        "supplier": "Supplier",
        "buyer": "Customer",
        "executor": "Supplier",
        "customer": "Customer",
        "basis": "Basis",
        "lease": "Lease",
        "col_no": "#",
        "col_item": "Item",
        "col_service": "Service",
        "col_qty": "Qty",
        "col_unit": "Unit",
        "col_price": "Price",
        "col_sum": "Amount",
        "total": "Total",
        "vat_included": "Including VAT",
        "vat_on_top": "VAT",
        "no_vat": "VAT exempt",
        "to_pay": "Amount due",
        "items_count": "{count} item(s), total {total}",
        "services_count": "{count} service(s) rendered, total {total}",
        "pay_by": "Pay by",
        "pay_note": "Payment of this invoice means acceptance of its terms.",
        "act_statement": (
            "The services above were rendered in full and on time; "
            "the customer has no claims as to their scope, quality or timing."
        ),
        "director": "Director",
        "accountant": "Accountant",
        "qr_caption": "Pay by QR code",
        "year_suffix": "",
        "rent_of": "Rent of premises {code} for {period}",
    },
}


def format_amount(value: Decimal, lang: str) -> str:
    """12345.07 → "12 345,07" (ru, no-break spaces as 1C) or "12,345.07" (en)."""
    text = f"{value:,.2f}"
    if lang == "ru":
        return text.replace(",", "\u00a0").replace(".", ",")
    return text


def format_quantity(value: Decimal | int, lang: str) -> str:
    """Quantities print without trailing zeros: 1, 0,5."""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",") if lang == "ru" else text


def long_date(day: date, lang: str) -> str:
    """«1» февраля 2026 г. (ru) or 1 February 2026 (en)."""
    if lang == "ru":
        return f"«{day.day}» {_MONTHS_GENITIVE_RU[day.month - 1]} {day.year} г."
    return f"{day.day} {_MONTHS_NOMINATIVE['en'][day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    """dd.mm.yyyy, as in "Оплатить не позднее 05.02.2026"."""
    return f"{day:%d.%m.%Y}"


def period_text(period: BillingPeriod, lang: str) -> str:
    """ "февраль 2026" for a whole calendar month, else "20.02.2026–29.02.2026"."""
    whole_month = (
        period.start.day == 1
        and period.start.month == period.end.month
        and period.start.year == period.end.year
        and period.next_day().day == 1
    )
    if whole_month:
        return f"{_MONTHS_NOMINATIVE[lang][period.start.month - 1]} {period.start.year}"
    return f"{short_date(period.start)}–{short_date(period.end)}"


def rent_line_text(premises_code: str, period: BillingPeriod, lang: str) -> str:
    """The name of a rent line: "Аренда помещения 101 за февраль 2026"."""
    return LABELS[lang]["rent_of"].format(code=premises_code, period=period_text(period, lang))
