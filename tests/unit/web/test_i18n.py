"""Amounts, dates and statuses in the viewer's language, and catalogues compiled at start."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask, render_template_string

from backend.web import i18n

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = Flask(__name__)
    i18n.init_app(app, tmp_path)
    return app


def _render(app: Flask, lang: str, source: str, **context: object) -> str:
    with app.test_request_context(f"/?LANG={lang}"):
        return render_template_string(source, **context).replace(NNBSP, " ").replace(NBSP, " ")


def test_money_is_written_as_each_locale_writes_roubles(app: Flask) -> None:
    amount = Decimal("120000")

    assert _render(app, "ru", "{{ a|money }}", a=amount) == "120 000,00 ₽"
    assert _render(app, "en", "{{ a|money }}", a=amount) == "120,000.00 RUB"
    assert _render(app, "ru", "{{ a|money }}", a="1234.5") == "1 234,50 ₽"  # the panel's text


def test_dates_are_written_in_words_in_the_viewers_language(app: Flask) -> None:
    day = date(2026, 12, 5)

    assert _render(app, "ru", "{{ d|date }}", d=day) == "5 декабря 2026 г."
    assert _render(app, "en", "{{ d|date }}", d=day) == "December 5, 2026"
    assert _render(app, "ru", "{{ d|date('medium') }}", d="2026-03-01") == "1 мар. 2026 г."


def test_statuses_and_texts_come_from_the_catalogues(app: Flask) -> None:
    source = (
        "{{ lease_status['on_signing'] }} / {{ invoice_status['partially_paid'] }}"
        " / {{ _('Landlords') }}"
    )

    assert _render(app, "ru", source) == "На подписании / Оплачен частично / Арендодатели"
    assert _render(app, "en", source) == "On signing / Partially paid / Landlords"


def test_an_unknown_language_falls_back_to_english(app: Flask) -> None:
    assert _render(app, "de", "{{ _('Landlords') }}") == "Landlords"


def test_the_catalogues_are_compiled_into_the_var_directory(tmp_path: Path) -> None:
    target = i18n.compile_catalogues(tmp_path / "locale")

    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*.mo")) == [
        "en/LC_MESSAGES/messages.mo", "ru/LC_MESSAGES/messages.mo", "uk/LC_MESSAGES/messages.mo",
    ]  # fmt: skip


def test_every_text_of_the_pages_has_a_russian_translation() -> None:
    from importlib.resources import files

    from babel.messages.pofile import read_po

    po = files("backend.web").joinpath("translations", "ru", "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle)

    assert [m.id for m in catalog if m.id and not m.string] == []
    extracted = _extracted_texts()
    assert extracted, "no text extracted: babel.cfg no longer matches the sources"
    # a plural's id is (singular, plural)
    singulars = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog}
    assert sorted(extracted - singulars) == []  # `make messages` adds them


def test_every_text_a_tenant_sees_has_a_ukrainian_translation() -> None:
    """The cabinet speaks Ukrainian too; the landlord's workspace only Russian and English."""
    from importlib.resources import files

    from babel.messages.pofile import read_po

    po = files("backend.web").joinpath("translations", "uk", "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle)

    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    cabinet = _extracted_texts(
        [
            ("backend/web/cabinet/**.py", "python"),
            ("backend/web/templates/cabinet/**.html", "jinja2"),
        ]
    )
    assert cabinet, "no text extracted from the cabinet"
    assert sorted(cabinet - translated) == []


def _extracted_texts(method_map: list[tuple[str, str]] | None = None) -> set[str]:
    """What `make messages` would extract from the sources, per babel.cfg."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    root = Path(__file__).resolve().parents[3]
    method_map = method_map or [
        ("backend/web/**.py", "python"),
        ("widget/bitrix24/templates/**.html", "jinja2"),
        ("backend/web/templates/cabinet/**.html", "jinja2"),
        ("backend/web/templates/workspace/**.html", "jinja2"),
    ]
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    found = extract_from_dir(str(root), method_map, keywords=keywords)
    return {message if isinstance(message, str) else message[0] for *_, message, _, _ in found}
