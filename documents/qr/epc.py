"""EPC069-12 "SEPA Credit Transfer" QR payload (GiroCode) for landlords paid in euros.

Source: EPC069-12 v2.1 §3.4 (field table), as summarised in segno docs/epc-qrcodes.rst and
bwipp's "EPC QR Code" wiki page (bwipp/postscriptbarcode): LF-separated lines,
nothing after the last non-empty one, error correction M.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from backend.domain.money import Money
from documents.errors import InvalidDocumentData

_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_MAX_AMOUNT = Decimal("999999999.99")
_MAX_BYTES = 331


def check_iban(iban: str, field: str = "iban") -> str:
    """Check an IBAN's shape and its ISO 13616 mod-97 check digits; return it without spaces."""
    compact = iban.replace(" ", "").upper()
    if not _IBAN.fullmatch(compact):
        raise InvalidDocumentData(field, f"is not an IBAN: {iban!r}")
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    if int(number) % 97 != 1:
        raise InvalidDocumentData(field, f"check digits of {compact} do not match")
    return compact


@dataclass(frozen=True)
class EpcPayment:
    """A SEPA credit transfer as a payee prints it (version 002, UTF-8)."""

    name: str
    iban: str
    amount: Money
    bic: str = ""
    purpose_code: str = ""
    reference: str = ""  # structured creditor reference (RF…), exclusive with ``text``
    text: str = ""
    note: str = ""

    def payload(self) -> str:
        """Validate and return the payload text."""
        self.validate()
        lines = [
            "BCD",
            "002",
            "1",  # UTF-8
            "SCT",
            self.bic,
            self.name,
            check_iban(self.iban, "qr.IBAN"),
            f"EUR{self.amount.amount:.2f}",
            self.purpose_code,
            self.reference,
            self.text,
            self.note,
        ]
        while not lines[-1]:
            lines.pop()
        payload = "\n".join(lines)
        if len(payload.encode()) > _MAX_BYTES:
            raise InvalidDocumentData("qr", f"payload exceeds {_MAX_BYTES} bytes")
        return payload

    def validate(self) -> None:
        """Raise naming the first field that breaks EPC069-12."""
        if not self.name.strip() or len(self.name) > 70:
            raise InvalidDocumentData("qr.Name", "must be 1 to 70 characters")
        if self.bic and not _BIC.fullmatch(self.bic):
            raise InvalidDocumentData("qr.BIC", f"must be 8 or 11 characters, got {self.bic!r}")
        if self.amount.currency != "EUR":
            raise InvalidDocumentData("qr.Amount", f"must be in EUR, got {self.amount.currency}")
        if not Decimal("0.01") <= self.amount.amount <= _MAX_AMOUNT:
            raise InvalidDocumentData("qr.Amount", "must be between 0.01 and 999999999.99")
        if self.purpose_code and not re.fullmatch(r"[A-Z0-9]{4}", self.purpose_code):
            raise InvalidDocumentData("qr.Purpose", "must be 4 letters or digits")
        if self.reference and self.text:
            raise InvalidDocumentData("qr.Reference", "give a reference or a text, not both")
        if len(self.reference) > 35:
            raise InvalidDocumentData("qr.Reference", "must be at most 35 characters")
        if len(self.text) > 140:
            raise InvalidDocumentData("qr.Text", "must be at most 140 characters")
        if len(self.note) > 70:
            raise InvalidDocumentData("qr.Information", "must be at most 70 characters")
