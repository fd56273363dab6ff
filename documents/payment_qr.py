"""The payment QR code of an invoice: ГОСТ for roubles, NBU 002 for hryvnias, EPC for euros."""

from __future__ import annotations

from dataclasses import dataclass

from backend.domain.documents import DocumentPurpose, IssuedDocument
from backend.domain.lease import Lease
from documents.errors import InvalidDocumentData
from documents.labels import format_quantity
from documents.qr.epc import EpcPayment
from documents.qr.gost import GostEncoding, GostPayment
from documents.qr.image import QrImages, render_qr
from documents.qr.nbu import NbuPayment


@dataclass(frozen=True)
class PaymentQr:
    """The payload text, the standard it follows and its images."""

    standard: str  # "gost", "nbu" or "epc"
    payload: str  # text to print in previews; for NBU the link
    images: QrImages


def purpose_text(lease: Lease, document: IssuedDocument) -> str:
    """Назначение платежа: the invoice's own, else its number, date and VAT 1C-style."""
    if document.extra.get("purpose"):
        return document.extra["purpose"]
    if document.purpose is DocumentPurpose.PENALTY:
        return (
            f"Оплата пени по счету № {document.number} от {document.issued_on:%d.%m.%Y}"
            f" по договору № {lease.number}. Без НДС"
        )
    what = "аренду"
    if document.purpose in (DocumentPurpose.UTILITIES, DocumentPurpose.OTHER) and document.lines:
        what = document.lines[0].description  # the charge as its line names it
    base = f"Оплата по счету № {document.number} от {document.issued_on:%d.%m.%Y} за {what}"
    if lease.vat.rate is None:
        return f"{base}. Без НДС"
    rate = format_quantity(lease.vat.rate, "ru")  # "НДС 22%", as a person writes it, not 22.00%
    return f"{base}. В т.ч. НДС {rate}% - {document.vat.amount:.2f} руб."


def payment_qr(
    lease: Lease, document: IssuedDocument, encoding: GostEncoding = GostEncoding.UTF8
) -> PaymentQr:
    """Build and render the QR code that pays ``document`` to the lease's landlord."""
    landlord, bank, currency = lease.landlord, lease.landlord.bank, document.total.currency
    if currency == "RUB":
        gost = GostPayment(
            name=landlord.name,
            personal_acc=bank.account,
            bank_name=bank.bank_name,
            bic=bank.bic,
            corresp_acc=bank.corr_account,
            payee_inn=landlord.inn,
            kpp=landlord.kpp,
            amount=document.total,
            purpose=purpose_text(lease, document),
            doc_no=document.number,
            doc_date=document.issued_on,
            encoding=encoding,
        ).fitted()  # a long legal name switches UTF-8 to cp1251, where it fits
        text = gost.payload()
        return PaymentQr("gost", text, render_qr(text, gost.encoding.value))
    if currency == "UAH":
        link = NbuPayment(
            name=landlord.name,
            iban=bank.account,
            payee_code=landlord.inn,
            amount=document.total,
            purpose=f"Оплата за оренду згідно рахунку № {document.number} "
            f"від {document.issued_on:%d.%m.%Y}",
        ).link()
        return PaymentQr("nbu", link, render_qr(link))
    if currency == "EUR":
        text = EpcPayment(
            name=landlord.name,
            iban=bank.account,
            bic=bank.bic,
            amount=document.total,
            text=f"Invoice {document.number} of {document.issued_on:%d.%m.%Y}",
        ).payload()
        return PaymentQr("epc", text, render_qr(text))
    raise InvalidDocumentData("currency", f"no payment QR standard for {currency}")
