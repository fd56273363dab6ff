"""The view-model the templates print, built from domain objects.

Templates get strings only: every amount is formatted, every date spelled, so a landlord
overriding a template never has to format money in Jinja.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from backend.domain.billing import DocumentKind
from backend.domain.documents import DocumentPurpose, IssuedDocument
from backend.domain.lease import Lease
from backend.domain.money import money_sum
from backend.domain.parties import LandlordEntity, Person, Tenant
from backend.domain.requisites import check_landlord, check_tenant
from documents.errors import InvalidDocumentData
from documents.labels import (
    CURRENCY_SHORT,
    LABELS,
    LANGUAGES,
    format_amount,
    format_quantity,
    long_date,
    short_date,
)
from documents.words import amount_in_words


@dataclass(frozen=True)
class PartyView:
    """A party as the document prints it."""

    name: str
    inn: str
    kpp: str
    address: str
    line: str  # "ООО «Ромашка», ИНН 7707083893, КПП 773601001, г. Москва, ..."


@dataclass(frozen=True)
class SignatoryView:
    """Who signs: position and full name (402-ФЗ art. 9 p. 2)."""

    role: str
    position: str
    name: str


@dataclass(frozen=True)
class LineView:
    """One printed table row."""

    no: int
    description: str
    quantity: str
    unit: str
    price: str
    amount: str


@dataclass(frozen=True)
class DocumentView:
    """Everything an invoice or act template prints."""

    kind: str
    lang: str
    labels: dict[str, str]
    title: str
    heading: str  # "Счет на оплату № СЧ-1 от «1» февраля 2026 г."
    number: str
    date: str
    seller: PartyView
    buyer: PartyView
    bank_name: str
    bic: str
    account: str
    corr_account: str
    basis: str
    lines: tuple[LineView, ...]
    total: str
    vat_label: str
    vat_amount: str
    grand_total: str
    count_line: str
    amount_words: str
    due: str
    signatories: tuple[SignatoryView, ...]
    currency: str
    qr_data_uri: str = ""
    # the landlord's logo, stamp and signatures (backend.domain.landlord_images roles)
    images: Mapping[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def image_uri(self, role: str) -> str:
        """The landlord's ``role`` image as a data URI for the HTML templates ("" for none)."""
        data = self.images.get(role)
        if not data:
            return ""
        kind = "png" if data.startswith(b"\x89PNG") else "jpeg"
        return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


def _party(name: str, inn: str, kpp: str, address: str, labels: dict[str, str]) -> PartyView:
    parts = [name]
    if inn:
        parts.append(f"{labels['inn']} {inn}")
    if kpp:
        parts.append(f"{labels['kpp']} {kpp}")
    if address:
        parts.append(address)
    return PartyView(name=name, inn=inn, kpp=kpp, address=address, line=", ".join(parts))


def _seller(landlord: LandlordEntity, labels: dict[str, str]) -> PartyView:
    return _party(landlord.name, landlord.inn, landlord.kpp, landlord.address, labels)


def _buyer(tenant: Tenant, labels: dict[str, str]) -> PartyView:
    return _party(tenant.name, tenant.inn, tenant.kpp, tenant.address, labels)


def _vat(lease: Lease, document: IssuedDocument, lang: str) -> tuple[str, str]:
    """The VAT row: "В том числе НДС (22%)" / "Сумма НДС (22%)" / "Без налога (НДС)"."""
    labels = LABELS[lang]
    rate = lease.vat.rate
    if rate is None or document.purpose is DocumentPurpose.PENALTY:  # пени carry no VAT
        return labels["no_vat"], "—"
    label = labels["vat_included"] if lease.vat.included else labels["vat_on_top"]
    return f"{label} ({format_quantity(Decimal(rate), 'en')}%)", format_amount(
        document.vat.amount, lang
    )


def _signatories(
    kind: DocumentKind, landlord: LandlordEntity, tenant_signatory: Person | None, lang: str
) -> tuple[SignatoryView, ...]:
    labels = LABELS[lang]
    director = landlord.director
    if kind is DocumentKind.INVOICE:
        return (
            SignatoryView(labels["director"], director.position, director.name),
            SignatoryView(
                labels["accountant"], landlord.accountant.position, landlord.accountant.name
            ),
        )
    customer = tenant_signatory or Person(name="")
    return (
        SignatoryView(labels["executor"], director.position, director.name),
        SignatoryView(labels["customer"], customer.position, customer.name),
    )


def build_view(
    lease: Lease,
    document: IssuedDocument,
    lang: str = "ru",
    *,
    tenant_signatory: Person | None = None,
    qr_data_uri: str = "",
) -> DocumentView:
    """Check the requisites and amounts, then turn a lease + issued document into strings."""
    if lang not in LANGUAGES:
        raise InvalidDocumentData("language", f"must be one of {', '.join(LANGUAGES)}")
    if document.total.currency == "RUB":  # Russian requisites apply to rouble invoices
        check_landlord(lease.landlord)
        check_tenant(lease.tenant)
    _check_amounts(document)
    labels = LABELS[lang]
    currency = CURRENCY_SHORT[lang].get(document.total.currency, document.total.currency)
    title = labels["invoice_title" if document.kind is DocumentKind.INVOICE else "act_title"]
    date_text = long_date(document.issued_on, lang)
    heading = f"{title} {labels['number']} {document.number} {labels['from']} {date_text}"
    vat_label, vat_amount = _vat(lease, document, lang)
    grand_total = format_amount(document.total.amount, lang)
    count_key = "items_count" if document.kind is DocumentKind.INVOICE else "services_count"
    lines = tuple(
        LineView(
            no=index,
            description=line.description,
            quantity=format_quantity(line.quantity, lang),
            unit=line.unit,
            price=format_amount(line.price.amount, lang),
            amount=format_amount(line.amount.amount, lang),
        )
        for index, line in enumerate(document.lines, start=1)
    )
    return DocumentView(
        kind=document.kind.value,
        lang=lang,
        labels=labels,
        title=title,
        heading=heading,
        number=document.number,
        date=date_text,
        seller=_seller(lease.landlord, labels),
        buyer=_buyer(lease.tenant, labels),
        bank_name=lease.landlord.bank.bank_name,
        bic=lease.landlord.bank.bic,
        account=lease.landlord.bank.account,
        corr_account=lease.landlord.bank.corr_account,
        basis=f"{labels['lease']} {labels['number']} {lease.number} "
        f"{labels['from']} {short_date(lease.signed_on)}",
        lines=lines,
        total=format_amount(money_sum([line.amount for line in document.lines]).amount, lang),
        vat_label=vat_label,
        vat_amount=vat_amount,
        grand_total=grand_total,
        count_line=labels[count_key].format(count=len(lines), total=f"{grand_total} {currency}"),
        amount_words=amount_in_words(document.total, lang),
        due=short_date(document.due_on) if document.due_on else "",
        signatories=_signatories(document.kind, lease.landlord, tenant_signatory, lang),
        currency=currency,
        qr_data_uri=qr_data_uri,
    )


def _check_amounts(document: IssuedDocument) -> None:
    if not document.lines:
        raise InvalidDocumentData("lines", "a document needs at least one line")
    for index, line in enumerate(document.lines):
        if not line.amount.is_positive():
            raise InvalidDocumentData(f"lines[{index}].amount", "must be positive")
    if not document.total.is_positive():
        raise InvalidDocumentData("total", f"must be positive, got {document.total}")
    if document.net + document.vat != document.total:
        raise InvalidDocumentData("total", "net + VAT does not add up to the total")
