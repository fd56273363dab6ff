from __future__ import annotations

import base64
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from backend.domain.money import Money
from documents.errors import InvalidDocumentData
from documents.qr import EpcPayment, GostEncoding, GostPayment, NbuPayment, render_qr
from documents.qr.epc import check_iban
from documents.qr.gost import parse_gost
from tests.factories import SBER

PAYMENT = GostPayment(
    name="ООО «Ромашка»",
    personal_acc=SBER.account,
    bank_name=SBER.bank_name,
    bic=SBER.bic,
    corresp_acc=SBER.corr_account,
    payee_inn="7707083893",
    kpp="773601001",
    amount=Money(Decimal("123456.00")),
    purpose="Оплата по счету № 123 от 01.02.2026 за аренду. Без НДС",
    doc_no="123",
    doc_date=date(2026, 2, 1),
)


def _scan(png: bytes) -> bytes:
    symbols = decode(Image.open(io.BytesIO(png)))
    assert len(symbols) == 1
    return symbols[0].data


def test_gost_payload_starts_with_the_mandatory_block_in_order() -> None:
    payload = PAYMENT.payload()
    assert payload == (
        "ST00012|Name=ООО «Ромашка»|PersonalAcc=40702810938000000001|BankName=ПАО СБЕРБАНК"
        "|BIC=044525225|CorrespAcc=30101810400000000225|PayeeINN=7707083893|KPP=773601001"
        "|Sum=12345600|Purpose=Оплата по счету № 123 от 01.02.2026 за аренду. Без НДС"
        "|DocNo=123|DocDate=01.02.2026"
    )


def test_gost_sum_is_in_kopecks() -> None:
    payment = replace(PAYMENT, amount=Money(Decimal("12345.07")))
    assert parse_gost(payment.payload())["Sum"] == "1234507"


def test_separator_switches_when_a_value_contains_a_bar() -> None:
    payment = replace(PAYMENT, purpose="Аренда | февраль 2026")
    payload = payment.payload()
    assert payload.startswith("ST00012#Name=")
    assert parse_gost(payload)["Purpose"] == "Аренда | февраль 2026"


def test_cp1251_payload_on_demand_has_its_header_and_bytes() -> None:
    payment = replace(PAYMENT, encoding=GostEncoding.CP1251)
    data = payment.payload_bytes()
    assert data.startswith(b"ST00011|Name=")
    assert data.decode("cp1251") == payment.payload()


def test_cp1251_rejects_a_character_it_cannot_encode() -> None:
    payment = replace(PAYMENT, encoding=GostEncoding.CP1251, purpose="Аренда 🏢 офиса")
    with pytest.raises(InvalidDocumentData, match="cannot encode") as caught:
        payment.payload()
    assert caught.value.field == "qr.Purpose"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"purpose": "x" * 211}, "qr.Purpose", "limit is 210"),
        ({"name": ""}, "qr.Name", "missing"),
        ({"personal_acc": "4070281093800000000"}, "qr.PersonalAcc", "20 digits"),
        ({"bic": ""}, "qr.BIC", "missing"),
        ({"payee_inn": "7707083894"}, "qr.PayeeINN", "control digits"),
        ({"amount": Money(Decimal(0))}, "qr.Sum", "positive"),
        ({"amount": Money(Decimal(-5))}, "qr.Sum", "positive"),
        ({"doc_no": "1" * 16}, "qr.DocNo", "limit is 15"),
        ({"extra": {"Nonsense": "1"}}, "qr.Nonsense", "not a field"),
        ({"bank_name": "Б" * 46}, "qr.BankName", "limit is 45"),
        ({"name": "Я" * 160}, "qr.Name", "more than 300"),
    ],
)
def test_bad_gost_field_is_named_in_the_error(change: dict, field: str, reason: str) -> None:
    with pytest.raises(InvalidDocumentData, match=reason) as caught:
        replace(PAYMENT, **change).payload()
    assert caught.value.field == field


@pytest.mark.parametrize("use_c", [True, False], ids=["libqrencode", "segno"])
def test_gost_qr_scans_back_to_the_payload_at_level_m(use_c: bool) -> None:
    images = render_qr(PAYMENT.payload(), use_c=use_c)
    assert _scan(images.png).decode("utf-8") == PAYMENT.payload()
    assert images.svg.startswith(b"<?xml")
    assert images.error == "M"


@pytest.mark.parametrize("use_c", [True, False], ids=["libqrencode", "segno"])
@pytest.mark.parametrize("payload", [PAYMENT.payload(), "x" * 300, "short"], ids=len)
def test_svg_is_the_one_segno_writes(use_c: bool, payload: str) -> None:
    images = render_qr(payload, use_c=use_c)
    written = io.BytesIO()
    images._qr.save(written, kind="svg", border=4, scale=8, xmldecl=True)
    assert images.svg == written.getvalue()


def test_both_encoders_pick_the_same_smallest_version() -> None:
    assert (
        render_qr(PAYMENT.payload(), use_c=True).version
        == render_qr(PAYMENT.payload(), use_c=False).version
    )


def test_cp1251_qr_scans_back_to_the_same_bytes() -> None:
    payment = replace(PAYMENT, encoding=GostEncoding.CP1251)
    images = render_qr(payment.payload(), encoding="cp1251")
    assert images.data == payment.payload_bytes()
    # zbar reads byte mode as ISO-8859-1 and hands it back in UTF-8; undo that to get the bytes
    scanned = _scan(images.png).decode("utf-8").encode("latin-1")
    assert scanned == payment.payload_bytes()


EPC = EpcPayment(
    name="Wikimedia Foerdergesellschaft",
    iban="DE33 1002 0500 0001 1947 00",
    bic="BFSWDE33BER",
    amount=Money(Decimal(20), "EUR"),
    text="Spende fuer Wikipedia",
)


def test_epc_payload_matches_the_segno_reference_sample() -> None:
    assert EPC.payload() == (
        "BCD\n002\n1\nSCT\nBFSWDE33BER\nWikimedia Foerdergesellschaft\n"
        "DE33100205000001194700\nEUR20.00\n\n\nSpende fuer Wikipedia"
    )
    assert _scan(render_qr(EPC.payload()).png).decode() == EPC.payload()


def test_epc_rejects_bad_iban_and_both_reference_and_text() -> None:
    with pytest.raises(InvalidDocumentData, match="check digits"):
        check_iban("DE34100205000001194700")
    with pytest.raises(InvalidDocumentData, match="not both"):
        replace(EPC, reference="RF18539007547034").payload()
    with pytest.raises(InvalidDocumentData, match="EUR"):
        replace(EPC, amount=Money(Decimal(20))).payload()


def test_nbu_link_decodes_to_the_thirteen_field_payload() -> None:
    payment = NbuPayment(
        name="ТОВ «Оренда Плюс»",
        iban="UA213223130000026007233566001",
        payee_code="12345678",
        amount=Money(Decimal("1500.50"), "UAH"),
        purpose="Оплата за оренду згідно рахунку № 123 від 01.02.2025",
    )
    link = payment.link()
    assert link.startswith("https://bank.gov.ua/qr/")
    encoded = link.removeprefix("https://bank.gov.ua/qr/")
    text = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    assert text.split("\n")[:13] == [
        "BCD", "002", "1", "UCT", "", "ТОВ «Оренда Плюс»", "UA213223130000026007233566001",
        "UAH1500.50", "12345678", "", "", "Оплата за оренду згідно рахунку № 123 від 01.02.2025",
        "",
    ]  # fmt: skip
    assert _scan(render_qr(link).png).decode() == link


def test_nbu_rejects_a_short_purpose() -> None:
    with pytest.raises(InvalidDocumentData) as caught:
        NbuPayment(name="ТОВ", iban="UA213223130000026007233566001", payee_code="12345678",
                   purpose="оренда").payload()  # fmt: skip
    assert caught.value.field == "qr.Purpose"


def test_qr_is_encoded_at_error_correction_m() -> None:
    assert render_qr(PAYMENT.payload()).error == "M"


# The mandatory block of PAYMENT without its name: "ST0001x" 7 + "|Name=" 6 +
# "|PersonalAcc=" 13 + 20 + "|BankName=" 10 + "ПАО СБЕРБАНК" (11 letters and a space: 23 bytes
# in UTF-8, 12 in cp1251) + "|BIC=" 5 + 9 + "|CorrespAcc=" 12 + 20 = 125 bytes in UTF-8, 114 in
# cp1251. The 120-character name below (116 letters, 4 spaces) adds 116 x 2 + 4 = 236 bytes in
# UTF-8 (361 > 300) and 120 in cp1251 (234).
LONG_NAME = "Общество с ограниченной ответственностью " + "Я" * 79


def test_a_long_legal_name_switches_the_payload_to_cp1251_where_it_fits() -> None:
    assert len(LONG_NAME) == 120
    payment = replace(PAYMENT, name=LONG_NAME)
    assert payment.mandatory_bytes() == 361
    fitted = payment.fitted()
    assert fitted.encoding is GostEncoding.CP1251
    assert fitted.mandatory_bytes() == 234
    assert fitted.payload_bytes().startswith(b"ST00011|Name=" + LONG_NAME.encode("cp1251"))


def test_a_name_that_fits_in_utf8_stays_utf8() -> None:
    assert PAYMENT.fitted().encoding is GostEncoding.UTF8


def test_when_neither_encoding_fits_the_longest_field_is_named() -> None:
    # 160 letters of name and 45 of bank name: 114 - 12 + 45 + 160 = 307 bytes in cp1251
    payment = replace(PAYMENT, name="Я" * 160, bank_name="Б" * 45).fitted()
    assert payment.encoding is GostEncoding.UTF8
    with pytest.raises(InvalidDocumentData, match="307 in cp1251") as caught:
        payment.payload()
    assert caught.value.field == "qr.Name"


def test_the_invoice_qr_of_a_landlord_with_a_long_name_scans_back_in_cp1251() -> None:
    from backend.domain.billing import BillingPeriod, DocumentKind
    from backend.domain.documents import IssuedDocument
    from documents.payment_qr import payment_qr
    from tests import factories

    lease = factories.lease(landlord=factories.landlord(name=LONG_NAME))
    total = Money(Decimal("100000.00"))
    invoice = IssuedDocument(
        lease_id=1, kind=DocumentKind.INVOICE, number="7", issued_on=date(2026, 2, 1),
        period=BillingPeriod(date(2026, 2, 1), date(2026, 2, 28)), lines=(), net=total,
        vat=Money.zero(), total=total,
    )  # fmt: skip
    qr = payment_qr(lease, invoice)
    assert qr.payload.startswith("ST00011|Name=" + LONG_NAME + "|")
    assert qr.images.data == qr.payload.encode("cp1251")
    # zbar reads byte mode as ISO-8859-1 and hands it back in UTF-8; undo that to get the bytes
    assert _scan(qr.images.png).decode("utf-8").encode("latin-1") == qr.images.data
