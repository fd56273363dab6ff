"""The 1CClientBankExchange reader on real-shaped files in cp1251, cp866 and UTF-8."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from backend.domain.money import Money
from backend.onec.bank_statement import (
    BankStatementReader,
    NotAStatement,
    StatementTooLarge,
    detect_encoding,
)
from sandbox.onec.bank_files import StatementDocument, render_statement

OUR_ACCOUNT = "40702810938000000001"

# Shaped on Xini1/client-bank-exchange src/test/resources/1CClientBankExchange.txt, with a
# bank order (банковский ордер) as kilylabs one_day_utf8.txt has, and split purposes.
SAMPLE = """1CClientBankExchange
ВерсияФормата=1.03
Кодировка={encoding}
Отправитель=Бухгалтерия предприятия, редакция 3.0
Получатель=
ДатаСоздания=10.02.2026
ВремяСоздания=10:15:00
ДатаНачала=09.02.2026
ДатаКонца=09.02.2026
РасчСчет=40702810938000000001
Документ=Платежное поручение
СекцияРасчСчет
ДатаНачала=09.02.2026
ДатаКонца=09.02.2026
РасчСчет=40702810938000000001
НачальныйОстаток=1000.00
ВсегоПоступило=112354.00
ВсегоСписано=0.00
КонечныйОстаток=113354.00
КонецРасчСчет
СекцияДокумент=Платежное поручение
Номер=105
Дата=09.02.2026
Сумма=12354.00
ПлательщикСчет=40702810300180001774
ДатаПоступило=09.02.2026
Плательщик=ИНН 7719617469 ОАО Крокус
ПлательщикИНН=7719617469
Плательщик1=ОАО Крокус
ПлательщикБИК=044525311
ПолучательСчет=40702810938000000001
ПолучательИНН=7707083893
Получатель1=ООО "Ромашка"
ВидОплаты=01
Очередность=5
НазначениеПлатежа=Оплата по счету № 123 от 01.02.2026. Сумма 12354-00 без налога (НДС)
КонецДокумента
СекцияДокумент=Банковский ордер
Номер=7
Дата=09.02.2026
Сумма=100000.00
ПлательщикСчет=40802810500000004321
ДатаПоступило=09.02.2026
ПлательщикИНН=500100732259
Плательщик1=ИП Смирнов А. П.
ПолучательСчет=40702810938000000001
ПолучательИНН=7707083893
ВидОплаты=17
НазначениеПлатежа=
НазначениеПлатежа1=Оплата аренды по сч. БП-000124
НазначениеПлатежа2=за февраль 2026
КонецДокумента
КонецФайла
"""


def _read(data: bytes, **kwargs: int) -> tuple[list, BankStatementReader]:  # type: ignore[type-arg]
    reader = BankStatementReader(io.BytesIO(data), **kwargs)
    return list(reader.payments()), reader


@pytest.mark.parametrize(
    ("encoding", "codec", "newline"),
    [("Windows", "cp1251", "\r\n"), ("DOS", "cp866", "\r\n"), ("Windows", "cp1251", "\n")],
)
def test_a_statement_in_its_declared_codec_gives_every_document(
    encoding: str, codec: str, newline: str
) -> None:
    data = SAMPLE.format(encoding=encoding).replace("\n", newline).encode(codec)
    payments, reader = _read(data)
    assert reader.report.encoding == codec
    assert reader.report.warnings == []
    assert reader.report.errors == []
    assert reader.report.document_kinds == {"Платежное поручение": 1, "Банковский ордер": 1}
    first, second = payments
    assert first.number == "105"
    assert first.amount == Money(Decimal("12354.00"))
    assert first.paid_on == date(2026, 2, 9)
    assert first.payer_inn == "7719617469"
    assert first.payer_name == "ОАО Крокус"
    assert first.payee_account == OUR_ACCOUNT
    assert first.purpose.startswith("Оплата по счету № 123 от 01.02.2026")
    assert second.purpose == "Оплата аренды по сч. БП-000124 за февраль 2026"
    assert second.payer_name == "ИП Смирнов А. П."


def test_the_account_section_gives_the_balances() -> None:
    _, reader = _read(SAMPLE.format(encoding="Windows").encode("cp1251"))
    (balance,) = reader.report.balances
    assert balance.account == OUR_ACCOUNT
    assert balance.opening == Decimal("1000.00")
    assert balance.closing == Decimal("113354.00")
    assert reader.report.accounts == [OUR_ACCOUNT]
    assert reader.report.complete


def test_bytes_win_over_a_wrong_codec_in_the_header() -> None:
    data = SAMPLE.format(encoding="Windows").encode("cp866")
    payments, reader = _read(data)
    assert reader.report.encoding == "cp866"
    assert payments[0].payer_name == "ОАО Крокус"
    assert "cp866" in str(reader.report.warnings[0])


def test_a_utf8_statement_is_read_as_utf8() -> None:
    payments, reader = _read(SAMPLE.format(encoding="UTF-8").encode("utf-8"))
    assert reader.report.encoding == "utf-8"
    assert payments[0].payer_name == "ОАО Крокус"


def test_without_a_codec_key_cp1251_and_cp866_are_told_apart_by_the_bytes() -> None:
    text = SAMPLE.format(encoding="Windows").replace("Кодировка=Windows\n", "")
    assert detect_encoding(text.encode("cp1251"))[0] == "cp1251"
    assert detect_encoding(text.encode("cp866"))[0] == "cp866"


def test_a_broken_document_is_an_error_naming_its_line_and_the_rest_still_comes() -> None:
    text = SAMPLE.format(encoding="Windows").replace("Сумма=12354.00", "Сумма=двенадцать")
    payments, reader = _read(text.encode("cp1251"))
    assert [p.number for p in payments] == ["7"]
    (error,) = reader.report.errors
    assert error.line == 21  # the СекцияДокумент line of the broken document
    assert "двенадцать" in error.message


def test_a_document_without_its_number_is_broken() -> None:
    text = SAMPLE.format(encoding="Windows").replace("Номер=7\n", "")
    payments, reader = _read(text.encode("cp1251"))
    assert [p.number for p in payments] == ["105"]
    assert "Номер is missing" in reader.report.errors[0].message


def test_a_document_cut_by_the_next_section_is_an_error() -> None:
    text = SAMPLE.format(encoding="Windows").replace(
        "НазначениеПлатежа=Оплата по счету № 123 от 01.02.2026. Сумма 12354-00 без налога (НДС)\n"
        "КонецДокумента\n",
        "",
    )
    payments, reader = _read(text.encode("cp1251"))
    assert [p.number for p in payments] == ["7"]
    assert reader.report.errors[0].line == 21
    assert "no КонецДокумента" in reader.report.errors[0].message


def test_an_unknown_key_is_a_warning() -> None:
    text = SAMPLE.format(encoding="Windows").replace(
        "Очередность=5", "Очередность=5\nЛюбимыйЦвет=синий"
    )
    payments, reader = _read(text.encode("cp1251"))
    assert len(payments) == 2
    assert any("ЛюбимыйЦвет" in w.message for w in reader.report.warnings)
    assert reader.report.errors == []


def test_a_file_without_its_end_of_file_is_an_error_on_its_last_line() -> None:
    text = SAMPLE.format(encoding="Windows").replace("КонецФайла\n", "")
    _, reader = _read(text.encode("cp1251"))
    (error,) = reader.report.errors
    assert (error.line, "КонецФайла" in error.message) == (52, True)  # the last КонецДокумента
    assert not reader.report.complete


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        ("85O00.OO", "85O00.OO"),  # letters O for zeros
        ("1E+50", "1E+50"),  # an exponent
        ("0.001", "0.001"),  # a tenth of a kopeck
        ("-100.00", "-100.00"),
        ("1000000000000.00", "over 999999999999.99"),
    ],
)
def test_an_amount_that_is_not_roubles_and_kopecks_breaks_its_document(
    amount: str, says: str
) -> None:
    text = SAMPLE.format(encoding="Windows").replace("Сумма=12354.00", f"Сумма={amount}")
    payments, reader = _read(text.encode("cp1251"))
    assert [p.number for p in payments] == ["7"]
    (error,) = reader.report.errors
    assert error.line == 21
    assert says in error.message


def test_an_amount_with_a_comma_or_without_kopecks_is_read() -> None:
    text = SAMPLE.format(encoding="Windows").replace("Сумма=12354.00", "Сумма=12354,5")
    text = text.replace("Сумма=100000.00", "Сумма=100000")
    payments, _ = _read(text.encode("cp1251"))
    assert [p.amount.amount for p in payments] == [Decimal("12354.50"), Decimal("100000.00")]


def test_an_account_that_is_not_20_digits_breaks_its_document() -> None:
    text = SAMPLE.format(encoding="Windows").replace(
        "ПолучательСчет=40702810938000000001\nПолучательИНН=7707083893\nВидОплаты=17",
        "ПолучательСчет=4070281093800000000I\nПолучательИНН=7707083893\nВидОплаты=17",
    )
    payments, reader = _read(text.encode("cp1251"))
    assert [p.number for p in payments] == ["105"]
    assert "ПолучательСчет '4070281093800000000I'" in reader.report.errors[0].message


def test_a_file_that_is_not_a_statement_is_refused() -> None:
    with pytest.raises(NotAStatement):
        _read("Номер=1\nСумма=1.00\n".encode("cp1251"))


def test_a_file_over_the_limit_is_refused_with_a_clear_error() -> None:
    data = SAMPLE.format(encoding="Windows").encode("cp1251")
    with pytest.raises(StatementTooLarge, match="over the limit of 1000 bytes"):
        _read(data, max_bytes=1000)


def test_a_huge_line_is_refused() -> None:
    data = b"1CClientBankExchange\r\n" + b"x" * 70_000
    with pytest.raises(StatementTooLarge, match="line 2"):
        _read(data)


def test_generated_files_read_back_as_written() -> None:
    docs = [
        StatementDocument(
            number=str(n),
            on=date(2026, 2, n),
            amount=Decimal("1500.50") * n,
            payer='ООО "Василёк"',
            payer_inn="7728168971",
            payer_account="40702810400000012345",
            payee='ООО "Ромашка"',
            payee_inn="7707083893",
            payee_account=OUR_ACCOUNT,
            purpose=f"Оплата по счету № {n} от 01.02.2026 за аренду помещения 101 за февраль",
            split_purpose=n % 2 == 0,
            kind="Банковский ордер" if n == 3 else "Платежное поручение",
        )
        for n in range(1, 5)
    ]
    data = render_statement(
        docs, account=OUR_ACCOUNT, start=date(2026, 2, 1), end=date(2026, 2, 28), encoding="DOS"
    )
    payments, reader = _read(data)
    assert reader.report.encoding == "cp866"
    assert reader.report.warnings == []
    assert [p.amount.amount for p in payments] == [Decimal("1500.50") * n for n in range(1, 5)]
    assert [p.purpose for p in payments] == [d.purpose for d in docs]


def test_requisites_too_long_to_be_real_make_the_document_broken() -> None:
    text = SAMPLE.format(encoding="Windows").replace(
        "ПлательщикИНН=7719617469", "ПлательщикИНН=77196174697719617469"
    )
    payments, reader = _read(text.encode("cp1251"))
    assert [p.number for p in payments] == ["7"]
    assert "ПлательщикИНН is over 12" in reader.report.errors[0].message
