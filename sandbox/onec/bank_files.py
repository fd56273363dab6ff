"""A generator of realistic ``1CClientBankExchange`` 1.03 bank statement files (cp1251).

The layout follows the samples 1C and client-banks write [Xini1/client-bank-exchange
src/test/resources/1CClientBankExchange.txt; kilylabs/client-bank-exchange-php
tests/resources/one_day_utf8.txt]: a header, one ``СекцияРасчСчет`` per account, then the
documents, CRLF line ends, ``КонецФайла`` last.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import BinaryIO

CODECS = {"Windows": "cp1251", "DOS": "cp866"}

PAYERS = (
    ('ООО "Василёк"', "7728168971", "40702810400000012345", "ПАО СБЕРБАНК", "044525225"),
    ('ООО "Крокус"', "7719617469", "40702810300180001774", 'АО "АЛЬФА-БАНК"', "044525593"),
    ("ИП Смирнов А. П.", "500100732259", "40802810500000004321", 'АО "ТБанк"', "044525974"),
    ('АО "Ландыш"', "7702070139", "40702810700000007777", "Банк ВТБ (ПАО)", "044525187"),
)


@dataclass(frozen=True)
class StatementDocument:
    """One document of a statement; ``extra`` carries any further key=value pairs."""

    number: str
    on: date
    amount: Decimal
    payer: str
    payer_inn: str
    payer_account: str
    payee: str
    payee_inn: str
    payee_account: str
    purpose: str
    kind: str = "Платежное поручение"
    payer_bank: str = "ПАО СБЕРБАНК"
    payer_bic: str = "044525225"
    payee_bank: str = "ПАО СБЕРБАНК"
    payee_bic: str = "044525225"
    split_purpose: bool = False  # write НазначениеПлатежа1..6 instead of НазначениеПлатежа
    incoming: bool = True
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def lines(self) -> Iterator[str]:
        """The document's lines, ``СекцияДокумент`` to ``КонецДокумента``."""
        day = f"{self.on:%d.%m.%Y}"
        yield f"СекцияДокумент={self.kind}"
        yield f"Номер={self.number}"
        yield f"Дата={day}"
        yield f"Сумма={self.amount:.2f}"
        yield f"ПлательщикСчет={self.payer_account}"
        yield "ДатаПоступило=" + (day if self.incoming else "")
        if not self.incoming:
            yield f"ДатаСписано={day}"
        yield f"Плательщик=ИНН {self.payer_inn} {self.payer}"
        yield f"ПлательщикИНН={self.payer_inn}"
        yield f"Плательщик1={self.payer}"
        yield f"ПлательщикРасчСчет={self.payer_account}"
        yield f"ПлательщикБанк1={self.payer_bank}"
        yield "ПлательщикБанк2=г. Москва"
        yield f"ПлательщикБИК={self.payer_bic}"
        yield "ПлательщикКорсчет=30101810400000000225"
        yield f"ПолучательСчет={self.payee_account}"
        yield f"Получатель=ИНН {self.payee_inn} {self.payee}"
        yield f"ПолучательИНН={self.payee_inn}"
        yield f"Получатель1={self.payee}"
        yield f"ПолучательРасчСчет={self.payee_account}"
        yield f"ПолучательБанк1={self.payee_bank}"
        yield "ПолучательБанк2=г. Москва"
        yield f"ПолучательБИК={self.payee_bic}"
        yield "ПолучательКорсчет=30101810400000000225"
        yield "ВидОплаты=01"
        yield "Очередность=5"
        if self.split_purpose:
            yield "НазначениеПлатежа="
            words, chunk = self.purpose.split(" "), ""
            parts: list[str] = []
            for word in words:
                if len(chunk) + len(word) > 40 and chunk:
                    parts.append(chunk)
                    chunk = ""
                chunk = f"{chunk} {word}".strip()
            parts.append(chunk)
            for i, part in enumerate(parts[:6], start=1):
                yield f"НазначениеПлатежа{i}={part}"
        else:
            yield f"НазначениеПлатежа={self.purpose}"
        for key, value in self.extra:
            yield f"{key}={value}"
        yield "КонецДокумента"


def statement_lines(
    documents: Iterable[StatementDocument],
    *,
    account: str,
    start: date,
    end: date,
    encoding: str = "Windows",
    end_marker: bool = True,
) -> Iterator[str]:
    """Every line of a statement file for ``account`` (without line ends)."""
    yield "1CClientBankExchange"
    yield "ВерсияФормата=1.03"
    yield f"Кодировка={encoding}"
    yield "Отправитель=СберБизнес"
    yield "Получатель=Бухгалтерия предприятия, редакция 3.0"
    yield f"ДатаСоздания={end:%d.%m.%Y}"
    yield "ВремяСоздания=10:15:00"
    yield f"ДатаНачала={start:%d.%m.%Y}"
    yield f"ДатаКонца={end:%d.%m.%Y}"
    yield f"РасчСчет={account}"
    yield "Документ=Платежное поручение"
    yield "Документ=Банковский ордер"
    yield "СекцияРасчСчет"
    yield f"ДатаНачала={start:%d.%m.%Y}"
    yield f"ДатаКонца={end:%d.%m.%Y}"
    yield f"РасчСчет={account}"
    yield "НачальныйОстаток=0.00"
    yield "ВсегоПоступило=0.00"
    yield "ВсегоСписано=0.00"
    yield "КонечныйОстаток=0.00"
    yield "КонецРасчСчет"
    for document in documents:
        yield from document.lines()
    if end_marker:
        yield "КонецФайла"


def render_statement(
    documents: Iterable[StatementDocument],
    *,
    account: str,
    start: date,
    end: date,
    encoding: str = "Windows",
    newline: str = "\r\n",
    end_marker: bool = True,
) -> bytes:
    """A whole statement as bytes in the codec ``encoding`` names (Windows or DOS)."""
    lines = statement_lines(
        documents, account=account, start=start, end=end, encoding=encoding, end_marker=end_marker
    )
    return "".join(line + newline for line in lines).encode(CODECS[encoding])


def random_documents(
    count: int,
    *,
    payee: tuple[str, str, str],
    start: date,
    invoice_numbers: Iterable[str] = (),
    seed: int = 0,
) -> Iterator[StatementDocument]:
    """``count`` plausible incoming payments to ``payee`` (name, INN, account), lazily.

    Purposes cycle through the ways people write them: "Оплата по счету № 123 от ...",
    "по сч. 123", "счёт №БП-000123", a contract only, or nothing useful at all.
    """
    rng = random.Random(seed)
    numbers = list(invoice_numbers) or [str(n) for n in range(1, 500)]
    name, inn, account = payee
    for i in range(count):
        payer = PAYERS[rng.randrange(len(PAYERS))]
        on = start + timedelta(days=rng.randrange(28))
        number = rng.choice(numbers)
        amount = Decimal(rng.randrange(1_000_00, 500_000_00)) / 100
        purpose = rng.choice(
            (
                f"Оплата по счету № {number} от {on:%d.%m.%Y} за аренду помещения."
                f" В т.ч. НДС (22%) {amount * 22 / 122:.2f}",
                f"Оплата аренды по сч. {number}. Без налога (НДС)",
                f"Оплата по счёт №БП-{int(number):06d} за аренду" if number.isdigit() else "",
                "Арендная плата по договору № А-15/2026, НДС не облагается",
                "Возврат займа",
            )
        )
        yield StatementDocument(
            number=str(1000 + i),
            on=on,
            amount=amount,
            payer=payer[0],
            payer_inn=payer[1],
            payer_account=payer[2],
            payer_bank=payer[3],
            payer_bic=payer[4],
            payee=name,
            payee_inn=inn,
            payee_account=account,
            purpose=purpose or "Оплата по договору",
            kind="Банковский ордер" if i % 10 == 9 else "Платежное поручение",
            split_purpose=i % 7 == 3,
        )


def write_statement(
    out: BinaryIO,
    documents: Iterable[StatementDocument],
    *,
    account: str,
    start: date,
    end: date,
) -> int:
    """Stream a cp1251 statement to ``out`` without building it in memory; returns bytes."""
    written = 0
    for line in statement_lines(documents, account=account, start=start, end=end):
        written += out.write((line + "\r\n").encode("cp1251"))
    return written


def main() -> None:
    """``python -m sandbox.onec.bank_files OUT [--documents N] [--account A]``."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--account", default="40702810938000000001")
    parser.add_argument("--inn", default="7707083893")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    docs = random_documents(
        args.documents,
        payee=('ООО "Ромашка"', args.inn, args.account),
        start=date(2026, 2, 1),
        seed=args.seed,
    )
    with args.out.open("wb") as out:
        write_statement(
            out, docs, account=args.account, start=date(2026, 2, 1), end=date(2026, 2, 28)
        )


if __name__ == "__main__":
    main()
