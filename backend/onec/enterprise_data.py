"""EnterpriseData XML (1C's universal exchange format) for issued invoices and acts.

The envelope is ``Message`` with a ``msg:Header`` (namespace
``http://www.1c.ru/SSL/Exchange/Message``) and a ``Body`` in the EnterpriseData namespace
``http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.8`` holding ``Справочник.Контрагенты``,
``Справочник.Договоры``, ``Документ.СчетНаОплатуПокупателю`` and
``Документ.РеализацияТоваровУслуг`` (the act), each object keyed by ``КлючевыеСвойства``
with a ``Ссылка`` GUID (1C's own CRM sample: its.1c.ru/db/content/fresh/src/25756595.html).
Our XSD (``schemas/enterprise_data_rentflow.xsd``) describes exactly the subset written here;
1C's full EnterpriseData schema is not redistributable, so it is not bundled.

Untrusted XML (anything coming back from 1C or a user) is parsed with entities unresolved,
no network, no DTD at all and a size cap: an XML bomb is refused, not expanded.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources

from lxml import etree

from backend.domain.billing import DocumentKind, DocumentLine

ED_VERSION = "1.8"
ED_NS = f"http://v8.1c.ru/edi/edi_stnd/EnterpriseData/{ED_VERSION}"
MSG_NS = "http://www.1c.ru/SSL/Exchange/Message"
MAX_XML_BYTES = 50 * 1024 * 1024
_REF_NS = uuid.UUID("5f0b3c52-7a43-4c1e-9d7e-1c0000000001")  # stable Ссылка per object


class UnsafeXml(ValueError):
    """XML refused before use: a DTD/entities (XML bomb), network access or over the size."""


class InvalidExport(ValueError):
    """An export that does not validate against the schema."""


@dataclass(frozen=True)
class Party:
    """An organisation or counterparty as EnterpriseData names it."""

    name: str
    inn: str
    kpp: str = ""
    address: str = ""
    bank_account: str = ""
    bic: str = ""


@dataclass(frozen=True)
class ExportDocument:
    """One invoice or act with everything 1C needs to book it."""

    kind: DocumentKind
    number: str
    issued_on: date
    landlord: Party
    tenant: Party
    lease_number: str
    lease_signed_on: date
    lines: tuple[DocumentLine, ...]
    total: Decimal
    vat: Decimal
    vat_rate: Decimal | None
    vat_included: bool
    currency: str = "RUB"
    portal_key: str = ""  # makes Ссылка GUIDs distinct per portal


def stable_ref(*parts: str) -> str:
    """A GUID that is the same for the same object on every export (1C's Ссылка)."""
    return str(uuid.uuid5(_REF_NS, "|".join(parts)))


def vat_rate_name(rate: Decimal | None) -> str:
    """1C's enumeration value of a VAT rate: ``БезНДС``, ``НДС22``, ``НДС10``, ``НДС0``."""
    if rate is None:
        return "БезНДС"
    return f"НДС{rate.normalize():f}"


def _sub(parent: etree._Element, name: str, text: object | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ED_NS}}}{name}")
    if text is not None:
        element.text = text if isinstance(text, str) else _format(text)
    return element


def _format(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}T00:00:00"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _party_ref(parent: etree._Element, name: str, party: Party, key: str) -> None:
    element = _sub(parent, name)
    _sub(element, "Ссылка", stable_ref(key, "party", party.inn, party.kpp))
    _sub(element, "Наименование", party.name)
    _sub(element, "ИНН", party.inn)
    if party.kpp:
        _sub(element, "КПП", party.kpp)


def _counterparty(body: etree._Element, party: Party, key: str) -> None:
    element = _sub(body, "Справочник.Контрагенты")
    keys = _sub(element, "КлючевыеСвойства")
    _sub(keys, "Ссылка", stable_ref(key, "party", party.inn, party.kpp))
    _sub(keys, "Наименование", party.name)
    _sub(keys, "НаименованиеПолное", party.name)
    _sub(keys, "ИНН", party.inn)
    if party.kpp:
        _sub(keys, "КПП", party.kpp)
    _sub(
        keys,
        "ЮридическоеФизическоеЛицо",
        "ЮридическоеЛицо" if len(party.inn) == 10 else "ФизическоеЛицо",
    )


def _contract(body: etree._Element, doc: ExportDocument) -> None:
    element = _sub(body, "Справочник.Договоры")
    keys = _sub(element, "КлючевыеСвойства")
    _sub(keys, "Ссылка", stable_ref(doc.portal_key, "lease", doc.lease_number))
    _sub(keys, "ВидДоговора", "СПокупателем")
    _party_ref(keys, "Организация", doc.landlord, doc.portal_key)
    _party_ref(keys, "Контрагент", doc.tenant, doc.portal_key)
    _sub(keys, "ВалютаВзаиморасчетов", doc.currency)
    _sub(keys, "Наименование", f"Договор аренды № {doc.lease_number}")
    _sub(keys, "Номер", doc.lease_number)
    _sub(keys, "Дата", doc.lease_signed_on)


def _document(body: etree._Element, doc: ExportDocument) -> None:
    tag = (
        "Документ.СчетНаОплатуПокупателю"
        if doc.kind is DocumentKind.INVOICE
        else "Документ.РеализацияТоваровУслуг"
    )
    element = _sub(body, tag)
    keys = _sub(element, "КлючевыеСвойства")
    _sub(keys, "Ссылка", stable_ref(doc.portal_key, doc.kind.value, doc.number, str(doc.issued_on)))
    _sub(keys, "Дата", doc.issued_on)
    _sub(keys, "Номер", doc.number)
    _party_ref(keys, "Организация", doc.landlord, doc.portal_key)
    _sub(element, "Валюта", doc.currency)
    _sub(element, "Сумма", doc.total)
    _sub(element, "СуммаВключаетНДС", doc.vat_included or doc.vat_rate is None)
    _party_ref(element, "Контрагент", doc.tenant, doc.portal_key)
    contract = _sub(element, "ДанныеВзаиморасчетов")
    agreement = _sub(contract, "Договор")
    _sub(agreement, "Ссылка", stable_ref(doc.portal_key, "lease", doc.lease_number))
    _sub(agreement, "Номер", doc.lease_number)
    _sub(agreement, "Дата", doc.lease_signed_on)
    if doc.kind is DocumentKind.INVOICE and doc.landlord.bank_account:
        account = _sub(element, "БанковскийСчетОрганизации")
        _sub(account, "НомерСчета", doc.landlord.bank_account)
        _sub(account, "БИК", doc.landlord.bic)
    services = _sub(element, "Услуги")
    for line in doc.lines:
        row = _sub(services, "Строка")
        _sub(row, "Содержание", line.description)
        _sub(row, "Количество", Decimal(line.quantity))
        _sub(row, "Цена", line.price.amount)
        _sub(row, "Сумма", line.amount.amount)
        _sub(row, "СтавкаНДС", vat_rate_name(doc.vat_rate))
        _sub(row, "СуммаНДС", line.vat.amount)
    _sub(element, "СуммаНДС", doc.vat)


def build_message(
    documents: Sequence[ExportDocument], *, created_at: datetime, message_no: int, sender: str
) -> bytes:
    """The EnterpriseData message for ``documents``: counterparties, contracts, documents."""
    root = etree.Element("Message", nsmap={"msg": MSG_NS})
    header = etree.SubElement(root, f"{{{MSG_NS}}}Header")
    etree.SubElement(header, f"{{{MSG_NS}}}Format").text = ED_NS
    etree.SubElement(header, f"{{{MSG_NS}}}CreationDate").text = _format(created_at)
    confirmation = etree.SubElement(header, f"{{{MSG_NS}}}Confirmation")
    etree.SubElement(
        confirmation, f"{{{MSG_NS}}}ExchangePlan"
    ).text = "СинхронизацияДанныхЧерезУниверсальныйФормат"
    etree.SubElement(confirmation, f"{{{MSG_NS}}}To").text = "1C"
    etree.SubElement(confirmation, f"{{{MSG_NS}}}From").text = sender
    etree.SubElement(confirmation, f"{{{MSG_NS}}}MessageNo").text = str(message_no)
    etree.SubElement(confirmation, f"{{{MSG_NS}}}ReceivedNo").text = "0"
    etree.SubElement(header, f"{{{MSG_NS}}}AvailableVersion").text = ED_VERSION
    body = etree.SubElement(root, f"{{{ED_NS}}}Body", nsmap={None: ED_NS})  # type: ignore[dict-item]
    parties = {(d.tenant.inn, d.tenant.kpp, d.tenant.name): d for d in documents}
    for doc in parties.values():
        _counterparty(body, doc.tenant, doc.portal_key)
    for doc in {d.lease_number: d for d in documents}.values():
        _contract(body, doc)
    for doc in documents:
        _document(body, doc)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def safe_parse(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parse untrusted XML: no DTD, no entity expansion, no network, bounded size."""
    if len(data) > max_bytes:
        raise UnsafeXml(f"the XML is over the limit of {max_bytes} bytes")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_pis=True,
    )  # fmt: skip
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.internalDTD is not None or b"<!ENTITY" in data[:65536]:
        raise UnsafeXml("a DTD or entity declaration is not accepted (XML bomb protection)")
    return root


def _schema() -> etree.XMLSchema:
    text = resources.files("backend.onec").joinpath("schemas/enterprise_data_rentflow.xsd")
    return etree.XMLSchema(safe_parse(text.read_bytes()))


def validate(data: bytes) -> None:
    """Check an export: the envelope here, the ``Body`` against the schema.

    ``InvalidExport`` says what is wrong.
    """
    root = safe_parse(data)
    format_ = root.findtext(f"{{{MSG_NS}}}Header/{{{MSG_NS}}}Format")
    body = root.find(f"{{{ED_NS}}}Body")
    if root.tag != "Message" or format_ != ED_NS or body is None:
        raise InvalidExport(f"not an EnterpriseData {ED_VERSION} message")
    schema = _schema()
    if not schema.validate(body):
        errors = [f"line {e.line}: {e.message}" for e in schema.error_log]  # type: ignore[attr-defined]
        raise InvalidExport("; ".join(errors))
