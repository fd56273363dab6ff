"""The 1CClientBankExchange 1.03 vocabulary: keys of each section and the file's codec.

Keys from 1C's "Стандарт обмена с системами «Клиент банка»" 1.03 (v8.1c.ru/edi/edi_stnd/100/
101.htm) as listed in research/accounting.md §1; anything else in a file is a warning.
"""

from __future__ import annotations

# "Кодировка" values of the standard (only these two) plus the non-standard UTF-8 some
# tools write [Xini1/client-bank-exchange Encoding.java; research/accounting.md §1].
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
