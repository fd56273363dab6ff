"""Round trip: any statement the sandbox's writer (``sandbox.onec.bank_files``) produces reads
back (``backend.onec.bank_statement``) as exactly the payments it was written from.

The writer lays files out as client-banks do (1CClientBankExchange 1.03, cp1251 or cp866,
CRLF); the property holds for every document Hypothesis builds: names and purposes in
Cyrillic and Latin with punctuation, purposes split over ``НазначениеПлатежа1..6``,
amounts from a kopeck to a hundred million, LF line ends as well as CRLF.
"""

from __future__ import annotations

import io
import string
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from backend.domain.money import Money
from backend.domain.payments import Payment
from backend.onec.bank_statement import BankStatementReader
from sandbox.onec.bank_files import CODECS, StatementDocument, render_statement

OUR_ACCOUNT = "40702810938000000001"


def _encodes(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


# what both codecs (cp1251 and cp866) can write: the Russian alphabet, Latin, digits and
# everyday punctuation; line breaks never occur inside a value
_CANDIDATES = (
    "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    + string.ascii_letters + string.digits + "\"'.,;:!?()/-+=№%"
)  # fmt: skip
LETTERS = "".join(c for c in _CANDIDATES if all(_encodes(c, codec) for codec in CODECS.values()))


def _text(max_words: int, max_word: int = 12) -> st.SearchStrategy[str]:
    """Words of ``LETTERS`` joined by single spaces: how a value survives ``strip()``."""
    word = st.text(LETTERS, min_size=1, max_size=max_word)
    return st.lists(word, min_size=1, max_size=max_words).map(" ".join)


def _digits(size: int) -> st.SearchStrategy[str]:
    return st.text(string.digits, min_size=size, max_size=size)


@st.composite
def documents(draw: st.DrawFn) -> StatementDocument:
    split = draw(st.booleans())
    return StatementDocument(
        number=draw(st.text(string.digits + "АБ-/", min_size=1, max_size=20)),
        on=draw(st.dates(date(2000, 1, 1), date(2099, 12, 31))),
        amount=Decimal(draw(st.integers(1, 100_000_000_00))) / 100,
        payer=draw(_text(8)),
        payer_inn=draw(st.one_of(_digits(10), _digits(12))),
        payer_account=draw(_digits(20)),
        payee=draw(_text(6)),
        payee_inn=draw(_digits(10)),
        payee_account=draw(st.one_of(st.just(OUR_ACCOUNT), _digits(20))),
        # a split purpose goes out in lines of up to 40 characters, at most six of them
        purpose=draw(_text(6, 30) if split else _text(30)),
        kind=draw(st.sampled_from(["Платежное поручение", "Банковский ордер"])),
        split_purpose=split,
    )


def _payment(document: StatementDocument) -> Payment:
    """The payment a reader must see in ``document``, from the values it was written with."""
    return Payment(
        number=document.number,
        paid_on=document.on,
        amount=Money(document.amount),
        payer_name=document.payer,
        payer_inn=document.payer_inn,
        payer_account=document.payer_account,
        payee_account=document.payee_account,
        purpose=document.purpose,
    )


@given(
    docs=st.lists(documents(), max_size=8),
    encoding=st.sampled_from(sorted(CODECS)),
    newline=st.sampled_from(["\r\n", "\n"]),
)
def test_every_written_document_reads_back_as_the_same_payment(
    docs: list[StatementDocument], encoding: str, newline: str
) -> None:
    data = render_statement(
        docs, account=OUR_ACCOUNT, start=date(2000, 1, 1), end=date(2099, 12, 31),
        encoding=encoding, newline=newline,
    )  # fmt: skip
    reader = BankStatementReader(io.BytesIO(data))
    assert list(reader.payments()) == [_payment(d) for d in docs]
    assert reader.report.encoding == CODECS[encoding]
    assert reader.report.complete
    assert reader.report.errors == reader.report.warnings == []
    assert reader.report.documents == reader.report.good_documents == len(docs)
