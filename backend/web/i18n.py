"""Texts, amounts and dates in the viewer's language (Russian or English) for the pages shown
inside the CRMs.

Texts go through gettext (Flask-Babel); the catalogues are the ``.po`` files under
``backend/web/translations``, with English ``msgid``s. They are compiled to ``.mo`` when the
app starts (``babel.messages.mofile``, a few milliseconds) into ``<var_dir>/locale``: no
binary file in git that can drift from its ``.po``, no build step before ``make serve`` or
the tests, and an installed package (read-only) works the same. Amounts and dates are
formatted by Babel's CLDR data for the locale: ``120 000,00 ₽`` and ``5 декабря 2026 г.`` in
Russian, ``120,000.00 RUB`` and ``December 5, 2026`` in English.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache
from importlib.resources import as_file, files
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Flask, request
from flask_babel import Babel, get_locale, lazy_gettext
from flask_babel.speaklater import LazyString

from backend.catalogues import TENANT_LANGUAGES, compiled_mo
from backend.domain.documents import ActStatus, InvoiceStatus
from backend.domain.lease import LeaseStatus
from backend.locale_text import money_text

LANGUAGES = ("ru", "en", "uk")
CABINET_LANGUAGES = TENANT_LANGUAGES  # the tenant cabinet's switcher, in this order
LANG_COOKIE = "rentflow_lang"
DOMAIN = "messages"
_ = lazy_gettext

LEASE_STATUS: Mapping[str, LazyString] = {
    LeaseStatus.DRAFT: _("Draft"),
    LeaseStatus.BOOKED: _("Booked"),
    LeaseStatus.ON_SIGNING: _("On signing"),
    LeaseStatus.SIGNED: _("Signed"),
    LeaseStatus.REGISTERED: _("Registered"),
    LeaseStatus.ACTIVE: _("Active"),
    LeaseStatus.EXPIRED: _("Expired"),
    LeaseStatus.TERMINATED: _("Terminated"),
    LeaseStatus.CANCELLED: _("Cancelled"),
}
INVOICE_STATUS: Mapping[str, LazyString] = {
    InvoiceStatus.ISSUED: _("Issued"),
    InvoiceStatus.SENT: _("Sent"),
    InvoiceStatus.PARTIALLY_PAID: _("Partially paid"),
    InvoiceStatus.PAID: _("Paid"),
    InvoiceStatus.CANCELLED: _("Cancelled"),
}
ACT_STATUS: Mapping[str, LazyString] = {
    ActStatus.ISSUED: _("Issued (act)"),
    ActStatus.ON_SIGNING: _("Awaiting signature"),
    ActStatus.SIGNED: _("Signed (act)"),
    ActStatus.CANCELLED: _("Cancelled (act)"),
}


def select_lang() -> str:
    """The viewer's language: Bitrix24 puts ``LANG`` in the frame URL's query; the pages'
    own forms carry it as ``lang``. Anything else falls back to Russian, the CRMs' home.
    The tenant cabinet (``/cabinet``) takes its switcher's cookie, else Accept-Language."""
    if request.blueprint == "cabinet":
        return cabinet_lang()
    lang = (request.args.get("LANG") or request.form.get("lang") or "ru").lower()
    return lang if lang in LANGUAGES else "en"


def cabinet_lang() -> str:
    """The cabinet's language: ``?lang=``, the switcher's cookie, the browser's preference."""
    for chosen in (request.args.get("lang", ""), request.cookies.get(LANG_COOKIE, "")):
        if chosen in CABINET_LANGUAGES:
            return chosen
    return request.accept_languages.best_match(CABINET_LANGUAGES) or "ru"


def compile_catalogues(target: Path) -> Path:
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` into ``target`` (same layout) and
    return ``target``. Each ``.mo`` is written to a temporary file and renamed, so a second
    process starting at the same time never reads half a file."""
    source = files("backend.web").joinpath("translations")
    for lang in LANGUAGES:
        po = source.joinpath(lang, "LC_MESSAGES", f"{DOMAIN}.po")
        with as_file(po) as po_path:
            compiled = compiled_mo(lang, po_path.read_bytes())
        out = target / lang / "LC_MESSAGES"
        out.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(compiled)
        Path(tmp).replace(out / f"{DOMAIN}.mo")
    return target


def init_app(app: Flask, var_dir: Path) -> None:
    """Compile the catalogues under ``var_dir`` and install Flask-Babel and the filters."""
    directory = compile_catalogues(Path(var_dir) / "locale")
    Babel(
        app,
        locale_selector=select_lang,
        default_locale="ru",
        default_translation_directories=str(directory),
    )
    app.add_template_filter(money, "money")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(area, "area")
    app.jinja_env.globals.update(
        lease_status=LEASE_STATUS, invoice_status=INVOICE_STATUS, act_status=ACT_STATUS
    )


def money(amount: object, currency: str = "RUB") -> str:
    """``Decimal('120000')`` as ``120 000,00 ₽`` (ru) or ``120,000.00 RUB`` (en); text that is
    not a number is shown as it is."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    if not _formattable(value):
        return str(value)
    with localcontext(_WIDE):
        return money_text(value, currency, str(get_locale() or "ru"))


def area(value: object) -> str:
    """An area (or any quantity) as the locale writes it: ``1 234,5`` (ru), ``1,234.5`` (en);
    text that is not a number is shown as it is."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not _formattable(number):
        return str(number)
    with localcontext(_WIDE):
        return format_decimal(number, format="#,##0.##", locale=str(get_locale() or "ru"))


# Babel rounds in the current Decimal context (28 digits): an amount past it, stored before
# the forms were bounded, would fail to be shown and take its whole page down with it
_WIDE = Context(prec=80)


def _formattable(value: Decimal) -> bool:
    return value.is_finite() and value.adjusted() < 60


def local_date(value: date | str | None, style: str = "long") -> str:
    """A date (or its ISO text) as the locale writes it: ``5 декабря 2026 г.`` (``long``),
    ``5 дек. 2026 г.`` (``medium``); empty for nothing."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return _date_text(value, style, str(get_locale() or "ru"))


@lru_cache(maxsize=8192)
def _date_text(value: date, style: str, locale: str) -> str:
    return format_date(value, format=style, locale=locale)
