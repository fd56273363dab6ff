"""The 1CClientBankExchange 1.03 vocabulary: keys of each section, the file's codec, and how
its values (amounts, dates, accounts) are read.

Keys from 1C's "Стандарт обмена с системами «Клиент банка»" 1.03 (v8.1c.ru/edi/edi_stnd/100/
101.htm); anything else in a file is a warning.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

# "Кодировка" values of the standard (only these two) plus the non-standard UTF-8 some
# tools write [the standard 1.03 above; Xini1/client-bank-exchange Encoding.java].
ENCODINGS = {"windows": "cp1251", "dos": "cp866", "utf-8": "utf-8", "utf8": "utf-8"}

HEADER_KEYS = frozenset(
    {
        "ВерсияФормата", "Кодировка", "Отправитель", "Получатель", "ДатаСоздания",
        "ВремяСоздания", "ДатаНачала", "ДатаКонца", "РасчСчет", "Документ",
    }
)  # fmt: skip
ACCOUNT_KEYS = frozenset(
    {
        "ДатаНачала", "ДатаКонца", "РасчСчет", "НачальныйОстаток", "ВсегоПоступило",
        "ВсегоСписано", "КонечныйОстаток",
    }
)  # fmt: skip
# Every documented key of СекцияДокумент [kilylabs/client-bank-exchange-php
# DocumentSection.php; kimaero/client_bank_exchange_1c schema].
_PARTY_KEYS = (
    "Счет", "ИНН", "КПП", "РасчСчет", "Банк1", "Банк2", "БИК", "Корсчет",
    "1", "2", "3", "4", "",
)  # fmt: skip
DOCUMENT_KEYS = frozenset(
    {
        "Номер", "Дата", "Сумма", "КвитанцияДата", "КвитанцияВремя", "КвитанцияСодержание",
        "ДатаСписано", "ДатаПоступило", "ВидПлатежа", "ВидОплаты", "Код", "НазначениеПлатежа",
        "Очередность", "СтатусСоставителя", "ПоказательКБК", "ОКАТО", "ПоказательОснования",
        "ПоказательПериода", "ПоказательНомера", "ПоказательДаты", "ПоказательТипа",
        "СрокАкцепта", "ВидАккредитива", "СрокПлатежа", "УсловиеОплаты1", "УсловиеОплаты2",
        "УсловиеОплаты3", "ПлатежПоПредст", "ДополнУсловия", "НомерСчетаПоставщика",
        "ДатаОтсылкиДок", "КодНазПлатежа", "ИдентификаторПлатежа",
    }
    | {f"НазначениеПлатежа{i}" for i in range(1, 7)}
    | {f"Плательщик{suffix}" for suffix in _PARTY_KEYS}
    | {f"Получатель{suffix}" for suffix in _PARTY_KEYS}
)  # fmt: skip
REQUIRED_DOCUMENT_KEYS = ("Номер", "Дата", "Сумма")


def detect_encoding(head: bytes) -> tuple[str, str | None]:
    """The codec of a statement from its first bytes, and a warning when unsure.

    ``Кодировка`` names the codec, but the bytes have the last word: a key that is only
    found when decoded with cp866 means DOS whatever the header says. Without the key, the
    codec whose decoding gives the most Cyrillic letters wins; UTF-8 only when the bytes are
    valid UTF-8 (decoding cp1251 bytes as UTF-8 silently yields "0 documents").
    """
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8", None
    for codec in ("utf-8", "cp1251", "cp866"):
        marker = "Кодировка=".encode(codec)
        at = head.find(marker)
        if at < 0:
            continue
        end = head.find(b"\n", at)
        raw = head[at + len(marker) : end if end >= 0 else len(head)]
        declared = raw.decode("ascii", "replace").strip().lower()
        named = ENCODINGS.get(declared)
        if named is None:
            return codec, f"unknown Кодировка={declared!r}; the bytes look like {codec}"
        if named != codec:
            return codec, f"Кодировка says {named} but the bytes are {codec}"
        return codec, None
    return _guess_codec(head), "no Кодировка in the header; the codec was guessed from the bytes"


def _guess_codec(head: bytes) -> str:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if any("а" <= ch.lower() <= "я" for ch in text):
            return "utf-8"
    scores = {}
    for codec in ("cp1251", "cp866"):
        text = head.decode(codec, "replace")
        scores[codec] = sum(1 for ch in text if "а" <= ch <= "я")
    return max(scores, key=lambda c: (scores[c], c == "cp1251"))


_DATE_RE = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")
# A payment order's amount is roubles and kopecks: digits, a point (1C) or a comma, at most
# two decimals. No exponent ("1E+50"), no fractions of a kopeck ("0.001"), no sign.
_AMOUNT_RE = re.compile(r"^\d{1,15}(?:[.,]\d{1,2})?$")
# The largest amount rentflow takes from a statement: 12 digits of roubles fit every column
# (NUMERIC(18, 2)) and any real payment of a rent (a trillion roubles is not a rent).
MAX_AMOUNT = Decimal("999999999999.99")
_ACCOUNT_RE = re.compile(r"^\d{20}$")  # a Russian bank account: 20 digits (ЦБ 579-П)


def parse_balance(value: str) -> Decimal:
    """A balance of ``СекцияРасчСчет`` (may be negative); ``ValueError`` if not a number."""
    try:
        amount = Decimal(value.strip().replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount


def parse_amount(value: str) -> Decimal:
    """A document's ``Сумма``: roubles and kopecks, positive or zero, at most
    ``MAX_AMOUNT``; ``ValueError`` naming the value otherwise."""
    text = value.strip().replace(" ", "")
    if not _AMOUNT_RE.match(text):
        raise ValueError(
            f"Сумма {value.strip()[:30]!r} is not an amount in roubles and kopecks"
            " (digits, at most two decimals)"
        )
    amount = Decimal(text.replace(",", "."))
    if amount > MAX_AMOUNT:
        raise ValueError(f"Сумма {value.strip()[:30]!r} is over {MAX_AMOUNT}: not a payment")
    return amount


def parse_account(key: str, value: str) -> str:
    """An account number, 20 digits, or "" when absent; ``ValueError`` naming ``key``."""
    if value and not _ACCOUNT_RE.match(value):
        raise ValueError(f"{key} {value[:30]!r} is not a 20-digit account")
    return value


def parse_date(value: str) -> date:
    """A date written дд.мм.гггг; ``ValueError`` for anything else or no such day."""
    text = value.strip()
    if not _DATE_RE.match(text):
        raise ValueError(f"not a date дд.мм.гггг: {value!r}")
    try:
        return date(int(text[6:10]), int(text[3:5]), int(text[0:2]))
    except ValueError:
        raise ValueError(f"not a calendar date: {value!r}") from None
