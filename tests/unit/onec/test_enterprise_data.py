"""EnterpriseData messages: built with lxml, valid against the schema; hostile XML refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.money import Money
from backend.onec.enterprise_data import (
    ED_NS,
    ExportDocument,
    InvalidExport,
    Party,
    UnsafeXml,
    build_message,
    safe_parse,
    stable_ref,
    validate,
    vat_rate_name,
)

LANDLORD = Party(
    'ООО "Ромашка"', "7707083893", "773601001", bank_account="40702810938000000001", bic="044525225"
)
TENANT = Party('ООО "Василёк"', "7728168971", "772801001")


def _doc(kind: DocumentKind, number: str) -> ExportDocument:
    period = BillingPeriod(date(2026, 2, 1), date(2026, 2, 28))
    gross, vat = Money(Decimal("100000.00")), Money(Decimal("18032.79"))
    line = DocumentLine(
        "Аренда помещения 101 за февраль 2026", period, 1, "мес.", gross, gross, vat
    )
    return ExportDocument(
        kind=kind, number=number, issued_on=date(2026, 2, 1), landlord=LANDLORD, tenant=TENANT,
        lease_number="А-15/2026", lease_signed_on=date(2026, 1, 15), lines=(line,),
        total=gross.amount, vat=vat.amount, vat_rate=Decimal(22), vat_included=True,
        portal_key="bitrix24:m-1",
    )  # fmt: skip


def _message() -> bytes:
    docs = [_doc(DocumentKind.INVOICE, "БП-000101"), _doc(DocumentKind.ACT, "БП-000055")]
    return build_message(
        docs, created_at=datetime(2026, 3, 1, 1, 0, tzinfo=UTC), message_no=1, sender="rentflow"
    )


def test_a_month_of_documents_makes_a_message_that_validates() -> None:
    data = _message()
    validate(data)
    body = safe_parse(data).find(f"{{{ED_NS}}}Body")
    assert body is not None
    names = [etree.QName(child).localname for child in body]
    assert names == [
        "Справочник.Контрагенты",
        "Справочник.Договоры",
        "Документ.СчетНаОплатуПокупателю",
        "Документ.РеализацияТоваровУслуг",
    ]
    ns = {"ed": ED_NS}
    assert (
        body.xpath(
            "string(ed:Документ.СчетНаОплатуПокупателю/ed:КлючевыеСвойства/ed:Номер)", namespaces=ns
        )
        == "БП-000101"
    )
    assert (
        body.xpath(
            "string(ed:Документ.РеализацияТоваровУслуг/ed:Услуги/ed:Строка/ed:СтавкаНДС)",
            namespaces=ns,
        )
        == "НДС22"
    )
    assert (
        body.xpath("string(ed:Документ.РеализацияТоваровУслуг/ed:СуммаНДС)", namespaces=ns)
        == "18032.79"
    )


def test_references_are_stable_between_exports() -> None:
    assert stable_ref("p", "invoice", "1") == stable_ref("p", "invoice", "1")
    assert stable_ref("p", "invoice", "1") != stable_ref("q", "invoice", "1")


def test_vat_rates_use_1c_enumeration_names() -> None:
    assert vat_rate_name(None) == "БезНДС"
    assert vat_rate_name(Decimal("22")) == "НДС22"
    assert vat_rate_name(Decimal("20.00")) == "НДС20"


def test_a_broken_message_does_not_validate() -> None:
    data = _message().replace("НДС22".encode(), "НДС-много".encode())
    with pytest.raises(InvalidExport, match="СтавкаНДС"):
        validate(data)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Message>&lol4;</Message>"""


def test_an_xml_bomb_is_refused() -> None:
    with pytest.raises(UnsafeXml, match="XML bomb"):
        safe_parse(BOMB)


def test_an_external_entity_is_not_read() -> None:
    xxe = b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><m>&x;</m>'
    with pytest.raises(UnsafeXml):
        safe_parse(xxe)


def test_a_huge_document_is_refused() -> None:
    with pytest.raises(UnsafeXml, match="over the limit"):
        safe_parse(b"<m>" + b"x" * 2000 + b"</m>", max_bytes=1000)


def test_garbage_is_refused_clearly() -> None:
    with pytest.raises(UnsafeXml, match="not well-formed"):
        safe_parse(b"<m><unclosed></m>")
