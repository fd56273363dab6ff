"""A refused statement's problems, as the reader words them, said in the viewer's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from backend.web.i18n import init_app
from backend.web.workspace.payments_issues import issue_text

DOC = "Платёжное поручение"


@pytest.mark.parametrize(
    ("message", "russian"),
    [
        ("no КонецФайла: the file is cut short", "нет КонецФайла: файл обрезан"),
        (f"{DOC}: the file ends inside the document", f"{DOC}: файл обрывается внутри документа"),
        (f"{DOC}: no КонецДокумента", f"{DOC}: нет КонецДокумента"),
        (f"broken document (from line 7): {DOC}: Дата is missing",
         f"документ со строки 7 испорчен: {DOC}: нет поля Дата"),
        (f"broken document (from line 7): {DOC} № 11: amount must be positive",
         f"документ со строки 7 испорчен: {DOC} № 11: сумма должна быть больше нуля"),
        (f"{DOC} № 11: ПлательщикИНН is over 12 characters",
         f"{DOC} № 11: ПлательщикИНН длиннее 12 символов"),
        (f"{DOC} № 11: Сумма 'сто' is not an amount in roubles and kopecks (digits, …)",
         f"{DOC} № 11: Сумма 'сто' — не сумма в рублях и копейках"),
        (f"{DOC} № 11: ПолучательСчет '123' is not a 20-digit account",
         f"{DOC} № 11: ПолучательСчет '123' — не 20-значный счёт"),
        (f"{DOC} № 11: not a calendar date: '31.02.2026'",
         f"{DOC} № 11: '31.02.2026' — не дата дд.мм.гггг"),
        ("unexpected line 'xyz'", "лишняя строка: 'xyz'"),
        ("invoice № БП-7 named in the purpose belongs to another tenant (INN 7728168971),"
         " the payer's INN is 500100732259",
         "счёт № БП-7 из назначения платежа — другого арендатора (ИНН 7728168971);"
         " ИНН плательщика 500100732259"),
        ("something new", "something new"),  # unknown: as the reader wrote it
    ],
)  # fmt: skip
def test_each_problem_of_a_statement_is_said_in_russian(
    tmp_path: Path, message: str, russian: str
) -> None:
    app = Flask(__name__)
    init_app(app, tmp_path)
    with app.test_request_context("/?LANG=ru"):
        assert issue_text(message) == russian
