"""Round trip: every valid ГОСТ Р 56042-2014 payment's payload (``GostPayment.payload``) splits
back (``parse_gost``) into exactly the fields it was built from, whatever characters the values
hold (the separator is chosen among those absent from them, §5.2.1)."""

from __future__ import annotations

import string
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from backend.domain.money import Money
from documents.qr.gost import OPTIONAL_FIELDS, GostEncoding, GostPayment, parse_gost

# requisites with valid control digits (Sberbank's, and ИНН of real companies and a person)
BICS = ["044525225", "044525593", "044525974", "044525187"]
INNS = ["", "7707083893", "7728168971", "7719617469", "500100732259", "7702070139"]
KPPS = ["", "773601001", "770801001", "7736AB001"]
_CYRILLIC = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя«»№"
# one-line values in what cp1251 writes, "=" and separators included, never "%": a payment
# whose values hold all eleven separators is refused (no separator is left), not written
CHARACTERS = (
    _CYRILLIC + string.ascii_letters + string.digits + string.punctuation.replace("%", "") + " "
)


def _value(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(CHARACTERS, min_size=min_size, max_size=max_size)


def _name(max_size: int) -> st.SearchStrategy[str]:
    return _value(max_size, 1).filter(str.strip)


@st.composite
def payments(draw: st.DrawFn) -> GostPayment:
    extra_keys = draw(st.lists(st.sampled_from(sorted(OPTIONAL_FIELDS)), unique=True, max_size=4))
    return GostPayment(
        # the mandatory block fits in its 300 bytes even in UTF-8 (two bytes a letter)
        name=draw(_name(50)),
        personal_acc=draw(st.text(string.digits, min_size=20, max_size=20)),
        bank_name=draw(_name(40)),
        bic=draw(st.sampled_from(BICS)),
        corresp_acc=draw(st.text(string.digits, min_size=1, max_size=20)),
        payee_inn=draw(st.sampled_from(INNS)),
        kpp=draw(st.sampled_from(KPPS)),
        amount=draw(st.none() | st.integers(1, 10**17).map(Money.from_minor)),
        purpose=draw(_value(210)),
        doc_no=draw(_value(15)),
        doc_date=draw(st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31))),
        extra={key: draw(_value(OPTIONAL_FIELDS[key] or 40, 1)) for key in extra_keys},
        encoding=draw(st.sampled_from(list(GostEncoding))),
    )


def _fields(payment: GostPayment) -> dict[str, str]:
    """What the payment carries, field by field, as ГОСТ Р 56042-2014 names them."""
    fields = {
        "Name": payment.name,
        "PersonalAcc": payment.personal_acc,
        "BankName": payment.bank_name,
        "BIC": payment.bic,
        "CorrespAcc": payment.corresp_acc,
        "PayeeINN": payment.payee_inn,
        "KPP": payment.kpp,
        "Sum": str(payment.amount.minor) if payment.amount else "",  # in kopecks
        "Purpose": payment.purpose,
        "DocNo": payment.doc_no,
        "DocDate": payment.doc_date.strftime("%d.%m.%Y") if payment.doc_date else "",
        **payment.extra,
    }
    return {key: value for key, value in fields.items() if value}  # empty ones are left out


@given(payments())
def test_a_payload_parses_back_into_the_fields_it_was_built_from(payment: GostPayment) -> None:
    payload = payment.payload()
    assert payload.startswith(payment.encoding.header)
    assert parse_gost(payload) == _fields(payment)
    assert payment.payload_bytes().decode(payment.encoding.value) == payload
